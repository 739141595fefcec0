"""A bare Temporal baseline for benchmarks: N no-op activities with the same bounded parallelism,
retry policy and thread-pool worker as a sync run, but no DAG and no outcome bookkeeping.

Comparing a sync run of N independent no-op targets with ``run_bare(N)`` measures what the sync-run
workflow itself costs on top of Temporal.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.client import Client
    from temporalio.worker import Worker

    from craftology.workflows.models import SKIPPED, TargetActivityInput, TargetOutcome
    from craftology.workflows.sync_run import TARGET_RETRY_POLICY


@dataclass
class BareRunInput:
    count: int
    max_parallel: int = 4


@activity.defn(name="bare_noop")
def bare_noop(index: int) -> int:
    return index


@workflow.defn(name="BareRun")
class BareRunWorkflow:
    """Runs ``count`` no-op activities, at most ``max_parallel`` at once; returns how many completed."""

    @workflow.run
    async def run(self, run_input: BareRunInput) -> int:
        in_flight: set[asyncio.Task[int]] = set()
        next_index = completed = 0
        while next_index < run_input.count or in_flight:
            while next_index < run_input.count and len(in_flight) < max(1, run_input.max_parallel):
                in_flight.add(asyncio.create_task(self._noop(next_index)))
                next_index += 1
            done, pending = await workflow.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            in_flight = set(pending)
            completed += len(done)
        return completed

    async def _noop(self, index: int) -> int:
        return await workflow.execute_activity(
            bare_noop,
            index,
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=timedelta(seconds=60),
            retry_policy=TARGET_RETRY_POLICY,
        )


class NoopRunner:
    """A TargetRunner that does nothing, for the sync-run side of the same benchmark."""

    def run(self, task: TargetActivityInput, heartbeat: Callable[[str], None]) -> TargetOutcome:
        return TargetOutcome(task.target, SKIPPED)


async def run_bare(client: Client, count: int, max_parallel: int = 4, task_queue: str | None = None) -> int:
    """Runs the bare workflow to completion on its own worker; returns the number of activities run."""
    queue = task_queue or f"bare-{uuid.uuid4().hex}"
    with ThreadPoolExecutor(max_workers=max_parallel) as pool:
        async with Worker(
            client,
            task_queue=queue,
            workflows=[BareRunWorkflow],
            activities=[bare_noop],
            activity_executor=pool,
            max_concurrent_activities=max_parallel,
        ):
            return await client.execute_workflow(
                BareRunWorkflow.run,
                BareRunInput(count, max_parallel),
                id=f"bare-{uuid.uuid4().hex}",
                task_queue=queue,
            )
