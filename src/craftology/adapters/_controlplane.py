"""Error translation for adapters that keep their state in the control-plane database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, OperationalError

from craftology.errors import StorageError, TransientError


@contextmanager
def translate_db_errors(what: str) -> Iterator[None]:
    """Re-raise SQLAlchemy errors as the port's errors: an unreachable or locked database is worth
    retrying (503), anything else is a storage failure."""
    try:
        yield
    except OperationalError as exc:
        raise TransientError(f"{what}: control-plane database unavailable: {_first_line(exc)}") from exc
    except DBAPIError as exc:
        raise StorageError(f"{what}: {_first_line(exc)}") from exc


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
