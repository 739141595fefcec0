"""The outbox relay on a schedule while a platform process runs (`craftology up`).

Events are normally published by the process that committed them, right after the commit; this pass
delivers those of a process that died in between. Every process may run it: passes are idempotent
and safe beside each other (see relay.py), so there is nothing to elect or lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from craftology.events.relay import OutboxRelay
from craftology.periodic import Periodic, StopAsked

log = logging.getLogger(__name__)


class RelaySchedule(Periodic):
    """A relay pass over `tenants()` every `interval_seconds` (0: never)."""

    def __init__(self, relay: OutboxRelay, tenants: Callable[[], list[str]], interval_seconds: float) -> None:
        def run_pass(should_stop: StopAsked) -> None:
            relayed = relay.relay_all(tenants(), should_stop)
            if relayed:
                log.info("outbox relay: published %d events left by earlier commits", relayed)

        super().__init__("outbox relay", run_pass, interval_seconds)
