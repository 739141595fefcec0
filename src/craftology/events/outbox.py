"""The outbox: an event is written in the SAME metadata-store commit as the change it describes.

So a change is never committed without its event, and a failed commit leaves no event behind. Entries
live in the tenant's own store, beside its records but not among them (no revisions, no history, no
change feed). The relay (relay.py) publishes them to the bus and dequeues them: right after the commit
in the same process, and on a schedule for the events of a process that died in between.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from craftology.events.catalogue import check_event
from craftology.ports.events import Event
from craftology.ports.metadata import MetadataStore, Op, OutboxEntry, Record

if TYPE_CHECKING:
    from craftology.events.relay import OutboxRelay


def outbox_id(event: Event, position: int) -> str:
    """An outbox entry's id starts with the write time (and the event's position in its commit), so a
    relay reading in id order publishes in about the order things happened."""
    return f"{time.time_ns():020d}.{position:04d}.{event.id}"


def written_at_ns(entry_id: str) -> int:
    """When the outbox entry `entry_id` was written (nanoseconds since the epoch)."""
    return int(entry_id.split(".", 1)[0])


def event_json(event: Event) -> dict[str, Any]:
    """The event as stored in an outbox, checked against the catalogue."""
    check_event(event)
    return {"id": event.id, "type": event.type, "source": event.source, "tenant": event.tenant,
            "subject": event.subject, "time": event.time, "data": event.data}  # fmt: skip


def event_from_json(data: dict[str, Any]) -> Event:
    return Event(
        type=data["type"], source=data["source"], tenant=data["tenant"], subject=data["subject"],
        data=data["data"], id=data["id"], time=data["time"],
    )  # fmt: skip


def outbox_entries(events: Sequence[Event]) -> list[OutboxEntry]:
    return [
        OutboxEntry(outbox_id(event, position), event_json(event)) for position, event in enumerate(events)
    ]


class Outbox:
    """Commits changes together with the events that describe them, then relays those at once."""

    def __init__(self, metadata: MetadataStore, relay: OutboxRelay) -> None:
        self.metadata = metadata
        self._relay = relay

    def commit(self, tenant: str, ops: Sequence[Op], events: Sequence[Event]) -> list[Record]:
        """`metadata.commit(tenant, ops)` with `events` in the same transaction. Returns the records
        of `ops`. The events are published right after, best effort: if that fails (or this process
        dies first) the scheduled relay publishes them."""
        entries = outbox_entries(events)
        written = self.metadata.commit(tenant, ops, outbox=entries)
        self._relay.deliver(tenant, entries)
        return written

    def flush(self) -> None:
        """Dequeue what this outbox's relay published (at shutdown: left listed, a later relay pass
        would publish it again)."""
        self._relay.flush()

    def record(self, tenant: str, events: Sequence[Event]) -> None:
        """Durably record events that describe no store change: once this returns they will be
        published even if this process dies now."""
        self.commit(tenant, [], events)
