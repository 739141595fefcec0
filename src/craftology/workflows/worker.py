"""Worker and client helpers for sync runs: connect, run a worker, start (or attach to) a run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import temporalio.converter
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.worker import Worker

from craftology.workflows.activities import SyncActivities
from craftology.workflows.models import SyncRunInput
from craftology.workflows.sync_run import SyncRunWorkflow

# The default converter already round-trips dataclasses (nested ones included) through JSON; naming it
# here keeps client and worker on the same converter if a codec is ever added.
DATA_CONVERTER = temporalio.converter.default()

DEFAULT_MAX_CONCURRENT_ACTIVITIES = 8
# The bookkeeping steps (claim and report) are local activities; they get threads of their own so a
# worker busy with long generations still records outcomes at once.
MAX_CONCURRENT_LOCAL_ACTIVITIES = 4


async def connect(address: str, namespace: str = "default") -> Client:
    """A Temporal client using Craftology's data converter."""
    return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)


@asynccontextmanager
async def sync_worker(
    client: Client,
    task_queue: str,
    activities: SyncActivities,
    max_concurrent_activities: int = DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    agent_workflows: Sequence[type] = (),
    agent_activities: Sequence[Callable[..., Any]] = (),
) -> AsyncIterator[Worker]:
    """A running worker for sync runs on ``task_queue`` while the block is open; shut down on exit.
    The agents' workflows and activities (the data-sync agent's) are served beside them."""
    # run_target and the bookkeeping steps are synchronous: one thread per concurrent activity.
    threads = max_concurrent_activities + MAX_CONCURRENT_LOCAL_ACTIVITIES
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sync-activity") as pool:
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[SyncRunWorkflow, *agent_workflows],
            activities=[*activities.all(), *agent_activities],
            activity_executor=pool,
            max_concurrent_activities=max_concurrent_activities,
            max_concurrent_local_activities=MAX_CONCURRENT_LOCAL_ACTIVITIES,
            # Cancellation reaches an activity only with a heartbeat response; the default throttle
            # (0.8 x heartbeat timeout) would leave a cancelled generation running for ~48 s.
            max_heartbeat_throttle_interval=timedelta(seconds=2),
        )
        async with worker:
            yield worker


async def run_worker(
    client: Client,
    task_queue: str,
    activities: SyncActivities,
    max_concurrent_activities: int = DEFAULT_MAX_CONCURRENT_ACTIVITIES,
) -> None:
    """Serves sync runs on ``task_queue`` until cancelled."""
    async with sync_worker(client, task_queue, activities, max_concurrent_activities):
        await asyncio.Event().wait()


def sync_run_workflow_id(tenant: str, run_id: str) -> str:
    return f"sync-{tenant}-{run_id}"


async def start_sync_run(
    client: Client, run_input: SyncRunInput, task_queue: str
) -> WorkflowHandle[SyncRunWorkflow, None]:
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
