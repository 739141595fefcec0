"""Sessions in the control-plane database (SQLite embedded, PostgreSQL distributed without Redis).

Every `get` reads the row (on the driver's cursor: it runs on every request, see
craftology.controlplane.driver), so a revocation (a DELETE) is seen by every process at once. The touch is a
conditional UPDATE: it never moves `last_seen` backwards and cannot bring a revoked row back. Expired
rows are purged a batch at a time by `create`, so the table stays as small as the live sessions
without a background job.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, insert, select, update

from craftology.adapters._controlplane import translate_db_errors
from craftology.adapters.sessions._lifecycle import due_for_touch, is_live, open_session, touched
from craftology.clock import Clock, utc_clock
from craftology.controlplane.db import write_transaction
from craftology.controlplane.driver import DriverStatement, driver_cursor
from craftology.controlplane.schema import sessions
from craftology.identity.principal import Scope, Via
from craftology.ports.sessions import (
    NewSession,
    Session,
    SessionPolicy,
    is_well_formed,
    session_key,
)

PURGE_BATCH = 100

# Built once: constructing a statement costs more than SQLite takes to run it (see bench/sessions.py).
_READ = select(sessions).where(sessions.c.id_hash == bindparam("key"))
_TOUCH = (
    update(sessions)
    .where(sessions.c.id_hash == bindparam("key"), sessions.c.last_seen < bindparam("now"))
    .values(last_seen=bindparam("now"), ends_at=bindparam("new_ends_at"))
)
_EXPIRED = select(sessions.c.id_hash).where(sessions.c.ends_at <= bindparam("now")).limit(PURGE_BATCH)
_PURGE = delete(sessions).where(sessions.c.id_hash.in_(_EXPIRED.scalar_subquery()))


class ControlPlaneSessionStore:
    def __init__(self, engine: Engine, policy: SessionPolicy | None = None, clock: Clock = utc_clock) -> None:
        self._engine = engine
        self._policy = policy or SessionPolicy()
        self._clock = clock
        self._read = DriverStatement(_READ, engine.dialect)

    def create(self, new: NewSession) -> Session:
        now = self._clock()
        session = open_session(new, self._policy, now)
        with translate_db_errors("create session"), write_transaction(self._engine) as conn:
            conn.execute(_PURGE, {"now": now})
            conn.execute(insert(sessions).values(_row(session)))
        return session

    def get(self, session_id: str) -> Session | None:
        if not is_well_formed(session_id):
            return None
        key = session_key(session_id)
        with driver_cursor(self._engine, "read session") as cursor:
            rows = self._read.run(cursor, {"key": key})
        if not rows:
            return None
        session = _session(session_id, dict(zip(self._read.column_names, rows[0], strict=True)))
        now = self._clock()
        if not is_live(session, now):
            return None
        if not due_for_touch(session, now, self._policy):
            return session
        session = touched(session, now)
        with translate_db_errors("touch session"), write_transaction(self._engine) as conn:
            conn.execute(_TOUCH, {"key": key, "now": now, "new_ends_at": session.expires_at})
        return session

    def revoke(self, session_id: str) -> bool:
        if not is_well_formed(session_id):
            return False
        return self._delete("revoke session", sessions.c.id_hash == session_key(session_id)) > 0

    def revoke_user(self, tenant: str, user_id: str) -> int:
        return self._delete(
            "revoke user sessions", (sessions.c.tenant_id == tenant) & (sessions.c.user_id == user_id)
        )

    def revoke_by_oidc_sid(self, sid: str) -> int:
        return self._delete("revoke sessions of an OIDC session", sessions.c.oidc_sid == sid)

    def revoke_tenant(self, tenant: str) -> int:
        return self._delete("revoke tenant sessions", sessions.c.tenant_id == tenant)

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""

    def _delete(self, what: str, condition: Any) -> int:
        # Expired rows are deleted too (they are dead already) but not counted as revoked.
        now = self._clock()
        with translate_db_errors(what), write_transaction(self._engine) as conn:
            ended = conn.execute(delete(sessions).where(condition).returning(sessions.c.ends_at)).scalars()
            return sum(1 for ends_at in ended if ends_at > now)


def _row(session: Session) -> dict[str, Any]:
    return {
        "id_hash": session.key,
        "tenant_id": session.tenant,
        "user_id": session.user_id,
        "roles": sorted(session.roles),
        "scopes": sorted(session.scopes),
        "via": session.via.value,
        "created_at": session.created_at,
        "last_seen": session.last_seen,
        "idle_seconds": session.idle_timeout.total_seconds(),
        "absolute_seconds": session.absolute_timeout.total_seconds(),
        "ends_at": session.expires_at,
        "oidc_sid": session.oidc_sid,
        "oidc_sub": session.oidc_sub,
        "id_token": session.id_token,
    }


def _session(session_id: str, row: dict[str, Any]) -> Session:
    created_at: datetime = row["created_at"]
    return Session(
        id=session_id,
        tenant=row["tenant_id"],
        user_id=row["user_id"],
        roles=frozenset(row["roles"]),
        scopes=frozenset(Scope(s) for s in row["scopes"]),
        via=Via(row["via"]),
        created_at=created_at,
        last_seen=row["last_seen"],
        idle_timeout=timedelta(seconds=row["idle_seconds"]),
        absolute_timeout=timedelta(seconds=row["absolute_seconds"]),
        oidc_sid=row["oidc_sid"],
        oidc_sub=row["oidc_sub"],
        id_token=row["id_token"],
    )
