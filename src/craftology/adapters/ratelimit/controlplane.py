"""Rate-limit counters in the control-plane database, shared by every process on the machine (SQLite)
or cluster (PostgreSQL).

One upsert per hit: the row for a key is incremented, or reset to 1 when a newer window starts, and
the new count comes back in the same statement, so two processes never both see the last free hit.
A hit that opens a window also deletes a batch of counters whose window ended, so keys nobody hits
any more do not pile up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from craftology.adapters._controlplane import translate_db_errors
from craftology.clock import Clock, utc_clock
from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import rate_limits
from craftology.ports.ratelimit import RateLimitDecision, check_request, decide, window_start

PURGE_BATCH = 100

# Built once (per dialect for the upsert): constructing these costs more than SQLite takes to run them.
_EXPIRED = select(rate_limits.c.key).where(rate_limits.c.expires_at <= bindparam("now")).limit(PURGE_BATCH)
_PURGE = delete(rate_limits).where(rate_limits.c.key.in_(_EXPIRED.scalar_subquery()))


class ControlPlaneRateLimiter:
    def __init__(self, engine: Engine, clock: Clock = utc_clock) -> None:
        self._engine = engine
        self._clock = clock
        self._upsert = _upsert(postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert)

    def hit(self, key: str, limit: int, window: timedelta) -> RateLimitDecision:
        check_request(key, limit, window)
        now = self._clock()
        started = window_start(now, window)
        stored_key = f"{window // timedelta(microseconds=1)}:{key}"  # one key, one window length
        with translate_db_errors("rate limit"), write_transaction(self._engine) as conn:
            values = {"key": stored_key, "window_start": started, "expires_at": started + window}
            hits, stored_start = conn.execute(self._upsert, values).one()
            if hits == 1:
                conn.execute(_PURGE, {"now": now})
        return decide(hits, limit, stored_start, window, now)

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
