"""What must survive between two requests of an OIDC login or logout, kept in the control plane.

The login starts in one API process and the provider may send the browser back to another, so the
state of a started login cannot live in memory; nor can the logout tokens already seen. Consuming a
pending login deletes its row, and the delete's row count decides, so of two requests racing with the
same state exactly one gets the login, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import oidc_logout_tokens, oidc_pending_logins
from craftology.errors import Unauthenticated


@dataclass(frozen=True)
class PendingLogin:
    nonce: str
    code_verifier: str
    return_to: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class PendingLogins:
    """Logins sent to the provider and not yet back, by `state`; each can be completed once."""

    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self._engine = engine
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def add(self, state: str, login: PendingLogin, ttl_seconds: float) -> None:
        now = self._now()
        with write_transaction(self._engine) as conn:
            # Abandoned logins would otherwise pile up; removing them here needs no scheduler.
            conn.execute(delete(oidc_pending_logins).where(oidc_pending_logins.c.expires_at < now))
            conn.execute(
                insert(oidc_pending_logins).values(
                    state_hash=_digest(state),
                    nonce=login.nonce,
                    code_verifier=login.code_verifier,
                    return_to=login.return_to,
                    created_at=now,
                    expires_at=now + timedelta(seconds=ttl_seconds),
                )
            )

    def consume(self, state: str) -> PendingLogin:
        """The login started with `state`, removed so it cannot be completed twice."""
        key = _digest(state)
        with write_transaction(self._engine) as conn:
            matching = oidc_pending_logins.c.state_hash == key
            row = conn.execute(select(oidc_pending_logins).where(matching)).first()
            deleted = conn.execute(delete(oidc_pending_logins).where(matching))
        if row is None or deleted.rowcount != 1:
            raise Unauthenticated("this login is unknown or was already completed; start the login again")
        if row.expires_at < self._now():
            raise Unauthenticated("this login took too long and expired; start the login again")
        return PendingLogin(nonce=row.nonce, code_verifier=row.code_verifier, return_to=row.return_to)


class LogoutTokenLedger:
    """The `jti` of every logout token accepted and not yet expired: a token is acted on once."""

    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self._engine = engine
        self._clock = clock

    def record(self, jti: str, expires_at: float) -> None:
        """Remember `jti`; Unauthenticated if it was seen before (a replayed logout token)."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(delete(oidc_logout_tokens).where(oidc_logout_tokens.c.expires_at < now))
                conn.execute(
                    insert(oidc_logout_tokens).values(
                        jti_hash=_digest(jti), expires_at=datetime.fromtimestamp(expires_at, UTC)
                    )
                )
        except IntegrityError:
            raise Unauthenticated("this logout token was already used") from None

    def forget(self, jti: str) -> None:
        """Undo `record` when acting on the token failed, so the provider's retry is accepted."""
        with write_transaction(self._engine) as conn:
            conn.execute(delete(oidc_logout_tokens).where(oidc_logout_tokens.c.jti_hash == _digest(jti)))
