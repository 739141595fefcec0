"""Rate-limit counters in Redis: one key per (key, window), INCR and PEXPIRE in one Lua script.

The window index is part of the key, so a new window is a new counter and the old one simply
expires; the script makes the first hit's expiry atomic with its increment (a crash between the two
would otherwise leave a counter that never resets).
"""

from __future__ import annotations

from datetime import timedelta

from craftology.adapters._redis import redis_client, translate_redis_errors
from craftology.clock import Clock, utc_clock
from craftology.ports.ratelimit import EPOCH, RateLimitDecision, check_request, decide, window_start

DEFAULT_PREFIX = "craftology:"

# KEYS: the window's counter. ARGV: its time to live in ms.
_HIT = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return hits
"""


class RedisRateLimiter:
    def __init__(self, url: str, clock: Clock = utc_clock, key_prefix: str = DEFAULT_PREFIX) -> None:
        self._client = redis_client(url)
        self._clock = clock
        self._prefix = key_prefix
        self._hit = self._client.register_script(_HIT)

    def hit(self, key: str, limit: int, window: timedelta) -> RateLimitDecision:
        check_request(key, limit, window)
        now = self._clock()
        started = window_start(now, window)
        window_us = window // timedelta(microseconds=1)
        index = (started - EPOCH) // window
        counter = f"{self._prefix}rate:{window_us}:{key}:{index}"
        ttl_ms = max(1, -(-((started + window - now) // timedelta(microseconds=1)) // 1000))
        with translate_redis_errors("rate limit", self._client):
            hits = int(self._hit(keys=[counter], args=[ttl_ms]))
        return decide(hits, limit, started, window, now)

    def close(self) -> None:
        self._client.close()
