"""Cost of the gateway's shared-state calls per request: a session lookup (with and without the
throttled last-seen write), session creation, and a rate-limit hit, for every backend: the
control-plane database on SQLite (embedded) and PostgreSQL, and Redis. Servers are started like the
tests start them (redis-server and PostgreSQL from scripts/install-servers.sh); a backend whose
server is not installed is reported with the error.

    python bench/sessions.py --json
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test server helpers live in tests/

from _common import emit, parse_args
from craftology.adapters.ratelimit.controlplane import ControlPlaneRateLimiter
from craftology.adapters.ratelimit.redis import RedisRateLimiter
from craftology.adapters.sessions.controlplane import ControlPlaneSessionStore
from craftology.adapters.sessions.redis import RedisSessionStore
from craftology.controlplane.db import connect
from craftology.ports.ratelimit import RateLimiter
from craftology.ports.sessions import NewSession, SessionPolicy, SessionStore

CALLS = 2000
WARMUP = 200
QUIET = SessionPolicy(touch_interval=timedelta(hours=1))  # get never writes
EVERY_GET_WRITES = SessionPolicy(touch_interval=timedelta(0))
Opener = Callable[[SessionPolicy], tuple[SessionStore, RateLimiter]]


def timed_us(call: Callable[[int], object]) -> dict[str, float]:
    for i in range(WARMUP):
        call(i)
    samples = []
    for i in range(CALLS):
        start = time.perf_counter_ns()
        call(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {
        "p50_us": round(statistics.median(samples), 1),
        "p99_us": round(samples[int(len(samples) * 0.99)], 1),
    }


def measure(open_backend: Opener) -> dict[str, Any]:
    store, limiter = open_backend(QUIET)
    new = NewSession("acme", "ann", frozenset({"editor"}))
    session_id = store.create(new).id
    result = {
        "session_get": timed_us(lambda _i: store.get(session_id)),
        "session_create": timed_us(lambda _i: store.create(new)),
        "rate_limit_hit": timed_us(
            lambda i: limiter.hit(f"principal:acme:u{i % 50}", 10**9, timedelta(minutes=1))
        ),
    }
    writing, _ = open_backend(EVERY_GET_WRITES)
    result["session_get_with_touch_write"] = timed_us(lambda _i: writing.get(session_id))
    for each in (store, limiter, writing):
        each.close()
    return result


@contextmanager
def control_plane(url: str) -> Iterator[Opener]:
    engine = connect(url)
    try:
        yield lambda policy: (ControlPlaneSessionStore(engine, policy), ControlPlaneRateLimiter(engine))
    finally:
        engine.dispose()


@contextmanager
def redis_backend() -> Iterator[Opener]:
    from tests.redis_server import RedisServer

    server = RedisServer()
    server.start()
    try:
        yield lambda policy: (RedisSessionStore(server.url, policy), RedisRateLimiter(server.url))
    finally:
        server.remove()


@contextmanager
def postgres() -> Iterator[str]:
    from tests.pg_server import postgres_url

    server = postgres_url.__wrapped__()  # the fixture's generator: start on next(), stop on close()
    try:
        yield next(server)
    finally:
        server.close()


def main() -> None:
    args = parse_args(__doc__ or "")
    result: dict[str, Any] = {"calls": CALLS}
    with tempfile.TemporaryDirectory() as tmp, control_plane(f"sqlite:///{tmp}/control.db") as sqlite:
        result["sqlite"] = measure(sqlite)
    try:
        with postgres() as url, control_plane(url) as pg:
            result["postgres"] = measure(pg)
    except Exception as exc:  # a server that is not installed: say so, measure the rest
        result["postgres"] = {"error": str(exc).splitlines()[0]}
    try:
        with redis_backend() as redis:
            result["redis"] = measure(redis)
    except Exception as exc:
        result["redis"] = {"error": str(exc).splitlines()[0]}
    emit(result, args.json)


if __name__ == "__main__":
    main()
