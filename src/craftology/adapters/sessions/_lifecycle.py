"""Rules every session store applies the same way: opening, liveness, when to write a touch."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from craftology.errors import BadInput
from craftology.identity.principal import Scope, Via
from craftology.ports.sessions import NewSession, Session, SessionPolicy, new_session_id

MAX_ID_FIELD = 64  # tenant and user ids (the control-plane ID width)
MAX_OIDC_FIELD = 255


def open_session(new: NewSession, policy: SessionPolicy, now: datetime) -> Session:
    """A new session record with a fresh random id; BadInput for a malformed request."""
    if not new.tenant or not new.user_id:
        raise BadInput("a session needs a tenant and a user id")
    if len(new.tenant) > MAX_ID_FIELD or len(new.user_id) > MAX_ID_FIELD:
        raise BadInput(f"tenant and user ids of a session are at most {MAX_ID_FIELD} characters")
    for name, value in (("sid", new.oidc_sid), ("sub", new.oidc_sub)):
        if value is not None and not 0 < len(value) <= MAX_OIDC_FIELD:
            raise BadInput(f"OIDC {name} must be 1 to {MAX_OIDC_FIELD} characters")
    # SessionPolicy validates the defaults; the same rule for per-session overrides.
    lifetimes = SessionPolicy(
        idle_timeout=policy.idle_timeout if new.idle_timeout is None else new.idle_timeout,
        absolute_timeout=policy.absolute_timeout if new.absolute_timeout is None else new.absolute_timeout,
    )
    return Session(
        id=new_session_id(),
        tenant=new.tenant,
        user_id=new.user_id,
        roles=frozenset(new.roles),
        scopes=frozenset(Scope(s) for s in new.scopes),
        via=Via(new.via),
        created_at=now,
        last_seen=now,
        idle_timeout=lifetimes.idle_timeout,
        absolute_timeout=lifetimes.absolute_timeout,
        oidc_sid=new.oidc_sid,
        oidc_sub=new.oidc_sub,
        id_token=new.id_token,
    )


def is_live(session: Session, now: datetime) -> bool:
    return now < session.expires_at


def due_for_touch(session: Session, now: datetime, policy: SessionPolicy) -> bool:
    return now - session.last_seen >= policy.touch_interval


def touched(session: Session, now: datetime) -> Session:
    return replace(session, last_seen=now)
