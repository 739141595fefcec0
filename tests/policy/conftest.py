"""Policy tests: the store-backed ones run on both control-plane engines, like tests/controlplane."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, insert

from craftology.controlplane.db import connect
from craftology.controlplane.schema import tenants
from craftology.controlplane.types import utc_now
from craftology.identity.principal import ALL_SCOPES, Principal, Scope
from tests.controlplane.conftest import db_url  # noqa: F401
from tests.pg_server import fresh_postgres_db, postgres_url  # noqa: F401

TENANTS = ("acme", "globex", "initech")


@pytest.fixture
def control(db_url: str) -> Iterator[Engine]:  # noqa: F811
    """A migrated control plane with the test tenants."""
    engine = connect(db_url)
    with engine.begin() as conn:
        conn.execute(insert(tenants), [{"id": t, "name": t, "created_at": utc_now()} for t in TENANTS])
    yield engine
    engine.dispose()


@pytest.fixture
def other_process(db_url: str) -> Iterator[Callable[[], Engine]]:  # noqa: F811
    """Engines of their own over the same database: what another process sees."""
    opened: list[Engine] = []

    def open_engine() -> Engine:
        opened.append(connect(db_url))
        return opened[-1]

    yield open_engine
    for engine in opened:
        engine.dispose()


def member(
    role: str, tenant: str = "acme", scopes: frozenset[Scope] = ALL_SCOPES, user: str = ""
) -> Principal:
    return Principal(
        tenant=tenant, user_id=user or f"{role}-of-{tenant}", roles=frozenset({role}), scopes=scopes
    )
