"""`craftology worker`: only the sync worker role, joining the stores and Temporal server it is
configured for (environment / settings), so workers can run as many processes as needed."""

from __future__ import annotations

import asyncio
import signal

from rich.console import Console

from craftology.config import Settings
from craftology.runtime import worker_only


async def serve_worker(settings: Settings, console: Console) -> None:
    """Runs until SIGINT or SIGTERM, then lets the worker finish its shutdown."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with worker_only(settings) as container:
        console.print(
            f"Craftology worker on task queue {settings.temporal.task_queue!r} "
            f"(Temporal at {container.temporal_address}, data in {settings.data_dir})",
            highlight=False,
        )
        await stop.wait()
