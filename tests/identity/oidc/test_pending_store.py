"""The control-plane records of OIDC: pending logins and used logout tokens, on SQLite and PostgreSQL,
shared by every process that opens the same database."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from craftology.controlplane.db import connect
from craftology.controlplane.schema import oidc_pending_logins
from craftology.errors import Unauthenticated
from craftology.identity.oidc.pending import LogoutTokenLedger, PendingLogin, PendingLogins
from tests.pg_server import fresh_postgres_db, postgres_url  # noqa: F401

LOGIN = PendingLogin(nonce="n", code_verifier="v" * 60, return_to="/projects")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'control.db'}"
    return str(request.getfixturevalue("fresh_postgres_db"))


@pytest.fixture
def engines(db_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one database: what two API processes hold."""
    first, second = connect(db_url), connect(db_url)
    yield first, second
    first.dispose()
    second.dispose()


def test_a_login_begun_in_one_process_completes_in_another_once(engines: tuple[Engine, Engine]) -> None:
    clock = Clock()
    PendingLogins(engines[0], clock).add("state-1", LOGIN, ttl_seconds=600)
    assert PendingLogins(engines[1], clock).consume("state-1") == LOGIN
    for engine in engines:
        with pytest.raises(Unauthenticated, match="already completed"):
            PendingLogins(engine, clock).consume("state-1")


def test_the_state_itself_is_not_stored(engines: tuple[Engine, Engine]) -> None:
    PendingLogins(engines[0], Clock()).add("state-secret", LOGIN, ttl_seconds=600)
    with engines[0].connect() as conn:
        keys = conn.execute(select(oidc_pending_logins.c.state_hash)).scalars().all()
    assert len(keys) == 1
    assert "state-secret" not in keys[0]


def test_racing_callbacks_with_one_state_get_one_login(engines: tuple[Engine, Engine]) -> None:
    clock = Clock()
    PendingLogins(engines[0], clock).add("state-race", LOGIN, ttl_seconds=600)

    def attempt(engine: Engine) -> bool:
        try:
            PendingLogins(engine, clock).consume("state-race")
        except Unauthenticated:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, [engines[0], engines[1]] * 2))
    assert sorted(outcomes) == [False, False, False, True]


def test_an_expired_login_is_refused_and_gone(engines: tuple[Engine, Engine]) -> None:
    clock = Clock()
    logins = PendingLogins(engines[0], clock)
    logins.add("state-slow", LOGIN, ttl_seconds=60)
    clock.now += 61
    with pytest.raises(Unauthenticated, match="expired"):
        logins.consume("state-slow")
    with pytest.raises(Unauthenticated, match="unknown"):
        logins.consume("state-slow")


def test_abandoned_logins_are_swept_by_later_ones(engines: tuple[Engine, Engine]) -> None:
    clock = Clock()
    logins = PendingLogins(engines[0], clock)
    logins.add("abandoned", LOGIN, ttl_seconds=60)
    clock.now += 120
    logins.add("fresh", LOGIN, ttl_seconds=60)
    with engines[0].connect() as conn:
        count = len(conn.execute(select(oidc_pending_logins)).all())
    assert count == 1


def test_a_logout_token_is_accepted_once_across_processes(engines: tuple[Engine, Engine]) -> None:
    clock = Clock()
    LogoutTokenLedger(engines[0], clock).record("jti-1", expires_at=clock.now + 120)
    with pytest.raises(Unauthenticated, match="already used"):
        LogoutTokenLedger(engines[1], clock).record("jti-1", expires_at=clock.now + 120)


def test_a_forgotten_logout_token_may_be_delivered_again(engines: tuple[Engine, Engine]) -> None:
    clock = Clock()
    ledger = LogoutTokenLedger(engines[0], clock)
    ledger.record("jti-2", expires_at=clock.now + 120)
    ledger.forget("jti-2")
    ledger.record("jti-2", expires_at=clock.now + 120)
