"""Rate-limit counters in the control-plane database, shared by every process on the machine (SQLite)
or cluster (PostgreSQL).

One upsert per hit: the row for a key is incremented, or reset to 1 when a newer window starts, and
the new count comes back in the same statement, so two processes never both see the last free hit.
A hit that opens a window also deletes a batch of counters whose window ended, so keys nobody hits
any more do not pile up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from craftology.adapters._controlplane import translate_db_errors
from craftology.clock import Clock, utc_clock
from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import rate_limits
from craftology.ports.ratelimit import RateLimitDecision, check_request, decide, window_start

PURGE_BATCH = 100


class ControlPlaneRateLimiter:
    def __init__(self, engine: Engine, clock: Clock = utc_clock) -> None:
        self._engine = engine
        self._clock = clock
        self._insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert

    def hit(self, key: str, limit: int, window: timedelta) -> RateLimitDecision:
        check_request(key, limit, window)
        now = self._clock()
        started = window_start(now, window)
        stored_key = f"{window // timedelta(microseconds=1)}:{key}"  # one key, one window length
        with translate_db_errors("rate limit"), write_transaction(self._engine) as conn:
            hits, stored_start = conn.execute(self._upsert(stored_key, started, window)).one()
            if hits == 1:
                expired = select(rate_limits.c.key).where(rate_limits.c.expires_at <= now).limit(PURGE_BATCH)
                conn.execute(delete(rate_limits).where(rate_limits.c.key.in_(expired.scalar_subquery())))
        return decide(hits, limit, stored_start, window, now)

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""

    def _upsert(self, key: str, started: datetime, window: timedelta) -> Any:
        statement = self._insert(rate_limits).values(
            key=key, window_start=started, hits=1, expires_at=started + window
        )
        # A hit stamped with an older window (a process whose clock lags) counts in the stored one.
        newer = statement.excluded.window_start > rate_limits.c.window_start
        return statement.on_conflict_do_update(
            index_elements=[rate_limits.c.key],
            set_={
                "hits": case((newer, 1), else_=rate_limits.c.hits + 1),
                "window_start": case(
                    (newer, statement.excluded.window_start), else_=rate_limits.c.window_start
                ),
                "expires_at": case((newer, statement.excluded.expires_at), else_=rate_limits.c.expires_at),
            },
        ).returning(rate_limits.c.hits, rate_limits.c.window_start)
