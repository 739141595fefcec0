"""A pass run in a worker thread at start and then every few seconds while a process runs.

For idempotent upkeep that any number of processes may do at once (blob collection, the outbox
relay), so there is nothing to elect or lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

StopAsked = Callable[[], bool]


class Periodic:
    """Runs `run_pass` in a worker thread at start and then every `interval_seconds` (0: never)."""

    def __init__(self, name: str, run_pass: Callable[[StopAsked], object], interval_seconds: float) -> None:
        self._name = name
        self._run_pass = run_pass
        self._interval = interval_seconds
        self._stopping = threading.Event()  # read by the pass in its thread, between units of work
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def begin(self) -> Periodic:
        if self._interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self._name)
        return self

    async def stop(self) -> None:
        """Ends the schedule; a pass in progress stops at its next unit of work. Returns once it has,
        so the stores can be closed after this."""
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
                log.exception("%s failed", self._name)
            self.passes += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
