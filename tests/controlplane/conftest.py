"""Control-plane tests run on both engines: a SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from craftology.controlplane.db import connect
from tests.pg_server import fresh_postgres_db, postgres_url  # noqa: F401

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty control-plane database URL; PostgreSQL is started only when a postgres test runs."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'control' / 'control.db'}"
    return str(request.getfixturevalue("fresh_postgres_db"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = connect(db_url)
    yield engine
    engine.dispose()


class SandboxCallRecorder:
    """Test double for the MetadataStore/AssetStore ports that records provision/drop calls only.

    The real sandbox behaviour is tested with the real adapters; here we only check that the tenancy
    service asks for it at the right moments."""

    def __init__(self, name: str, calls: list[tuple[str, str, str]], fail_provision: bool = False) -> None:
        self.name = name
        self.calls = calls
        self.fail_provision = fail_provision

    def provision(self, tenant: str) -> None:
        self.calls.append((self.name, "provision", tenant))
        if self.fail_provision:
            raise OSError("disk full")

    def drop(self, tenant: str) -> None:
        self.calls.append((self.name, "drop", tenant))
