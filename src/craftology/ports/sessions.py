"""The session store port: server-side sessions behind an opaque cookie.

The browser holds only the session id: 256 random bits, URL-safe. Stores keep only its SHA-256
(``session_key``), so a leaked store row or dump cannot be replayed as a cookie; the id's 256 bits
make a salt or a slow hash pointless. The CSRF token is derived from the id the same way, so it is
never stored either and a leaked row does not reveal it.

Timeouts: a session ends ``idle_timeout`` after it was last seen and ``absolute_timeout`` after it was
created, whichever comes first. ``get`` slides ``last_seen`` but writes it at most once per
``touch_interval`` (a hot session is not a write per request); the idle timeout therefore counts from
the last recorded touch and may end a session up to ``touch_interval`` early, never late.

Every read goes to the shared store, so a revocation by one process is seen by every other one at
once; nothing about a session lives only in a process's memory.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from craftology.errors import BadInput
from craftology.identity.principal import ALL_SCOPES, Principal, Scope, Via

SESSION_ID_BYTES = 32  # 256 bits
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet; anything else is not ours.
_SESSION_ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_session_id() -> str:
    return secrets.token_urlsafe(SESSION_ID_BYTES)


def is_well_formed(session_id: str) -> bool:
    """Cheap shape check so garbage cookies never reach the store."""
    return _SESSION_ID_SHAPE.fullmatch(session_id) is not None


def session_key(session_id: str) -> str:
    """What stores keep instead of the id: its SHA-256, hex."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_token_for(session_id: str) -> str:
    """The session's CSRF token: bound to the id, unguessable without it, never stored."""
    return hashlib.sha256(b"craftology-csrf\x00" + session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    """Default lifetimes for new sessions, and how often `get` may write `last_seen`."""

    idle_timeout: timedelta = timedelta(hours=1)
    absolute_timeout: timedelta = timedelta(hours=12)
    touch_interval: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        if self.idle_timeout <= timedelta(0) or self.absolute_timeout <= timedelta(0):
            raise BadInput("session timeouts must be positive")
        if self.touch_interval < timedelta(0):
            raise BadInput("the session touch interval must not be negative")


@dataclass(frozen=True)
class NewSession:
    """Who signed in. OIDC fields are kept for RP-initiated and back-channel logout."""

    tenant: str
    user_id: str
    roles: frozenset[str]
    scopes: frozenset[Scope] = ALL_SCOPES
    via: Via = Via.SESSION
    oidc_sid: str | None = None
    oidc_sub: str | None = None
    id_token: str | None = field(default=None, repr=False)
    # None: the store's SessionPolicy.
    idle_timeout: timedelta | None = None
    absolute_timeout: timedelta | None = None


@dataclass(frozen=True)
class Session:
    id: str = field(repr=False)  # the cookie value; never logged
    tenant: str
    user_id: str
    roles: frozenset[str]
    scopes: frozenset[Scope]
    via: Via
    created_at: datetime
    last_seen: datetime
    idle_timeout: timedelta
    absolute_timeout: timedelta
    oidc_sid: str | None = None
    oidc_sub: str | None = None
    id_token: str | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        """The stored hash of the id: safe for logs and audit, useless as a cookie."""
        return session_key(self.id)

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.id)

    @property
    def expires_at(self) -> datetime:
        return min(self.last_seen + self.idle_timeout, self.created_at + self.absolute_timeout)

    def principal(self) -> Principal:
        return Principal(
            tenant=self.tenant,
            user_id=self.user_id,
            roles=self.roles,
            scopes=self.scopes,
            via=self.via,
            credential_id=self.key,
        )


@runtime_checkable
class SessionStore(Protocol):
    """Server-side sessions shared by every process. Backend failures raise
    craftology.errors.TransientError (503), never a vendor exception."""

    def create(self, new: NewSession) -> Session:
        """A session with a NEW random id (login never reuses one); the id is only in the result."""
        ...

    def get(self, session_id: str) -> Session | None:
        """The live session, sliding its idle timeout; None when the id is malformed, unknown,
        revoked, idle-expired or past its absolute timeout."""
        ...

    def revoke(self, session_id: str) -> bool:
        """End one session (logout). True when it existed."""
        ...

    def revoke_user(self, tenant: str, user_id: str) -> int:
        """End every session of a user in a tenant (password change, removal); how many ended."""
        ...

    def revoke_by_oidc_sid(self, sid: str) -> int:
        """End the sessions opened from one identity-provider session (back-channel logout)."""
        ...

    def revoke_tenant(self, tenant: str) -> int:
        """End every session in a tenant, of every user (the tenant is deleted); how many ended."""
        ...

    def close(self) -> None: ...
