"""`craftology events`: print the durable event log, optionally following it."""

from __future__ import annotations

import json

from rich.console import Console

from craftology.adapters.events.follow import follow
from craftology.config import Settings
from craftology.container import event_bus

out = Console(highlight=False, soft_wrap=True)


def print_events(settings: Settings, keep_following: bool, after: int) -> None:
    bus = event_bus(settings)
    try:
        seen = after

        def caught_up() -> bool:
            # Without --follow, stop once a read returns nothing newer than what was printed.
            return not keep_following and not bus.read(after=seen, limit=1)

        for delivered in follow(bus, after=after, stop=caught_up):
            seen = delivered.offset
            event = delivered.event
            data = json.dumps(event.data, separators=(",", ":"))
            out.print(
                f"{delivered.offset:>6} {event.time} {event.tenant} {event.type:<20} {event.subject} {data}",
                markup=False,
            )
    finally:
        bus.close()
