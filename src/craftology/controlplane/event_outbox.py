"""The control plane's outbox: events of changes to control-plane rows (runs), written in the same
transaction as the change, then relayed to the bus like a tenant store's outbox (events/relay.py).

A run's record is not in a tenant store, so its events cannot go into that store's outbox in one
commit; here they share the run row's transaction instead, and a crash can neither lose nor invent
one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine, delete, insert, select

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import event_outbox
from craftology.events.outbox import outbox_entries
from craftology.ports.events import Event
from craftology.ports.metadata import OutboxEntry


def record_events(conn: Connection, events: Sequence[Event]) -> None:
    """Write `events` in the caller's transaction."""
    if events:
        rows = [
            {"id": entry.id, "tenant_id": event.tenant, "event": entry.payload}
            for entry, event in zip(outbox_entries(events), events, strict=True)
        ]
        conn.execute(insert(event_outbox), rows)


class ControlOutbox:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def pending(self, limit: int, after: str | None = None) -> list[OutboxEntry]:
        """Entries in write order, after entry id `after`."""
        query = select(event_outbox.c.id, event_outbox.c.event).order_by(event_outbox.c.id).limit(limit)
        if after is not None:
            query = query.where(event_outbox.c.id > after)
        with self._engine.connect() as conn:
            return [OutboxEntry(row.id, row.event) for row in conn.execute(query)]

    def delete(self, entry_ids: Sequence[str]) -> None:
        """Drop relayed entries (ids another relay dropped already are ignored)."""
        if entry_ids:
            with write_transaction(self._engine) as conn:
                conn.execute(delete(event_outbox).where(event_outbox.c.id.in_(list(entry_ids))))
