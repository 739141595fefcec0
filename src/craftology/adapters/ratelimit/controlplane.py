"""Rate-limit counters in the control-plane database, shared by every process on the machine (SQLite)
or cluster (PostgreSQL).

One upsert per budget: the row for a key is incremented, or reset to 1 when a newer window starts,
and the new count comes back in the same statement, so two processes never both see the last free
hit. All the budgets of one request are charged in one write transaction (the transaction, not the
upserts, is what a hit costs on SQLite), run on the driver's cursor as it happens on every request
(see craftology.controlplane.driver). A hit that opens a window also deletes a batch of counters
whose window ended, so keys nobody hits any more do not pile up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from craftology.clock import Clock, utc_clock
from craftology.controlplane.driver import DriverStatement, driver_cursor
from craftology.controlplane.schema import rate_limits
from craftology.ports.ratelimit import (
    Budget,
    RateLimitDecision,
    check_budgets,
    decide,
    window_start,
)

PURGE_BATCH = 100

# Built once (per dialect for the upsert): constructing these costs more than SQLite takes to run them.
_EXPIRED = select(rate_limits.c.key).where(rate_limits.c.expires_at <= bindparam("now")).limit(PURGE_BATCH)
_PURGE = delete(rate_limits).where(rate_limits.c.key.in_(_EXPIRED.scalar_subquery()))


class ControlPlaneRateLimiter:
    def __init__(self, engine: Engine, clock: Clock = utc_clock) -> None:
        self._engine = engine
        self._clock = clock
        upsert = _upsert(postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert)
        self._upsert = DriverStatement(upsert, engine.dialect)
        self._purge = DriverStatement(_PURGE, engine.dialect)

    def hit(self, key: str, limit: int, window: timedelta) -> RateLimitDecision:
        return self.hit_in_order([Budget(key, limit, window)])[0]

    def hit_in_order(self, budgets: Sequence[Budget]) -> list[RateLimitDecision]:
        check_budgets(budgets)
        now = self._clock()
        decisions: list[RateLimitDecision] = []
        purged = False
        with driver_cursor(self._engine, "rate limit", write=True) as cursor:
            for budget in budgets:
                started = window_start(now, budget.window)
                window_us = budget.window // timedelta(microseconds=1)
                values = {
                    "key": f"{window_us}:{budget.key}",  # one key, one window length
                    "window_start": started,
                    "expires_at": started + budget.window,
                }
                ((hits, stored_start),) = self._upsert.run(cursor, values)
                if hits == 1 and not purged:
                    self._purge.run(cursor, {"now": now})
                    purged = True
                decisions.append(decide(hits, budget.limit, stored_start, budget.window, now))
                if not decisions[-1].allowed:
                    break
        return decisions

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""


def _upsert(insert: Any) -> Any:
    statement = insert(rate_limits).values(
        key=bindparam("key"),
        window_start=bindparam("window_start"),
        hits=1,
        expires_at=bindparam("expires_at"),
    )
    # A hit stamped with an older window (a process whose clock lags) counts in the stored one.
    newer = statement.excluded.window_start > rate_limits.c.window_start
    return statement.on_conflict_do_update(
        index_elements=[rate_limits.c.key],
        set_={
            "hits": case((newer, 1), else_=rate_limits.c.hits + 1),
            "window_start": case((newer, statement.excluded.window_start), else_=rate_limits.c.window_start),
            "expires_at": case((newer, statement.excluded.expires_at), else_=rate_limits.c.expires_at),
        },
    ).returning(rate_limits.c.hits, rate_limits.c.window_start)
