"""Event bus: CloudEvents-shaped events from every service, delivered at least once.

The embedded adapter keeps a durable local log; a Kafka adapter publishes to a topic. Consumers
dedupe by event id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Event:
    type: str  # e.g. "run.started", "target.generated", "asset.stored"
    source: str  # the emitting service, e.g. "craftology/sync"
    tenant: str
    subject: str = ""  # what it is about, e.g. a target id
    data: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    time: str = field(default_factory=_now)


@dataclass(frozen=True)
class Delivered:
    offset: int
    event: Event


@runtime_checkable
class EventBus(Protocol):
    def publish(self, event: Event) -> None:
        """Durably append one event (at least once)."""

    def read(self, after: int = 0, limit: int = 1000) -> list[Delivered]:
        """Events with offset > after, oldest first."""

    def close(self) -> None:
        """Release connections."""
