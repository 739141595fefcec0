"""The gateway's shared stores (sessions, rate-limit counters) and their backends for the contract
suites: the control-plane database on SQLite and on PostgreSQL, and a real Redis server.

A backend opens any number of adapter instances over one shared store, each with its own engine or
connection pool: a second instance is what a second API process sees. Every instance reads the
test's `FakeClock`, so expiry is tested by moving time, never by sleeping.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, select

from craftology.adapters.ratelimit.controlplane import ControlPlaneRateLimiter
from craftology.adapters.ratelimit.redis import RedisRateLimiter
from craftology.adapters.sessions.controlplane import ControlPlaneSessionStore
from craftology.adapters.sessions.redis import RedisSessionStore
from craftology.controlplane.db import connect
from craftology.controlplane.schema import rate_limits, sessions
from craftology.ports.ratelimit import RateLimiter
from craftology.ports.sessions import SessionPolicy, SessionStore
from tests.pg_server import fresh_postgres_db, postgres_url  # noqa: F401
from tests.redis_server import RedisTarget, fresh_redis, redis_server  # noqa: F401

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **span: float) -> None:
        self.now += timedelta(**span)


@dataclass
class Backend:
    """Opens adapter instances over one shared store and dumps what the store holds."""

    name: str
    clock: FakeClock
    _open_sessions: Callable[[SessionPolicy], SessionStore]
    _open_limiter: Callable[[], RateLimiter]
    dump: Callable[[], str]  # every stored key and value, for "the secret is not stored" checks
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def sessions(self, policy: SessionPolicy | None = None) -> SessionStore:
        store = self._open_sessions(policy or SessionPolicy())
        self._closers.append(store.close)
        return store

    def limiter(self) -> RateLimiter:
        limiter = self._open_limiter()
        self._closers.append(limiter.close)
        return limiter

    def close(self) -> None:
        for close in reversed(self._closers):
            close()


def _control_plane_backend(name: str, url: str) -> Iterator[Backend]:
    clock = FakeClock()
    engines: list[Engine] = []

    def engine() -> Engine:
        engines.append(connect(url))
        return engines[-1]

    def dump() -> str:
        with engines[0].connect() as conn:
            rows = [conn.execute(select(table)).all() for table in (sessions, rate_limits)]
        return repr(rows)

    backend = Backend(
        name,
        clock,
        lambda policy: ControlPlaneSessionStore(engine(), policy, clock),
        lambda: ControlPlaneRateLimiter(engine(), clock),
        dump,
    )
    yield backend
    backend.close()
    for each in engines:
        each.dispose()


def _redis_backend(target: RedisTarget) -> Iterator[Backend]:
    clock = FakeClock()
    client = redis.Redis.from_url(target.url, decode_responses=True)

    def dump() -> str:
        parts = []
        for key in client.scan_iter(match=f"{target.prefix}*"):
            kind = client.type(key)
            value = {"hash": client.hgetall, "set": client.smembers, "string": client.get}[kind](key)
            parts.append(f"{key}={value!r}")
        return "\n".join(parts)

    backend = Backend(
        "redis",
        clock,
        lambda policy: RedisSessionStore(target.url, policy, clock, key_prefix=target.prefix),
        lambda: RedisRateLimiter(target.url, clock, key_prefix=target.prefix),
        dump,
    )
    yield backend
    backend.close()
    client.close()


BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    "redis",
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """One backend per parameter; PostgreSQL and Redis start only when a test needs them."""
    if request.param == "sqlite":
        yield from _control_plane_backend("sqlite", f"sqlite:///{tmp_path / 'control.db'}")
    elif request.param == "postgres":
        yield from _control_plane_backend("postgres", str(request.getfixturevalue("fresh_postgres_db")))
    else:
        yield from _redis_backend(request.getfixturevalue("fresh_redis"))


def new_user() -> str:
    return f"u{uuid.uuid4().hex[:12]}"
