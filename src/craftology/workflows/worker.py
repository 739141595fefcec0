"""Worker and client helpers for sync runs: connect, run a worker, start (or attach to) a run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta

import temporalio.converter
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.worker import Worker

from craftology.workflows.activities import SyncActivities, TargetRunner
from craftology.workflows.models import SyncRunInput, SyncRunResult
from craftology.workflows.sync_run import SyncRunWorkflow

# The default converter already round-trips dataclasses (nested ones included) through JSON; naming it
# here keeps client and worker on the same converter if a codec is ever added.
DATA_CONVERTER = temporalio.converter.default()

DEFAULT_MAX_CONCURRENT_ACTIVITIES = 8


async def connect(address: str, namespace: str = "default") -> Client:
    """A Temporal client using Craftology's data converter."""
    return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)


@asynccontextmanager
async def sync_worker(
    client: Client,
    task_queue: str,
    runner: TargetRunner,
    max_concurrent_activities: int = DEFAULT_MAX_CONCURRENT_ACTIVITIES,
) -> AsyncIterator[Worker]:
    """A running worker for sync runs on ``task_queue`` while the block is open; shut down on exit."""
    # run_target is synchronous: one thread per concurrently running activity.
    with ThreadPoolExecutor(max_workers=max_concurrent_activities, thread_name_prefix="run-target") as pool:
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[SyncRunWorkflow],
            activities=[SyncActivities(runner).run_target],
            activity_executor=pool,
            max_concurrent_activities=max_concurrent_activities,
            # Cancellation reaches an activity only with a heartbeat response; the default throttle
            # (0.8 x heartbeat timeout) would leave a cancelled generation running for ~48 s.
            max_heartbeat_throttle_interval=timedelta(seconds=2),
        )
        async with worker:
            yield worker


async def run_worker(
    client: Client,
    task_queue: str,
    runner: TargetRunner,
    max_concurrent_activities: int = DEFAULT_MAX_CONCURRENT_ACTIVITIES,
) -> None:
    """Serves sync runs on ``task_queue`` until cancelled."""
    async with sync_worker(client, task_queue, runner, max_concurrent_activities):
        await asyncio.Event().wait()


def sync_run_workflow_id(tenant: str, run_id: str) -> str:
    return f"sync-{tenant}-{run_id}"


async def start_sync_run(
    client: Client, run_input: SyncRunInput, task_queue: str
) -> WorkflowHandle[SyncRunWorkflow, SyncRunResult]:
    """Starts the run's workflow, or attaches to it if this run id was already submitted.

    A running workflow with the same id is reused (conflict policy), and a finished one is not started
    again (reuse policy): re-submitting a run never executes its plan twice.
    """
    workflow_id = sync_run_workflow_id(run_input.tenant, run_input.run_id)
    try:
        return await client.start_workflow(
            SyncRunWorkflow.run,
            run_input,
            id=workflow_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
    except WorkflowAlreadyStartedError:
        return client.get_workflow_handle_for(SyncRunWorkflow.run, workflow_id)
