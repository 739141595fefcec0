"""The sync-run workflow: executes one plan's DAG of targets with bounded parallelism.

It knows nothing about what a target does: each target is one ``run_target`` activity on the workflow's
own task queue, and the activity side records assets and emits events. The workflow only orders the
work, bounds it, retries it and reports outcomes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import CancelledError as TemporalCancelledError

with workflow.unsafe.imports_passed_through():
    from craftology.workflows.models import (
        FAILED,
        RUN_TARGET_ACTIVITY,
        SUPERSEDED,
        SYNC_RUN_WORKFLOW,
        SyncRunInput,
        SyncRunProgress,
        SyncRunResult,
        TargetActivityInput,
        TargetOutcome,
        TargetTask,
        count_by_status,
    )

# Transient failures (a model API hiccup) retry with backoff; bad input never succeeds on retry.
TARGET_RETRY_POLICY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
    non_retryable_error_types=["BadInput"],
)

# Outcomes that stop the target's dependents from running.
_BLOCKING = (FAILED, SUPERSEDED)


@workflow.defn(name=SYNC_RUN_WORKFLOW)
class SyncRunWorkflow:
    """Runs each target once its dependencies are done, at most ``max_parallel`` at a time.

    A failed target fails its dependents without running them; a superseded one supersedes them (the
    follow-up plan will pick them up). Cancelling the workflow cancels the in-flight activities. Above
    ``history_task_limit`` activities per execution it continues as new, carrying the outcomes so far.
    """

    def __init__(self) -> None:
        self._total = 0
        self._outcomes: dict[str, TargetOutcome] = {}
        self._in_flight: dict[str, asyncio.Task[TargetOutcome]] = {}
        self._dependents: dict[str, list[str]] = {}
        self._waiting: dict[str, int] = {}
        self._index: dict[str, int] = {}
        self._ready: list[int] = []

    @workflow.query
    def progress(self) -> SyncRunProgress:
        """Counts by status, how many targets are done out of the total, and the targets running now."""
        outcomes = list(self._outcomes.values())
        return SyncRunProgress(
            total=self._total,
            done=len(outcomes),
            counts=count_by_status(outcomes),
            in_flight=sorted(self._in_flight),
        )

    @workflow.run
    async def run(self, run_input: SyncRunInput) -> SyncRunResult:
        tasks = run_input.tasks
        order = run_input.plan_order or [t.target for t in tasks]
        self._outcomes = {outcome.target: outcome for outcome in run_input.carried_outcomes}
        self._total = len(order)
        self._build_graph(tasks)

        budget_exhausted = await self._execute(run_input)

        remaining = [task for task in tasks if task.target not in self._outcomes]
        if remaining and budget_exhausted:
            carried = [self._outcomes[target] for target in order if target in self._outcomes]
            workflow.continue_as_new(
                dataclasses.replace(run_input, tasks=remaining, carried_outcomes=carried, plan_order=order)
            )
        for task in remaining:  # nothing in flight and nothing ready: only a dependency cycle gets here
            self._resolve(TargetOutcome(task.target, FAILED, detail="dependency cycle in plan"))
        outcomes = [self._outcomes[target] for target in order]
        return SyncRunResult(run_id=run_input.run_id, outcomes=outcomes, counts=count_by_status(outcomes))

    def _build_graph(self, tasks: list[TargetTask]) -> None:
        self._index = {task.target: i for i, task in enumerate(tasks)}
        self._dependents = {task.target: [] for task in tasks}
        for task in tasks:
            open_deps = 0
            for dep in dict.fromkeys(task.deps):
                if dep in self._index:
                    self._dependents[dep].append(task.target)
                    open_deps += 1
            self._waiting[task.target] = open_deps
            if open_deps == 0:
                heapq.heappush(self._ready, self._index[task.target])
        # A dep outside this plan is either fresh already or was resolved by an earlier execution of
        # this run (continue-as-new); a blocking outcome there still blocks.
        for task in tasks:
            for dep in task.deps:
                earlier = self._outcomes.get(dep)
                if dep not in self._index and earlier is not None and earlier.status in _BLOCKING:
                    self._block(task.target, earlier)

    async def _execute(self, run_input: SyncRunInput) -> bool:
        """Schedules and awaits activities; returns True if it stopped early to continue as new."""
        tasks = run_input.tasks
        max_parallel = max(1, run_input.max_parallel)
        limit = max(1, run_input.history_task_limit)
        started = 0
        budget_exhausted = False
        while True:
            budget_exhausted = (
                # started > 0: every execution makes progress, so continuing as new cannot loop forever.
                started > 0 and (started >= limit or workflow.info().is_continue_as_new_suggested())
            )
            while self._ready and len(self._in_flight) < max_parallel and not budget_exhausted:
                task = tasks[heapq.heappop(self._ready)]
                if task.target in self._outcomes:
                    continue
                self._in_flight[task.target] = asyncio.create_task(self._run_target(run_input, task))
                started += 1
                budget_exhausted = started >= limit
            if not self._in_flight:
                return budget_exhausted
            try:
                await workflow.wait(list(self._in_flight.values()), return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                await self._cancel_in_flight()
                raise
            # Sorted so that replay resolves simultaneous completions in the same order.
            for target in sorted(t for t, running in self._in_flight.items() if running.done()):
                self._resolve(self._in_flight.pop(target).result())

    async def _cancel_in_flight(self) -> None:
        for running in self._in_flight.values():
            running.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        self._in_flight.clear()

    async def _run_target(self, run_input: SyncRunInput, task: TargetTask) -> TargetOutcome:
        activity_input = TargetActivityInput(
            tenant=run_input.tenant,
            project_id=run_input.project_id,
            run_id=run_input.run_id,
            target=task.target,
            inputs_digest=task.inputs_digest,
        )
        try:
            outcome: TargetOutcome = await workflow.execute_activity(
                RUN_TARGET_ACTIVITY,
                activity_input,
                result_type=TargetOutcome,
                start_to_close_timeout=timedelta(seconds=run_input.activity_timeout_seconds),
                heartbeat_timeout=timedelta(seconds=run_input.heartbeat_timeout_seconds),
                retry_policy=TARGET_RETRY_POLICY,
            )
            return outcome
        except ActivityError as err:
            if isinstance(err.cause, TemporalCancelledError):
                raise
            cause = err.cause
            detail = cause.message if isinstance(cause, ApplicationError) else str(cause or err)
            return TargetOutcome(task.target, FAILED, detail=detail)

    def _resolve(self, outcome: TargetOutcome) -> None:
        # Iterative, not recursive: a failure at the head of a long chain blocks the whole chain.
        pending = [outcome]
        while pending:
            current = pending.pop()
            if current.target in self._outcomes:
                continue
            self._outcomes[current.target] = current
            for dependent in self._dependents.get(current.target, []):
                if current.status in _BLOCKING:
                    pending.append(_blocked(dependent, current))
                    continue
                self._waiting[dependent] -= 1
                if self._waiting[dependent] == 0 and dependent not in self._outcomes:
                    heapq.heappush(self._ready, self._index[dependent])

    def _block(self, target: str, upstream: TargetOutcome) -> None:
        self._resolve(_blocked(target, upstream))


def _blocked(target: str, upstream: TargetOutcome) -> TargetOutcome:
    return TargetOutcome(target, upstream.status, detail=f"upstream {upstream.target} {upstream.status}")
