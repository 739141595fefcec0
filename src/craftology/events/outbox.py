"""The outbox: an event is written in the SAME metadata-store commit as the change it describes.

So a change is never committed without its event, and a failed commit leaves no event behind. Outbox
records live in the tenant's own store, in collection `outbox`, without a project: the project change
feed that sync engines catch up from never sees them. The relay (relay.py) publishes them to the
bus and deletes them; right after the commit in the same process, and on a schedule for the events of a
process that died in between.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from craftology.events.catalogue import check_event
from craftology.ports.events import Event
from craftology.ports.metadata import MetadataStore, Op, Put, Record

if TYPE_CHECKING:
    from craftology.events.relay import OutboxRelay

OUTBOX = "outbox"


def outbox_put(event: Event, position: int) -> Put:
    """The outbox record of `event`. Its id starts with the write time (and the event's position in its
    commit), so the relay publishes in about the order things happened."""
    check_event(event)
    record_id = f"{time.time_ns():020d}.{position:04d}.{event.id}"
    data = {"id": event.id, "type": event.type, "source": event.source, "tenant": event.tenant,
            "subject": event.subject, "time": event.time, "data": event.data}  # fmt: skip
    return Put(OUTBOX, record_id, data, project_id=None)


def event_of(record: Record) -> Event:
    data = record.data
    return Event(
        type=data["type"], source=data["source"], tenant=data["tenant"], subject=data["subject"],
        data=data["data"], id=data["id"], time=data["time"],
    )  # fmt: skip


class Outbox:
    """Commits changes together with the events that describe them, then relays those at once."""

    def __init__(self, metadata: MetadataStore, relay: OutboxRelay) -> None:
        self.metadata = metadata
        self._relay = relay

    def commit(self, tenant: str, ops: Sequence[Op], events: Sequence[Event]) -> list[Record]:
        """`metadata.commit(tenant, ops)` with `events` in the same transaction. Returns the records
        of `ops`. The events are published right after, best effort: if that fails (or this process
        dies first) the scheduled relay publishes them."""
        puts = [outbox_put(event, position) for position, event in enumerate(events)]
        written = self.metadata.commit(tenant, [*ops, *puts])
        self._relay.deliver(tenant, written[len(ops) :])
        return written[: len(ops)]

    def record(self, tenant: str, events: Sequence[Event]) -> None:
        """Durably record events of a change made in another store (a run record in the control
        plane): once this returns they will be published even if this process dies now."""
        self.commit(tenant, [], events)
