"""Redis plumbing shared by the Redis adapters: one client per URL and error translation.

A refused or dropped connection must fail fast (the gateway answers 503 at once, not after a long
wait) and heal by itself: the pool reconnects on the next command, and one immediate retry covers a
pooled connection that died while Redis restarted. Scripts are sent by digest and re-loaded by the
client when a restarted server no longer knows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from craftology.errors import StorageError, TransientError

CONNECT_TIMEOUT_SECONDS = 1.0
COMMAND_TIMEOUT_SECONDS = 2.0


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=COMMAND_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), retries=1),
        decode_responses=True,
    )


def describe(client: redis.Redis) -> str:
    """host:port/db of the client, for error messages (never the password)."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return str(kwargs["path"])
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


@contextmanager
def translate_redis_errors(what: str, client: redis.Redis) -> Iterator[None]:
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:  # BusyLoadingError included
        raise TransientError(f"{what}: Redis at {describe(client)} is unavailable: {exc}") from exc
    except redis.RedisError as exc:
        raise StorageError(f"{what}: Redis at {describe(client)} failed: {exc}") from exc
