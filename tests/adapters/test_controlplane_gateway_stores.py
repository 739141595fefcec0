"""What only the control-plane session store and rate limiter do: purging dead rows, counting a
lagging process's hits in the current window, and an unreachable database as a 503."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from craftology.adapters.ratelimit.controlplane import ControlPlaneRateLimiter
from craftology.adapters.sessions.controlplane import ControlPlaneSessionStore
from craftology.controlplane.db import connect, create_control_engine
from craftology.controlplane.schema import rate_limits, sessions
from craftology.errors import TransientError
from craftology.ports.sessions import NewSession, SessionPolicy, new_session_id
from tests.contracts.gateway.conftest import FakeClock

MINUTE = timedelta(minutes=1)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(f"sqlite:///{tmp_path / 'control.db'}")
    yield engine
    engine.dispose()


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_creating_a_session_purges_dead_ones(engine: Engine) -> None:
    clock = FakeClock()
    store = ControlPlaneSessionStore(engine, SessionPolicy(idle_timeout=timedelta(minutes=10)), clock)
    store.create(NewSession("acme", "ann", frozenset()))
    alive = store.create(NewSession("acme", "bob", frozenset(), idle_timeout=timedelta(hours=1)))
    clock.advance(minutes=11)
    store.create(NewSession("acme", "cy", frozenset()))
    assert count(engine, sessions) == 2
    assert store.get(alive.id) is not None


def test_a_new_window_purges_counters_nobody_hits_any_more(engine: Engine) -> None:
    clock = FakeClock()
    limiter = ControlPlaneRateLimiter(engine, clock)
    limiter.hit("login:a", 5, MINUTE)
    limiter.hit("tenant:b", 5, timedelta(hours=1))
    clock.advance(minutes=2)
    limiter.hit("login:c", 5, MINUTE)
    with engine.connect() as conn:
        keys = set(conn.execute(select(rate_limits.c.key)).scalars())
    assert keys == {"60000000:login:c", "3600000000:tenant:b"}


def test_a_lagging_process_counts_in_the_current_window(engine: Engine) -> None:
    ahead, behind = FakeClock(), FakeClock()
    ahead.advance(seconds=60)  # 12:01:00, the second window
    behind.advance(seconds=59)  # still in the first
    assert ControlPlaneRateLimiter(engine, ahead).hit("k", 2, MINUTE).remaining == 1
    late = ControlPlaneRateLimiter(engine, behind).hit("k", 2, MINUTE)
    assert (late.allowed, late.remaining) == (True, 0)
    assert not ControlPlaneRateLimiter(engine, ahead).hit("k", 2, MINUTE).allowed


def test_an_unreachable_database_is_a_clear_503() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = create_control_engine(f"postgresql://postgres@127.0.0.1:{port}/nothing")
    try:
        with pytest.raises(TransientError, match="control-plane database unavailable"):
            ControlPlaneSessionStore(engine).get(new_session_id())
        with pytest.raises(TransientError, match="control-plane database unavailable"):
            ControlPlaneRateLimiter(engine).hit("k", 1, MINUTE)
    finally:
        engine.dispose()
