"""The relay: publishes outbox entries to the bus, then dequeues them.

Publish first, dequeue after: a relay that dies in between leaves the entry, and the next pass
publishes it again under the same event id, which the bus ignores (or consumers dedupe). So several
relays at once (every API and worker process runs one) are harmless: at worst an event is published
twice with one id, never lost. Dequeuing an entry another relay already removed is a no-op.

Two kinds of outbox are relayed: each tenant store's (changes to records) and the control plane's
(changes to runs, craftology.controlplane.event_outbox).

Entries a process published right after its own commit are dequeued in batches (`DEQUEUE_BATCH`, or
after `DEQUEUE_AFTER_S`), not one write per commit: until then they are only published-but-listed, and
the worst a crash in between does is have a relay pass publish them again under the same ids. Relay
passes leave entries younger than their `min_age_s` to the process that wrote them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from craftology.errors import CraftologyError
from craftology.events.outbox import event_from_json, written_at_ns
from craftology.ports.events import EventPublisher
from craftology.ports.metadata import MetadataStore, OutboxEntry

log = logging.getLogger(__name__)
PAGE = 200
DEQUEUE_BATCH = 64
DEQUEUE_AFTER_S = 1.0


class ControlPlaneOutbox(Protocol):
    def pending(self, limit: int, after: str | None = None) -> list[OutboxEntry]: ...

    def delete(self, entry_ids: Sequence[str]) -> None: ...


def _never() -> bool:
    return False


class OutboxRelay:
    def __init__(
        self, metadata: MetadataStore, publisher: EventPublisher, control: ControlPlaneOutbox | None = None
    ) -> None:
        self._metadata = metadata
        self._publisher = publisher
        self._control = control
        self._lock = threading.Lock()
        self._published: dict[str, list[str]] = {}  # by tenant: published here, not yet dequeued
        self._first_published = 0.0

    def deliver(self, tenant: str, entries: Sequence[OutboxEntry]) -> None:
        """Publish just-committed outbox entries now. Best effort: the change is committed, so a bus
        that is down must not fail it; the entries stay for the scheduled relay."""
        if not entries:
            return
        try:
            self._publish(entries)
        except CraftologyError:
            log.warning("publishing %d events of %s failed; the relay retries them", len(entries), tenant,
                        exc_info=True)  # fmt: skip
            return
        with self._lock:
            if not self._published:
                self._first_published = time.monotonic()
            self._published.setdefault(tenant, []).extend(entry.id for entry in entries)
            waiting = sum(len(ids) for ids in self._published.values())
            due = waiting >= DEQUEUE_BATCH or time.monotonic() - self._first_published >= DEQUEUE_AFTER_S
        if due:
            self.flush()

    def flush(self) -> None:
        """Dequeue every entry this relay published and has not dequeued yet."""
        with self._lock:
            published, self._published = self._published, {}
        for tenant, entry_ids in published.items():
            try:
                self._metadata.dequeue(tenant, entry_ids)
            except CraftologyError:  # they stay listed; a relay pass publishes them again (same ids)
                log.warning("dequeuing %d published events of %s failed", len(entry_ids), tenant,
                            exc_info=True)  # fmt: skip

    def deliver_control(self) -> None:
        """Publish what the control plane's outbox holds now (after a run changed). Best effort."""
        try:
            self.relay_control()
        except CraftologyError:
            log.warning("publishing control-plane events failed; the relay retries them", exc_info=True)

    def relay(self, tenant: str, should_stop: Callable[[], bool] = _never, min_age_s: float = 0.0) -> int:
        """Publish and dequeue every outbox entry of `tenant` written at least `min_age_s` ago, oldest
        first; returns how many."""
        done, after = 0, None
        newest = time.time_ns() - int(min_age_s * 1e9)
        # Ids begin with the write time, so once one entry is too young every later one is too.
        while page := [
            entry for entry in self._metadata.outbox(tenant, after, PAGE) if written_at_ns(entry.id) <= newest
        ]:
            self._publish(page)
            self._metadata.dequeue(tenant, [entry.id for entry in page])
            done += len(page)
            after = page[-1].id
            if should_stop():
                break
        return done

    def relay_control(self, should_stop: Callable[[], bool] = _never) -> int:
        """Publish and delete every entry of the control plane's outbox, oldest first."""
        if self._control is None:
            return 0
        done, after = 0, None
        while page := self._control.pending(PAGE, after):
            self._publish(page)
            self._control.delete([entry.id for entry in page])
            done += len(page)
            after = page[-1].id
            if should_stop():
                break
        return done

    def relay_all(
        self, tenants: Iterable[str], should_stop: Callable[[], bool] = _never, min_age_s: float = 0.0
    ) -> int:
        """One pass over the control plane's and every tenant's outbox (one that fails is logged and
        retried next pass), after dequeuing what this relay published itself."""
        self.flush()
        done = 0
        try:
            done += self.relay_control(should_stop)
        except CraftologyError:
            log.warning("relaying the control plane's outbox failed", exc_info=True)
        for tenant in tenants:
            if should_stop():
                break
            try:
                done += self.relay(tenant, should_stop, min_age_s)
            except CraftologyError:
                log.warning("relaying the outbox of %s failed", tenant, exc_info=True)
        return done

    def _publish(self, entries: Sequence[OutboxEntry]) -> None:
        for entry in entries:
            self._publisher.publish(event_from_json(entry.payload))
