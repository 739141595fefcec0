"""Sync service: status, plans and runs of a project.

A run is a row in the control plane with its stored plan, plus one Temporal workflow that executes the
plan and records the run's progress and outcome itself (see ``runs.lifecycle``). Nothing here watches a
run: any process reads its state from the store.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from craftology.controlplane.run_tasks import PlannedTask, TaskRow
from craftology.controlplane.runs import NewRun, Run, RunsRepository, RunStatus, RunSummary
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, Conflict, NotFound, TransientError
from craftology.events.relay import OutboxRelay
from craftology.identity.principal import Principal
from craftology.policy.guard import Guard
from craftology.ports.policy import PolicyPort
from craftology.projects.models import ReviewMode
from craftology.runs.engines import EngineCache
from craftology.sync.causes import TargetStatus
from craftology.sync.plan import Plan
from craftology.workflows.models import OUTCOME_STATUSES, SyncRunInput, SyncRunProgress
from craftology.workflows.worker import start_sync_run, sync_run_workflow_id

log = logging.getLogger(__name__)
# How soon Temporal retries a target whose worker died (kill -9, lost pod) on another worker. The
# executor heartbeats every few seconds, during model calls too, so long generations are not cut off.
HEARTBEAT_TIMEOUT_SECONDS = 15.0
# A planned run whose workflow Temporal does not know after this long was left by a process that died
# between recording the run and starting it.
START_GRACE = timedelta(seconds=5)
WAIT_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class RunView:
    run: Run
    progress: SyncRunProgress | None  # while the run is running


class SyncService:
    def __init__(
        self,
        engines: EngineCache,
        runs: RunsRepository,
        relay: OutboxRelay,
        temporal: Callable[[], Awaitable[Client]],
        task_queue: str,
        max_parallel: int,
        policy: PolicyPort,
    ) -> None:
        self._guard = Guard(policy)
        self._engines = engines
        self._runs = runs
        self._relay = relay  # publishes the run events the repository writes with each change
        self._temporal = temporal
        self._task_queue = task_queue
        self._max_parallel = max_parallel

    # --- status and plans ---

    def statuses(self, principal: Principal, project_id: str) -> list[TargetStatus]:
        tenant = self._guard.check(principal, "read_asset", "Target", project=project_id)
        with self._engines.lock:
            engine = self._engines.get(tenant, project_id)
            return list(engine.statuses().values())

    def status_page(
        self, principal: Principal, project_id: str, start: int, limit: int
    ) -> tuple[list[TargetStatus], dict[str, int], int]:
        """One page of target statuses in dependency order, the count by status and the total."""
        tenant = self._guard.check(principal, "read_asset", "Target", project=project_id)
        with self._engines.lock:
            engine = self._engines.get(tenant, project_id)
            items, total = engine.status_page(start, limit)
            return items, {s.value.upper(): n for s, n in engine.counts().items() if n}, total

    def status(self, principal: Principal, project_id: str, target: str) -> TargetStatus:
        tenant = self._guard.check(principal, "read_asset", "Target", target, project=project_id)
        with self._engines.lock:
            return self._engines.get(tenant, project_id).status(target)

    def plan(self, principal: Principal, project_id: str, targets: list[str] | None = None) -> Plan:
        """In review mode only targets whose upstream is settled are planned: downstream work waits
        for a person to accept what it would be made from."""
        tenant = self._guard.check(principal, "plan_run", "Project", project_id)
        return self._plan(tenant, project_id, targets)

    def _plan(self, tenant: str, project_id: str, targets: list[str] | None) -> Plan:
        with self._engines.lock:
            engine = self._engines.get(tenant, project_id)
            plan = engine.plan(targets)
            if engine.state.project.settings.review_mode is ReviewMode.REVIEW:
                plan = replace(plan, items=tuple(item for item in plan.items if not item.deps))
            return replace(plan, kept_models=self._engines.kept_models(engine.state.project))

    # --- runs ---

    def new_run(self, principal: Principal, project_id: str, run_id: str, summary: RunSummary) -> NewRun:
        """Plans the project now: the run to record, with its plan's tasks. Starting a run spends
        money, so it is the `start_run` action (a follow-up run is started by the platform)."""
        tenant = self._guard.check(principal, "start_run", "Project", project_id)
        plan = self._plan(tenant, project_id, None)
        tasks = [PlannedTask(item.target, tuple(item.deps), item.inputs_digest) for item in plan.items]
        return NewRun(
            tenant, project_id, tasks, run_id, sync_run_workflow_id(tenant, run_id),
            summary.model_copy(update={"total_cost": plan.total_cost}),
        )  # fmt: skip

    async def start_run(self, principal: Principal, project_id: str) -> Run:
        """Plan now, record the run with its plan, and start its workflow. One unfinished run per
        project (the database enforces it): two would plan the same targets and race to make them."""
        new = await asyncio.to_thread(self.new_run, principal, project_id, new_run_id(), RunSummary())
        tenant = new.tenant_id
        try:
            run = await asyncio.to_thread(self._runs.create, new)
        except Conflict as conflict:
            blocking = conflict.extra.get("run_id")
            if not blocking or not await self._end_if_abandoned(tenant, str(blocking)):
                raise
            run = await asyncio.to_thread(self._runs.create, new)
        await self.start_workflow(run, fail_run_on_error=True)
        return run

    async def start_workflow(self, run: Run, *, fail_run_on_error: bool) -> None:
        """Submits the run's workflow (attaching if it was submitted before). If that fails and
        `fail_run_on_error`, the run is marked failed: a run is never left planned without a workflow."""
        run_input = SyncRunInput(
            tenant=run.tenant_id,
            project_id=run.project_id,
            run_id=run.id,
            max_parallel=self._max_parallel,
            heartbeat_timeout_seconds=HEARTBEAT_TIMEOUT_SECONDS,
        )
        try:
            await start_sync_run(await self._temporal(), run_input, self._task_queue)
        except BaseException as error:
            if fail_run_on_error:
                detail = f"could not start its workflow: {error}"
                await asyncio.to_thread(self._fail, run, detail)
                if isinstance(error, Exception):
                    raise TransientError(f"run {run.id} {detail}", run_id=run.id) from error
            raise

    async def _end_if_abandoned(self, tenant: str, run_id: str) -> bool:
        """Fails an unfinished run no workflow will ever end: planned by a process that died before
        starting it, or whose workflow is gone without recording an outcome. True if it did."""
        run = await asyncio.to_thread(self._runs.get, tenant, run_id)
        if run.status.terminal:
            return True
        handle = (await self._temporal()).get_workflow_handle(run.workflow_id or "")
        try:
            described = await handle.describe()
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            if run.status is not RunStatus.PLANNED or utc_now() - run.created_at < START_GRACE:
                return False
            reason = "interrupted before it started; start a new sync"
        else:
            if described.status in (
                WorkflowExecutionStatus.RUNNING,
                WorkflowExecutionStatus.CONTINUED_AS_NEW,
            ):
                return False
            state = described.status.name.lower() if described.status else "unknown"
            reason = f"its workflow ended ({state}) without recording an outcome"
        await asyncio.to_thread(self._fail, run, reason)
        return True

    def _fail(self, run: Run, detail: str) -> None:
        try:
            self._runs.set_status(run.tenant_id, run.id, RunStatus.FAILED, error=detail)
        except Conflict:
            return  # it ended meanwhile
        self._relay.deliver_control()

    async def get_run(self, principal: Principal, run_id: str) -> RunView:
        """The run as the store has it; while it runs, its progress (counters and in-flight targets,
        from the stored plan)."""
        tenant = self._guard.check(principal, "read_run", "Run", run_id)
        run = await asyncio.to_thread(self._runs.get, tenant, run_id)
        if run.status is not RunStatus.RUNNING:
            return RunView(run, None)
        flying = await asyncio.to_thread(self._runs.in_flight, tenant, run_id)
        counts = {status: getattr(run, status) for status in OUTCOME_STATUSES}
        return RunView(run, SyncRunProgress(run.plan_size, run.done, counts, flying))

    def list_runs(self, principal: Principal, project_id: str) -> list[Run]:
        tenant = self._guard.check(principal, "read_run", "Run", project=project_id)
        return self._runs.list(tenant, project_id)

    def outcomes(self, principal: Principal, run_id: str) -> list[TaskRow]:
        """Every target of the run with how it ended (or its state while running), in plan order."""
        tenant = self._guard.check(principal, "read_run", "Run", run_id)
        return self._runs.all_tasks(tenant, run_id)

    def run_targets(self, principal: Principal, run_id: str, after: int, limit: int) -> list[TaskRow]:
        """One page of the run's targets, after position `after`."""
        tenant = self._guard.check(principal, "read_run", "Run", run_id)
        return self._runs.tasks(tenant, run_id, after, limit)

    async def cancel_run(self, principal: Principal, run_id: str) -> Run:
        """Asks the run's workflow to stop; the workflow records the run cancelled."""
        tenant = self._guard.check(principal, "cancel_run", "Run", run_id)
        run = await asyncio.to_thread(self._runs.get, tenant, run_id)
        if run.status.terminal:
            raise BadInput(f"run {run_id} already ended ({run.status.value})")
        client = await self._temporal()
        try:
            await client.get_workflow_handle(run.workflow_id or "").cancel()
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            # Never started: nothing runs, so it is cancelled here.
            return await asyncio.to_thread(
                self._runs.set_status, tenant, run_id, RunStatus.CANCELLED, error="cancelled"
            )
        return run

    async def wait(self, principal: Principal, run_id: str) -> Run:
        """Polls the store until the run and any follow-ups it started have ended; returns the last."""
        tenant = self._guard.check(principal, "read_run", "Run", run_id)
        while True:
            run = await asyncio.to_thread(self._runs.get, tenant, run_id)
            if not run.status.terminal:
                await asyncio.sleep(WAIT_POLL_SECONDS)
                continue
            if not run.summary.follow_up:
                return run
            try:
                await asyncio.to_thread(self._runs.get, tenant, run.summary.follow_up)
            except NotFound:
                return run
            run_id = run.summary.follow_up


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]
