"""Blob garbage collection on a schedule while a platform process runs (`craftology up`).

Every process that runs the platform may collect: a pass is idempotent and safe beside writers and
other collectors, so there is nothing to elect or lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from craftology.assets.gc import collect
from craftology.periodic import Periodic, StopAsked

if TYPE_CHECKING:
    from craftology.container import Container

log = logging.getLogger(__name__)


class GcSchedule(Periodic):
    """Blob collection every `interval_seconds` (0: never)."""

    def __init__(self, run_pass: Callable[[StopAsked], object], interval_seconds: float) -> None:
        super().__init__("blob garbage collection", run_pass, interval_seconds)

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
