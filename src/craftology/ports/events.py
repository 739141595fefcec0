"""Events: CloudEvents-shaped facts from every service, delivered at least once.

Two sides, as Kafka has them:
- an `EventPublisher` appends events (idempotent by event id on the embedded log; Kafka consumers
  dedupe by id, since event ids are deterministic for the same fact);
- an `EventSubscriber` hands out `Consumer`s of a named consumer group. A consumer polls the events
  after its group's committed offset and commits an offset once it has handled everything up to it.

Delivery semantics (what every adapter guarantees and every consumer must expect):
- At least once. An event is delivered again until some member of its group commits past it, so a
  consumer that dies before committing leaves its events to the next poll of any member.
- Committing offset N says "every event up to N that I was given is handled"; commit in order.
- A group's committed offset only moves forward: a slower member committing an older offset cannot
  move the group back, and nobody can commit beyond the last published event.
- Members of one group may see the same events (the embedded log has one partition and no
  assignment; Kafka assigns each partition to one member but redelivers after a rebalance), so
  handlers dedupe by event id. Within a group nothing is skipped or lost.

Plain reads by offset (`EventReader`) serve tails such as `craftology events --follow`.
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
    type: str  # e.g. "run.started", "target.generated", "asset.stored" (see craftology.events.catalogue)
    source: str  # the emitting service, e.g. "craftology/sync"
    tenant: str
    subject: str = ""  # what it is about, e.g. a target id
    data: dict[str, Any] = field(default_factory=dict)
    # Product code builds events with craftology.events.catalogue.new_event, which derives the id from
    # the fact; the random default is for ad-hoc events only.
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    time: str = field(default_factory=_now)


@dataclass(frozen=True)
class Delivered:
    offset: int
    event: Event


@runtime_checkable
class EventPublisher(Protocol):
    def publish(self, event: Event) -> None:
        """Durably append one event (at least once; an id already published is ignored)."""

    def close(self) -> None:
        """Release connections."""


@runtime_checkable
class Consumer(Protocol):
    """One member of a consumer group (not thread-safe: one per thread)."""

    @property
    def group(self) -> str: ...

    def poll(self, limit: int = 100) -> list[Delivered]:
        """The next events for this member, oldest first: after what it already received, and never
        before the group's committed offset. Empty when there is nothing new (returns at once)."""

    def commit(self, offset: int) -> None:
        """Record that every event up to `offset` given to this member is handled. Never moves the
        group back; BadInput for an offset beyond the log."""

    def committed(self) -> int:
        """The group's committed offset (0 before the first commit)."""

    def close(self) -> None:
        """Leave the group; uncommitted events go to the next poll of any member."""


@runtime_checkable
class EventSubscriber(Protocol):
    def subscribe(self, group: str) -> Consumer:
        """A new member of consumer group `group` (created on first use)."""

    def close(self) -> None:
        """Release connections."""


@runtime_checkable
class EventReader(Protocol):
    def read(self, after: int = 0, limit: int = 1000) -> list[Delivered]:
        """Events with offset > after, oldest first."""

    def close(self) -> None:
        """Release connections."""


@runtime_checkable
class EventBus(EventPublisher, EventSubscriber, EventReader, Protocol):
    """Everything one event engine offers: what the composition root hands to services."""
