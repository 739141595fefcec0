"""Rate-limit counters in Redis: one key per (key, window), INCR and PEXPIRE in one Lua script.

The window index is part of the key, so a new window is a new counter and the old one simply
expires; the script makes the first hit's expiry atomic with its increment (a crash between the two
would otherwise leave a counter that never resets). Every budget of one request is charged by one
run of the script: one round trip, and the stop at the first refusal is atomic too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from craftology.adapters._redis import redis_client, translate_redis_errors
from craftology.clock import Clock, utc_clock
from craftology.ports.ratelimit import (
    EPOCH,
    Budget,
    RateLimitDecision,
    check_budgets,
    decide,
    window_start,
)

DEFAULT_PREFIX = "craftology:"

# KEYS: the budgets' window counters, in order. ARGV: for each, its limit then its time to live in ms.
# Returns the counts of the charged counters; it stops after the first over its limit.
_HIT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  if hits == 1 then redis.call('PEXPIRE', key, ARGV[2 * i]) end
  counts[i] = hits
  if hits > tonumber(ARGV[2 * i - 1]) then break end
end
return counts
"""


class RedisRateLimiter:
    def __init__(self, url: str, clock: Clock = utc_clock, key_prefix: str = DEFAULT_PREFIX) -> None:
        self._client = redis_client(url)
        self._clock = clock
        self._prefix = key_prefix
        self._hit = self._client.register_script(_HIT)

    def hit(self, key: str, limit: int, window: timedelta) -> RateLimitDecision:
        return self.hit_in_order([Budget(key, limit, window)])[0]

    def hit_in_order(self, budgets: Sequence[Budget]) -> list[RateLimitDecision]:
        check_budgets(budgets)
        now = self._clock()
        counters: list[str] = []
        args: list[int] = []
        for budget in budgets:
            started = window_start(now, budget.window)
            window_us = budget.window // timedelta(microseconds=1)
            index = (started - EPOCH) // budget.window
            counters.append(f"{self._prefix}rate:{window_us}:{budget.key}:{index}")
            ttl_ms = max(1, -(-((started + budget.window - now) // timedelta(microseconds=1)) // 1000))
            args += [budget.limit, ttl_ms]
        with translate_redis_errors("rate limit", self._client):
            counts = self._hit(keys=counters, args=args)
        return [
            decide(int(hits), budget.limit, window_start(now, budget.window), budget.window, now)
            for hits, budget in zip(counts, budgets, strict=False)
        ]

    def close(self) -> None:
        self._client.close()
