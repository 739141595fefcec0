"""What only the Redis session store and rate limiter do: key lifetimes, and surviving Redis going
away and coming back (the contract suite covers the behaviour they share with the other backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from craftology.adapters.ratelimit.redis import RedisRateLimiter
from craftology.adapters.sessions import _redis_scripts as scripts
from craftology.adapters.sessions.redis import RedisSessionStore
from craftology.errors import TransientError
from craftology.ports.sessions import NewSession, SessionPolicy, session_key
from tests.contracts.gateway.conftest import FakeClock
from tests.redis_server import RedisServer, RedisTarget, fresh_redis, redis_server  # noqa: F401

POLICY = SessionPolicy(
    idle_timeout=timedelta(minutes=10),
    absolute_timeout=timedelta(minutes=11),
    touch_interval=timedelta(minutes=1),
)
MINUTE_MS = 60_000


@pytest.fixture
def client(fresh_redis: RedisTarget) -> Iterator[redis.Redis]:  # noqa: F811
    connection = redis.Redis.from_url(fresh_redis.url, decode_responses=True)
    yield connection
    connection.close()


def test_keys_live_until_the_nearer_deadline_and_touches_renew_them(
    fresh_redis: RedisTarget,  # noqa: F811
    client: redis.Redis,
) -> None:
    clock = FakeClock()
    store = RedisSessionStore(fresh_redis.url, POLICY, clock, key_prefix=fresh_redis.prefix)
    session = store.create(NewSession("acme", "ann", frozenset(), oidc_sid="kc-1"))
    key = f"{fresh_redis.prefix}session:{session_key(session.id)}"
    index_sets = [f"{fresh_redis.prefix}session-user:4:acme:ann", f"{fresh_redis.prefix}session-sid:kc-1"]
    assert 9 * MINUTE_MS < client.pttl(key) <= 10 * MINUTE_MS  # idle is nearer than absolute
    assert all(9 * MINUTE_MS < client.pttl(s) <= 10 * MINUTE_MS for s in index_sets)
    clock.advance(minutes=5)
    assert store.get(session.id) is not None  # touched: 6 minutes of absolute time remain
    assert 5 * MINUTE_MS < client.pttl(key) <= 6 * MINUTE_MS
    assert all(client.pttl(s) > 9 * MINUTE_MS - 1000 for s in index_sets)  # never shortened
    store.close()


def test_rate_counters_expire_with_their_window(fresh_redis: RedisTarget, client: redis.Redis) -> None:  # noqa: F811
    clock = FakeClock()
    clock.advance(seconds=15)
    limiter = RedisRateLimiter(fresh_redis.url, clock, key_prefix=fresh_redis.prefix)
    limiter.hit("tenant:acme", 5, timedelta(minutes=1))
    (counter,) = client.keys(f"{fresh_redis.prefix}rate:*")
    assert 44_000 < client.pttl(counter) <= 45_000
    limiter.close()


@pytest.fixture
def own_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.remove()


def test_redis_down_is_a_clear_503_and_its_return_heals_without_a_restart(own_server: RedisServer) -> None:
    clock = FakeClock()
    store = RedisSessionStore(own_server.url, POLICY, clock)
    limiter = RedisRateLimiter(own_server.url, clock)
    session = store.create(NewSession("acme", "ann", frozenset()))
    assert store.get(session.id) is not None
    assert limiter.hit("login:ip", 5, timedelta(minutes=1)).allowed

    own_server.stop()
    where = f"Redis at 127.0.0.1:{own_server.port}/0 is unavailable"
    for call in (
        lambda: store.get(session.id),
        lambda: store.create(NewSession("acme", "ann", frozenset())),
        lambda: store.revoke(session.id),
        lambda: store.revoke_user("acme", "ann"),
        lambda: store.revoke_by_oidc_sid("kc"),
        lambda: limiter.hit("login:ip", 5, timedelta(minutes=1)),
    ):
        with pytest.raises(TransientError, match=where) as raised:
            call()
        assert raised.value.status_code == 503

    port = own_server.port
    own_server.start()
    assert own_server.port == port
    # The same adapter instances work again. This server keeps nothing across restarts, so the old
    # session is gone (a production Redis that must keep sessions persists them).
    assert store.get(session.id) is None
    again = store.create(NewSession("acme", "ann", frozenset()))
    assert store.get(again.id) is not None
    assert store.revoke(again.id) is True
    assert limiter.hit("login:ip", 5, timedelta(minutes=1)).remaining == 4
    store.close()
    limiter.close()


def test_a_touch_racing_a_revocation_cannot_recreate_the_session(
    fresh_redis: RedisTarget,  # noqa: F811
    client: redis.Redis,
) -> None:
    # The race (get reads, another process revokes, get touches) cannot be interleaved from outside,
    # so the touch script is run directly against a revoked session's key.
    store = RedisSessionStore(fresh_redis.url, POLICY, FakeClock(), key_prefix=fresh_redis.prefix)
    session = store.create(NewSession("acme", "ann", frozenset()))
    key = f"{fresh_redis.prefix}session:{session_key(session.id)}"
    assert store.revoke(session.id)
    touch = client.register_script(scripts.TOUCH)
    assert touch(keys=[key, f"{fresh_redis.prefix}session-user:4:acme:ann"], args=[2**50, 2**51, 60_000]) == 0
    assert client.exists(key) == 0
    store.close()
