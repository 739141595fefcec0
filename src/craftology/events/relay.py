"""The relay: publishes outbox records to the bus, then deletes them.

Publish first, delete after: a relay that dies in between leaves the record, and the next pass
publishes it again under the same event id, which the bus ignores (or consumers dedupe). So several
relays at once (every API and worker process runs one) are harmless: at worst an event is published
twice with one id, never lost. Deleting a record another relay already deleted is a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from craftology.errors import CraftologyError
from craftology.events.outbox import OUTBOX, event_of
from craftology.ports.events import EventPublisher
from craftology.ports.metadata import Delete, MetadataStore, Query, Record

log = logging.getLogger(__name__)
PAGE = 200


def _never() -> bool:
    return False


class OutboxRelay:
    def __init__(self, metadata: MetadataStore, publisher: EventPublisher) -> None:
        self._metadata = metadata
        self._publisher = publisher

    def deliver(self, tenant: str, records: Sequence[Record]) -> None:
        """Publish just-committed outbox records now. Best effort: the change is committed, so a bus
        that is down must not fail it; the records stay for the scheduled relay."""
        try:
            self._publish_and_delete(tenant, records)
        except CraftologyError:
            log.warning("publishing %d events of %s failed; the relay retries them", len(records), tenant,
                        exc_info=True)  # fmt: skip

    def relay(self, tenant: str, should_stop: Callable[[], bool] = _never) -> int:
        """Publish and delete every outbox record of `tenant`, oldest first; returns how many."""
        done, cursor = 0, None
        while True:
            page = self._metadata.find(tenant, Query(OUTBOX, cursor=cursor, limit=PAGE))
            self._publish_and_delete(tenant, page.records)
            done += len(page.records)
            cursor = page.next_cursor
            if cursor is None or should_stop():
                return done

    def relay_all(self, tenants: Iterable[str], should_stop: Callable[[], bool] = _never) -> int:
        """One pass over every tenant's outbox (a tenant that fails is logged and retried next pass)."""
        done = 0
        for tenant in tenants:
            if should_stop():
                break
            try:
                done += self.relay(tenant, should_stop)
            except CraftologyError:
                log.warning("relaying the outbox of %s failed", tenant, exc_info=True)
        return done

    def _publish_and_delete(self, tenant: str, records: Sequence[Record]) -> None:
        if not records:
            return
        for record in records:
            self._publisher.publish(event_of(record))
        self._metadata.commit(tenant, [Delete(OUTBOX, record.id) for record in records])
