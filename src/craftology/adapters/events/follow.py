"""A polling tail over any EventReader (used by `craftology events --follow`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from craftology.ports.events import Delivered, EventReader


def follow(
    bus: EventReader,
    after: int = 0,
    poll_seconds: float = 0.5,
    stop: Callable[[], bool] | None = None,
) -> Iterator[Delivered]:
    """Yield every event with offset > `after`, then wait for new ones, polling every `poll_seconds`.

    `stop` is asked after each batch (and after each empty poll); when it returns True the tail ends,
    so `stop=lambda: True` reads one batch (what is there now, up to the bus's default limit) and returns.
    """
    while True:
        batch = bus.read(after=after)
        for delivered in batch:
            after = delivered.offset
            yield delivered
        if stop is not None and stop():
            return
        if not batch:
            time.sleep(poll_seconds)
