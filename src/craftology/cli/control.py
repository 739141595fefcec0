"""The control-plane database for operator commands (models, users, policies): opened from the
settings, every failure turned into one readable line and exit 2, and closed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from craftology.cli.app import fail, settings_for
from craftology.controlplane.db import connect
from craftology.errors import CraftologyError


@contextmanager
def control_plane(data_dir: Path | None) -> Iterator[Engine]:
    engine = None
    try:
        engine = connect(settings_for(data_dir).database_url)
        yield engine
    except CraftologyError as error:
        raise fail(error.detail) from None
    except OSError as error:
        raise fail(f"cannot open the control-plane database: {error}") from None
    except SQLAlchemyError as error:
        raise fail(f"control-plane database: {type(error).__name__}: {str(error).splitlines()[0]}") from None
    finally:
        if engine is not None:
            engine.dispose()
