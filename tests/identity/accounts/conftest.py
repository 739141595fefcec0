"""Accounts tests run on both engines (a SQLite file and a real PostgreSQL server), with a clock the
tests move by hand and cheap argon2id parameters (the default ones are checked on their own)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import Engine

from craftology.controlplane.db import connect
from craftology.identity.accounts.api_tokens import ApiTokenService
from craftology.identity.accounts.passwords import Passwords
from craftology.identity.accounts.service import AccountsService
from craftology.tenancy.service import CreatedTenant, TenancyService
from tests.controlplane.conftest import SandboxCallRecorder
from tests.pg_server import fresh_postgres_db, postgres_url  # noqa: F401

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def cheap_passwords() -> Passwords:
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'control.db'}"
    else:
        url = str(request.getfixturevalue("fresh_postgres_db"))
    made = connect(url)
    yield made
    made.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(engine: Engine, clock: Clock) -> AccountsService:
    return AccountsService(engine, cheap_passwords(), now=clock)


@pytest.fixture
def tokens(engine: Engine, clock: Clock) -> ApiTokenService:
    return ApiTokenService(engine, now=clock)


@pytest.fixture
def tenancy(engine: Engine) -> TenancyService:
    calls: list[tuple[str, str, str]] = []
    return TenancyService(
        engine, SandboxCallRecorder("metadata", calls), SandboxCallRecorder("assets", calls)
    )


@pytest.fixture
def acme(tenancy: TenancyService) -> CreatedTenant:
    return tenancy.create_tenant("Acme", tenant_id="acme", owner_email="boss@acme.test")
