"""Confirmation tokens: what the agent offered to do and is waiting for the person to confirm.

Kept in the tenant's metadata store (collection `chat_confirmations`), so the confirmation may reach
any API process. A token is bound to the person, the project and the exact tool call (for a run, the
plan digest it was offered with); it expires, and is used at most once: taking it deletes the record
with a compare-and-set, so of two concurrent confirmations only one proceeds. Only the token's hash is
stored: reading the store gives no token to confirm with."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from craftology.errors import BadInput, Conflict, NotFound, PreconditionFailed
from craftology.identity.principal import Principal
from craftology.ports.metadata import MUST_NOT_EXIST, Delete, MetadataStore, Put

CONFIRMATIONS = "chat_confirmations"
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105 -- the shape of secrets.token_urlsafe(32)
REFUSED = "this confirmation is unknown, already used, expired, or not for this project and user"


@dataclass(frozen=True)
class Pending:
    """A tool call waiting for the person's yes."""

    tool: str
    arguments: dict[str, Any]
    summary: str  # what would be done, in words
    cost: float | None = None  # what a run would spend (the plan's total), None when nothing is spent


@dataclass(frozen=True)
class Offered:
    token: str
    expires_at: datetime


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


class Confirmations:
    def __init__(self, metadata: MetadataStore, ttl: timedelta, clock: Callable[[], datetime] = _now) -> None:
        self._store = metadata
        self._ttl = ttl
        self._clock = clock

    def offer(self, principal: Principal, project_id: str, pending: Pending) -> Offered:
        self._forget_expired(principal)
        token = secrets.token_urlsafe(32)
        expires = self._clock() + self._ttl
        data = {
            "user_id": principal.user_id,
            "project_id": project_id,
            "tool": pending.tool,
            "arguments": pending.arguments,
            "summary": pending.summary,
            "cost": pending.cost,
            "expires_at": expires.isoformat(),
        }
        self._store.commit(principal.tenant, [Put(CONFIRMATIONS, _key(token), data, expect=MUST_NOT_EXIST)])
        return Offered(token, expires)

    def _forget_expired(self, principal: Principal) -> None:
        """Offers this person never confirmed are removed once expired, so they do not pile up."""
        now = self._clock()
        for record in self._store.scan(principal.tenant, CONFIRMATIONS):
            data = record.data
            if data["user_id"] == principal.user_id and datetime.fromisoformat(data["expires_at"]) <= now:
                with contextlib.suppress(NotFound, PreconditionFailed, Conflict):  # taken meanwhile
                    self._store.commit(
                        principal.tenant, [Delete(CONFIRMATIONS, record.id, expect=record.revision)]
                    )

    def take(self, principal: Principal, project_id: str, token: str) -> Pending:
        """The pending call of `token`, removed so it cannot be confirmed again. Conflict when the
        token is unknown, used, expired, or another person's or project's (all alike: a guess learns
        nothing); another person's token stays usable by its owner."""
        try:
            record = self._store.get(principal.tenant, CONFIRMATIONS, _key(token))
        except (NotFound, BadInput):
            raise Conflict(REFUSED) from None
        data = record.data
        if data["user_id"] != principal.user_id or data["project_id"] != project_id:
            raise Conflict(REFUSED)
        try:
            self._store.commit(principal.tenant, [Delete(CONFIRMATIONS, record.id, expect=record.revision)])
        except (NotFound, PreconditionFailed, Conflict):  # confirmed by a concurrent request
            raise Conflict(REFUSED) from None
        if datetime.fromisoformat(data["expires_at"]) <= self._clock():
            raise Conflict(REFUSED)
        return Pending(data["tool"], data["arguments"], data["summary"], data["cost"])
