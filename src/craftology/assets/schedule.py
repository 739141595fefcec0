"""Blob garbage collection on a schedule while a platform process runs (`craftology up`).

Every process that runs the platform may collect: a pass is idempotent and safe beside writers and
other collectors, so there is nothing to elect or lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from craftology.assets.gc import collect

if TYPE_CHECKING:
    from craftology.container import Container

log = logging.getLogger(__name__)

StopAsked = Callable[[], bool]


class GcSchedule:
    """Runs `run_pass` in a worker thread at start and then every `interval_seconds` (0: never)."""

    def __init__(self, run_pass: Callable[[StopAsked], object], interval_seconds: float) -> None:
        self._run_pass = run_pass
        self._interval = interval_seconds
        self._stopping = threading.Event()  # read by the pass in its thread, between blobs
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    @classmethod
    def start(cls, container: Container) -> GcSchedule:
        """The schedule of `container.settings.gc`, started."""
        settings = container.settings.gc

        def run_pass(should_stop: StopAsked) -> None:
            tenants = [tenant.id for tenant in container.tenancy.list_tenants()]
            done = collect(container.assets, container.metadata, tenants, settings.grace_seconds,
                           should_stop=should_stop)  # fmt: skip
            if done.removed or done.temp_files_removed:
                log.info("blob gc: removed %d unreferenced blobs (%d bytes) and %d dead writers' temp files",
                         done.removed, done.bytes_freed, done.temp_files_removed)  # fmt: skip

        schedule = cls(run_pass, settings.interval_seconds)
        schedule.begin()
        return schedule

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def begin(self) -> None:
        if self._interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="blob-gc")

    async def stop(self) -> None:
        """Ends the schedule; a pass in progress stops at its next blob. Returns once it has, so the
        stores can be closed after this."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.to_thread(self._run_pass, self._stopping.is_set)
            except Exception:
                # A failed pass (a store briefly unavailable) must not end the schedule or the process:
                # the next pass does the same work again.
                log.exception("blob garbage collection failed")
            self.passes += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
