"""The data-sync agent's consumer on a schedule, in every platform process (like the outbox relay).

The scan's reads run in the pass's thread; the signals go through the process's Temporal client on
its event loop. The position advances only after every signal went out, so a pass that fails
midway is redone by the next one (in this process or any other).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from temporalio.client import Client

from craftology.agents.datasync.consumer import ChangeConsumer, Edited, signal
from craftology.config import DataSyncSettings
from craftology.periodic import Periodic, StopAsked


class DataSyncSchedule(Periodic):
    """Create it on the event loop the Temporal client belongs to."""

    def __init__(
        self,
        consumer: ChangeConsumer,
        temporal: Callable[[], Awaitable[Client]],
        task_queue: str,
        settings: DataSyncSettings,
    ) -> None:
        loop = asyncio.get_running_loop()

        async def send(edits: list[Edited]) -> None:
            client = await temporal()
            for edited in edits:
                await signal(client, task_queue, settings, edited)

        def run_pass(should_stop: StopAsked) -> None:
            scan = consumer.scan()
            if should_stop() or not scan.heads:
                return
            edits = list(scan.edited)
            if edits:  # a process with nothing to signal (most passes) never needs Temporal
                asyncio.run_coroutine_threadsafe(send(edits), loop).result()
            consumer.advance(scan.heads)

        super().__init__("data-sync agent", run_pass, settings.interval_seconds)
