"""Sync service: status, plans and runs of a project; accept, pin and replace-by-upload.

A run is a row in the control plane plus one Temporal workflow. The service watches each run it
starts (and, after a restart, every run still marked running) and records the outcome; a run whose
tasks were superseded by edits made while it ran is followed by a fresh plan automatically.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError, RPCStatusCode

from craftology.controlplane.runs import Run, RunsRepository, RunStatus
from craftology.errors import BadInput, Conflict, NotFound
from craftology.ports.events import Event, EventBus
from craftology.projects.models import ReviewMode
from craftology.runs.engines import EngineCache
from craftology.sync.causes import TargetStatus
from craftology.sync.plan import Plan
from craftology.workflows.models import (
    FAILED,
    SUPERSEDED,
    SyncRunInput,
    SyncRunProgress,
    SyncRunResult,
    TargetTask,
)
from craftology.workflows.sync_run import SyncRunWorkflow
from craftology.workflows.worker import start_sync_run, sync_run_workflow_id

log = logging.getLogger(__name__)
SOURCE = "craftology/sync"
MAX_FOLLOW_UPS = 3
# How soon Temporal retries a target whose worker died (kill -9, lost pod) on another worker. The
# executor heartbeats every few seconds, during model calls too, so long generations are not cut off.
HEARTBEAT_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class RunView:
    run: Run
    progress: SyncRunProgress | None  # live, while the workflow runs


class SyncService:
    def __init__(
        self,
        engines: EngineCache,
        runs: RunsRepository,
        events: EventBus,
        temporal: Callable[[], Awaitable[Client]],
        task_queue: str,
        max_parallel: int,
    ) -> None:
        self._engines = engines
        self._runs = runs
        self._events = events
        self._temporal = temporal
        self._task_queue = task_queue
        self._max_parallel = max_parallel
        self._watchers: dict[str, asyncio.Task[None]] = {}

    # --- status and plans ---

    def statuses(self, tenant: str, project_id: str) -> list[TargetStatus]:
        with self._engines.lock:
            engine = self._engines.get(tenant, project_id)
            return list(engine.statuses().values())

    def status_page(
        self, tenant: str, project_id: str, start: int, limit: int
    ) -> tuple[list[TargetStatus], dict[str, int], int]:
        """One page of target statuses in dependency order, the count by status and the total."""
        with self._engines.lock:
            engine = self._engines.get(tenant, project_id)
            items, total = engine.status_page(start, limit)
            return items, {s.value.upper(): n for s, n in engine.counts().items() if n}, total

    def status(self, tenant: str, project_id: str, target: str) -> TargetStatus:
        with self._engines.lock:
            return self._engines.get(tenant, project_id).status(target)

    def plan(self, tenant: str, project_id: str, targets: list[str] | None = None) -> Plan:
        """In review mode only targets whose upstream is settled are planned: downstream work waits
        for a person to accept what it would be made from."""
        with self._engines.lock:
            engine = self._engines.get(tenant, project_id)
            plan = engine.plan(targets)
            if engine.state.project.settings.review_mode is ReviewMode.REVIEW:
                plan = replace(plan, items=tuple(item for item in plan.items if not item.deps))
            return replace(plan, kept_models=self._engines.kept_models(engine.state.project))

    # --- runs ---

    async def start_run(
        self,
        tenant: str,
        project_id: str,
        follow_up_of: str | None = None,
        depth: int = 0,
        run_id: str | None = None,
    ) -> Run:
        """Plan now and execute the plan on Temporal. One run per project at a time: two would plan
        the same targets and race to generate them."""
        active = [r for r in self._runs.list(tenant, project_id, limit=20) if not r.status.terminal]
        if active:
            raise Conflict(
                f"run {active[0].id} of this project is still {active[0].status.value}; "
                "wait for it or cancel it",
                run_id=active[0].id,
            )
        plan = await asyncio.to_thread(self.plan, tenant, project_id)
        summary: dict[str, Any] = {"total_cost": plan.total_cost, "depth": depth}
        if follow_up_of:
            summary["follow_up_of"] = follow_up_of
        run_id = run_id or new_run_id()
        run = self._runs.create(
            tenant,
            project_id,
            len(plan.items),
            run_id=run_id,
            workflow_id=sync_run_workflow_id(tenant, run_id),
            summary=summary,
        )
        self._emit(
            tenant,
            "run.started",
            run.id,
            {"project_id": project_id, "plan_size": len(plan.items), "estimated_cost": plan.total_cost},
        )
        tasks = [TargetTask(item.target, list(item.deps), item.inputs_digest) for item in plan.items]
        client = await self._temporal()
        await start_sync_run(
            client,
            SyncRunInput(
                tenant=tenant,
                project_id=project_id,
                run_id=run.id,
                tasks=tasks,
                max_parallel=self._max_parallel,
                heartbeat_timeout_seconds=HEARTBEAT_TIMEOUT_SECONDS,
            ),
            self._task_queue,
        )
        run = self._runs.set_status(tenant, run.id, RunStatus.RUNNING)
        self._watch(run)
        return run

    async def get_run(self, tenant: str, run_id: str) -> RunView:
        run = self._runs.get(tenant, run_id)
        progress = None
        if run.status is RunStatus.RUNNING and run.workflow_id:
            client = await self._temporal()
            handle = client.get_workflow_handle_for(SyncRunWorkflow.run, run.workflow_id)
            try:
                progress = await handle.query(SyncRunWorkflow.progress)
            except RPCError:
                progress = None  # between workflow tasks or just finished; the row is still right
        return RunView(self._runs.get(tenant, run_id), progress)

    def list_runs(self, tenant: str, project_id: str) -> list[Run]:
        return self._runs.list(tenant, project_id)

    async def cancel_run(self, tenant: str, run_id: str) -> Run:
        run = self._runs.get(tenant, run_id)
        if run.status.terminal:
            raise BadInput(f"run {run_id} already ended ({run.status.value})")
        client = await self._temporal()
        await client.get_workflow_handle(run.workflow_id or "").cancel()
        return run

    async def wait(self, tenant: str, run_id: str) -> Run:
        """Until the run and any follow-ups it started have ended; returns the last of them."""
        while True:
            watcher = self._watchers.get(run_id)
            if watcher is not None:
                await asyncio.shield(watcher)
            run = self._runs.get(tenant, run_id)
            if not run.status.terminal:
                self._watch(run)
                continue
            follow_up = (run.summary or {}).get("follow_up")
            if not follow_up:
                return run
            try:
                self._runs.get(tenant, follow_up)
            except NotFound:
                return run  # the process stopped before it could start the follow-up
            run_id = follow_up

    def resume_watchers(self) -> int:
        """After a restart: watch every run still planned or running (any tenant)."""
        unfinished = self._runs.unfinished()
        for run in unfinished:
            self._watch(run)
        return len(unfinished)

    def _watch(self, run: Run) -> None:
        if run.id not in self._watchers or self._watchers[run.id].done():
            task = asyncio.get_running_loop().create_task(self._follow(run))
            self._watchers[run.id] = task
            task.add_done_callback(lambda done: self._forget_watcher(run.id, done))

    def _forget_watcher(self, run_id: str, task: asyncio.Task[None]) -> None:
        if self._watchers.get(run_id) is task:
            del self._watchers[run_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("watching run %s failed", run_id, exc_info=task.exception())

    async def _follow(self, run: Run) -> None:
        client = await self._temporal()
        handle = client.get_workflow_handle_for(SyncRunWorkflow.run, run.workflow_id or "")
        try:
            result: SyncRunResult = await handle.result()
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            # Created, then the process stopped before Temporal accepted the workflow.
            self._runs.set_status(
                run.tenant_id,
                run.id,
                RunStatus.FAILED,
                error="interrupted before it started; start a new sync",
            )
            self._emit(run.tenant_id, "run.finished", run.id, {"status": RunStatus.FAILED.value})
            return
        except WorkflowFailureError as error:
            cancelled = "cancel" in str(error.cause).lower()
            status = RunStatus.CANCELLED if cancelled else RunStatus.FAILED
            self._runs.set_status(run.tenant_id, run.id, status, error=str(error.cause))
            self._emit(run.tenant_id, "run.finished", run.id, {"status": status.value})
            return
        await self._record(run, result)

    async def _record(self, run: Run, result: SyncRunResult) -> None:
        counts = result.counts
        self._runs.update_counters(
            run.tenant_id,
            run.id,
            generated=counts.get("generated", 0),
            skipped=counts.get("skipped", 0),
            superseded=counts.get("superseded", 0),
            failed=counts.get("failed", 0),
        )
        summary = dict(run.summary or {})
        summary["outcomes"] = [
            {"target": o.target, "status": o.status, "asset_id": o.asset_id, "detail": o.detail}
            for o in result.outcomes
        ]
        depth = int(summary.get("depth", 0))
        status = RunStatus.FAILED if counts.get("failed") else RunStatus.SUCCEEDED
        follow_up = new_run_id() if counts.get("superseded") and depth < MAX_FOLLOW_UPS else None
        if follow_up:
            summary["follow_up"] = follow_up
        # Ended before the follow-up starts: a project has one unfinished run at a time.
        self._runs.set_status(run.tenant_id, run.id, status, summary=summary)
        self._emit_unfinished_targets(run, result)
        self._emit(run.tenant_id, "run.finished", run.id, {"status": status.value, **counts})
        if follow_up:
            await self.start_run(run.tenant_id, run.project_id, run.id, depth + 1, run_id=follow_up)

    def _emit(self, tenant: str, kind: str, run_id: str, data: dict[str, Any]) -> None:
        self._events.publish(
            Event(type=kind, source=SOURCE, tenant=tenant, subject=f"run/{run_id}", data=data,
                  id=event_id(run_id, kind, ""))
        )  # fmt: skip

    def _emit_unfinished_targets(self, run: Run, result: SyncRunResult) -> None:
        """target.failed / target.superseded for targets the run did not finish, with the reason
        (the workflow decides these, including for dependents it never started)."""
        for outcome in result.outcomes:
            if outcome.status not in (FAILED, SUPERSEDED):
                continue
            kind = f"target.{outcome.status}"
            data = {"project_id": run.project_id, "run_id": run.id, "detail": outcome.detail}
            self._events.publish(
                Event(type=kind, source=SOURCE, tenant=run.tenant_id, subject=outcome.target, data=data,
                      id=event_id(run.id, kind, outcome.target))
            )  # fmt: skip


def event_id(run_id: str, kind: str, subject: str) -> str:
    """Deterministic, so recording a run again after a restart publishes nothing twice (the bus
    dedupes by id)."""
    return hashlib.sha256(f"{run_id}\n{kind}\n{subject}".encode()).hexdigest()[:32]


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]
