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
# Entries younger than this are left to the process that wrote them, which publishes them at once and
# dequeues them within about a second: a pass taking them too would publish them a second time.
OWN_ENTRIES_S = 10.0


class RelaySchedule(Periodic):
    """A relay pass over `tenants()` every `interval_seconds` (0: never), for entries older than
    `min_age_s`."""

    def __init__(
        self,
        relay: OutboxRelay,
        tenants: Callable[[], list[str]],
        interval_seconds: float,
        min_age_s: float = OWN_ENTRIES_S,
    ) -> None:
        def run_pass(should_stop: StopAsked) -> None:
            relayed = relay.relay_all(tenants(), should_stop, min_age_s)
            if relayed:
                log.info("outbox relay: published %d events left by earlier commits", relayed)

        super().__init__("outbox relay", run_pass, interval_seconds)
