"""The turns of a project's conversation, kept in the tenant's metadata store (collection
`chat_messages`, one record per turn, with the project's id), so every process lists the same
conversation: the person's messages and the agent's answers with the events it sent."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from craftology.agents.chat.events import ChatEvent
from craftology.ports.metadata import MUST_NOT_EXIST, MetadataStore, Put, Query

MESSAGES = "chat_messages"
Role = Literal["user", "agent"]


@dataclass(frozen=True)
class Turn:
    id: str
    role: Role
    user_id: str  # who chatted (the agent's turns answer that person)
    text: str
    events: list[dict[str, Any]]
    at: str  # ISO 8601, UTC, with microseconds: the conversation's order


@dataclass(frozen=True)
class Turns:
    items: list[Turn]
    next_cursor: str | None


def _now() -> datetime:
    return datetime.now(UTC)


class Conversation:
    def __init__(self, metadata: MetadataStore, clock: Callable[[], datetime] = _now) -> None:
        self._store = metadata
        self._clock = clock

    def add(
        self,
        tenant: str,
        project_id: str,
        role: Role,
        user_id: str,
        text: str,
        events: Sequence[ChatEvent] = (),
    ) -> Turn:
        at = self._clock().isoformat(timespec="microseconds")
        turn = Turn(f"msg-{secrets.token_hex(8)}", role, user_id, text, [e.as_json() for e in events], at)
        data = {"role": role, "user_id": user_id, "text": text, "events": turn.events, "at": at}
        self._store.commit(
            tenant, [Put(MESSAGES, turn.id, data, project_id=project_id, expect=MUST_NOT_EXIST)]
        )
        return turn

    def list(self, tenant: str, project_id: str, cursor: str | None, limit: int) -> Turns:
        """Oldest first, one page at a time."""
        query = Query(MESSAGES, project_id=project_id, cursor=cursor, limit=limit, order_by="at")
        page = self._store.find(tenant, query)
        items = [
            Turn(r.id, r.data["role"], r.data["user_id"], r.data["text"], r.data["events"], r.data["at"])
            for r in page.records
        ]
        return Turns(items, page.next_cursor)
