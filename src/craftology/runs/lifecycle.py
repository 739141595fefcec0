"""A run's record, written by its own workflow: the ``RunLedger`` over the control plane.

The workflow calls these through activities, so a run is recorded correctly whichever process started
it and whether or not that process is still alive. Every step is idempotent (Temporal may repeat it):
outcomes and claims are keyed in the store, a finished run is not finished twice, and a follow-up run
has an id derived from its parent's. The run's events (run.started, run.finished, and target.failed /
target.superseded for what it did not finish) are written by the repository in the transaction that
changes the run (the control plane's outbox); this only asks the relay to publish them at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Protocol

from craftology.controlplane.run_tasks import Outcome, TaskState
from craftology.controlplane.runs import NewRun, Run, RunsRepository, RunStatus, RunSummary
from craftology.events.relay import OutboxRelay
from craftology.identity.principal import Principal, system_principal
from craftology.workflows.models import (
    ClaimedTask,
    FinishRunInput,
    ReportAndClaimInput,
    ReportAndClaimResult,
    RunRef,
)

log = logging.getLogger(__name__)
MAX_FOLLOW_UPS = 3
CYCLE = "dependency cycle in plan"


class FollowUps(Protocol):
    """Plans and starts runs: the sync service."""

    def new_run(self, principal: Principal, project_id: str, run_id: str, summary: RunSummary) -> NewRun: ...

    async def start_workflow(self, run: Run, *, fail_run_on_error: bool) -> None: ...


def follow_up_id(parent_id: str) -> str:
    """Derived from the parent, so a retried finish step records and starts one follow-up."""
    return "f" + hashlib.sha256(f"follow-up\n{parent_id}".encode()).hexdigest()[:15]


class RunLifecycle:
    def __init__(self, runs: RunsRepository, relay: OutboxRelay, follow_ups: FollowUps | None) -> None:
        self._runs = runs
        self._relay = relay
        self._follow_ups = follow_ups

    def begin(self, ref: RunRef) -> bool:
        run = self._runs.begin(ref.tenant, ref.run_id)
        self._relay.deliver_control()
        return not run.status.terminal

    def report_and_claim(self, step: ReportAndClaimInput) -> ReportAndClaimResult:
        outcomes = [
            Outcome(report.position, TaskState(report.status), report.asset_id, report.detail)
            for report in step.reports
        ]
        claimed = self._runs.report_and_claim(
            step.tenant, step.run_id, outcomes, step.claim_token, step.claim_limit
        )
        return ReportAndClaimResult(
            [ClaimedTask(task.position, task.target, task.inputs_digest) for task in claimed.tasks],
            claimed.open,
        )

    async def finish(self, finish: FinishRunInput) -> None:
        tenant = finish.tenant
        run = await asyncio.to_thread(self._runs.get, tenant, finish.run_id)
        if finish.stuck:
            run = await asyncio.to_thread(self._runs.fail_unfinished_tasks, tenant, run.id, CYCLE)
        if not run.status.terminal:
            status, summary, error = self._outcome(run, finish.cancelled)
            follow_up = await self._plan_follow_up(run, summary) if summary.follow_up else None
            run = await asyncio.to_thread(
                self._runs.finish, tenant, run.id, status, summary, error=error, follow_up=follow_up
            )
        await asyncio.to_thread(self._relay.deliver_control)
        if run.summary.follow_up and self._follow_ups is not None:
            child = await asyncio.to_thread(self._runs.get, tenant, run.summary.follow_up)
            if child.status is RunStatus.PLANNED:
                # A failure here retries this step; the child stays planned (never blocks for good:
                # a planned run without a workflow is failed by the next sync that meets it).
                await self._follow_ups.start_workflow(child, fail_run_on_error=False)

    def _outcome(self, run: Run, cancelled: bool) -> tuple[RunStatus, RunSummary, str | None]:
        done = f"{run.done} of {run.plan_size} targets done"
        if cancelled:
            message = f"cancelled; {done}"
            return RunStatus.CANCELLED, run.summary.model_copy(update={"message": message}), "cancelled"
        follow_up = None
        if run.superseded and self._follow_ups is not None and run.summary.depth < MAX_FOLLOW_UPS:
            follow_up = follow_up_id(run.id)
        all_superseded = run.plan_size > 0 and run.superseded == run.plan_size
        parts = [f"{run.generated} generated, {run.skipped} skipped"]
        if run.superseded:
            what = "every target was" if all_superseded else f"{run.superseded} targets were"
            redo = (
                f"follow-up run {follow_up} redoes them" if follow_up else "no follow-up run (limit reached)"
            )
            parts.append(f"{what} superseded by edits made during the run; {redo}")
        if run.failed:
            parts.append(f"{run.failed} failed")
        summary = run.summary.model_copy(
            update={"follow_up": follow_up, "all_superseded": all_superseded, "message": "; ".join(parts)}
        )
        if run.failed:
            return RunStatus.FAILED, summary, f"{run.failed} of {run.plan_size} targets failed"
        return RunStatus.SUCCEEDED, summary, None

    async def _plan_follow_up(self, run: Run, summary: RunSummary) -> NewRun:
        assert self._follow_ups is not None
        assert summary.follow_up is not None
        child_summary = RunSummary(depth=run.summary.depth + 1, follow_up_of=run.id)
        return await asyncio.to_thread(
            # The platform continues a run someone was allowed to start: it plans as the system.
            self._follow_ups.new_run,
            system_principal(run.tenant_id),
            run.project_id,
            summary.follow_up,
            child_summary,
        )
