"""Keeps an activity heartbeating while a long, blocking model call runs in its thread."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

HEARTBEAT_EVERY_SECONDS = 2.0


@contextmanager
def heartbeating(
    heartbeat: Callable[[str], None], detail: str, every: float = HEARTBEAT_EVERY_SECONDS
) -> Iterator[None]:
    """Heartbeat every few seconds until the block ends, so a model call longer than the heartbeat
    timeout is not mistaken for a dead worker. The helper thread runs in a copy of the caller's
    context: Temporal finds the running activity through it."""
    stop = threading.Event()
    context = contextvars.copy_context()

    def beat() -> None:
        while not stop.wait(every):
            try:
                context.run(heartbeat, detail)
            except Exception:  # a failed heartbeat must not break the model call it watches
                return

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
