"""The outbox relay on a schedule while a platform process runs (`craftology up`).

Events are normally published by the process that committed them, right after the commit; this pass
delivers those of a process that died in between. Every process may run it: passes are idempotent
and safe beside each other (see relay.py), so there is nothing to elect or lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from craftology.events.relay import OutboxRelay

log = logging.getLogger(__name__)


class RelaySchedule:
    """Runs a relay pass over `tenants()` in a worker thread at start and then every
    `interval_seconds` (0: never)."""

    def __init__(self, relay: OutboxRelay, tenants: Callable[[], list[str]], interval_seconds: float) -> None:
        self._relay = relay
        self._tenants = tenants
        self._interval = interval_seconds
        self._stopping = threading.Event()  # read by the pass in its thread, between pages
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def begin(self) -> RelaySchedule:
        if self._interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outbox-relay")
        return self

    async def stop(self) -> None:
        """Ends the schedule once a pass in progress reaches its next page."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    def _pass(self) -> None:
        relayed = self._relay.relay_all(self._tenants(), self._stopping.is_set)
        if relayed:
            log.info("outbox relay: published %d events left by earlier commits", relayed)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.to_thread(self._pass)
            except Exception:
                # A failed pass (the control plane briefly unavailable) must not end the schedule or
                # the process: the next pass does the same work again.
                log.exception("outbox relay pass failed")
            self.passes += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
