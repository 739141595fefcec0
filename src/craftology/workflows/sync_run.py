"""The sync-run workflow: executes one stored plan's DAG of targets with bounded parallelism.

It never holds the plan. A local activity records the outcomes of the targets that just finished and
claims the next ready ones from the control plane (one short transaction per step); each target is one
``run_target`` activity on the workflow's own task queue. The workflow records its own lifecycle: it
marks the run running, keeps its counters current through those reports, and records how it ended,
cancellation included, so no process has to watch it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from enum import Enum
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import CancelledError as TemporalCancelledError

with workflow.unsafe.imports_passed_through():
    from craftology.workflows.models import (
        BEGIN_RUN_ACTIVITY,
        FAILED,
        FINISH_RUN_ACTIVITY,
        REPORT_AND_CLAIM_ACTIVITY,
        RUN_TARGET_ACTIVITY,
        SYNC_RUN_WORKFLOW,
        ClaimedTask,
        FinishRunInput,
        ReportAndClaimInput,
        ReportAndClaimResult,
        RunRef,
        SyncRunInput,
        TargetActivityInput,
        TargetOutcome,
        TaskReport,
    )
    from craftology.workflows.retry import NON_RETRYABLE_ERROR_TYPES

# Transient failures (a model API hiccup) retry with backoff; a request-class error never succeeds on
# retry (the activity also raises those as non-retryable: this list covers errors raised elsewhere).
TARGET_RETRY_POLICY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
    non_retryable_error_types=NON_RETRYABLE_ERROR_TYPES,
)
# The bookkeeping steps are short database transactions: a failure there is the database being
# unavailable, worth retrying until it is back.
BOOKKEEPING_RETRY_POLICY = RetryPolicy(maximum_interval=timedelta(seconds=10))
BOOKKEEPING_TIMEOUT = timedelta(seconds=60)
# Targets claimed ahead of free slots, as a multiple of max_parallel: a finished target is replaced at
# once, and one bookkeeping step serves about this many times max_parallel targets.
RESERVE = 2
# Finishing may plan a follow-up run, which reads the whole project.
FINISH_TIMEOUT = timedelta(minutes=10)


class _Ended(Enum):
    DONE = "done"
    CONTINUE = "continue"  # history budget used up: continue as new
    STUCK = "stuck"  # tasks left that can never become ready


@workflow.defn(name=SYNC_RUN_WORKFLOW)
class SyncRunWorkflow:
    """Runs each target once its dependencies are done, at most ``max_parallel`` at a time.

    A failed target fails its dependents without running them; a superseded one supersedes them (a
    follow-up run picks them up). Cancelling the workflow cancels the in-flight activities and records
    the run cancelled. After ``history_task_limit`` targets per execution it drains what is in flight
    and continues as new with the same ids: nothing of the plan's size is carried.
    """

    def __init__(self) -> None:
        self._in_flight: dict[int, asyncio.Task[TaskReport]] = {}
        self._targets: dict[int, str] = {}
        self._unreported: list[TaskReport] = []  # finished, not yet recorded in the store
        self._reserve: list[ClaimedTask] = []  # claimed, waiting for a free slot
        self._started = 0
        self._steps = 0

    @workflow.query
    def in_flight(self) -> list[str]:
        """The targets this execution is running now."""
        return sorted(self._targets[position] for position in self._in_flight)

    @workflow.run
    async def run(self, run_input: SyncRunInput) -> None:
        ref = RunRef(run_input.tenant, run_input.run_id)
        try:
            proceed: bool = await self._local(BEGIN_RUN_ACTIVITY, ref, bool)
            if not proceed:
                return  # the run was ended elsewhere (cancelled before it began)
            ended = await self._execute(run_input)
        except asyncio.CancelledError:
            await self._stop_in_flight(run_input)
            await self._finish(FinishRunInput(ref.tenant, ref.run_id, cancelled=True))
            raise
        if ended is _Ended.CONTINUE:
            workflow.continue_as_new(run_input)
        await self._finish(FinishRunInput(ref.tenant, ref.run_id, stuck=ended is _Ended.STUCK))

    async def _execute(self, run_input: SyncRunInput) -> _Ended:
        """Keeps up to ``max_parallel`` targets running and ``RESERVE`` times as many claimed in
        reserve, so a finished target is replaced at once and the bookkeeping step runs about once per
        ``RESERVE * max_parallel`` completions, not once per target. Outcomes are reported at the same
        steps, so the run's counters trail its progress by at most that many targets."""
        max_parallel = max(1, run_input.max_parallel)
        budget = max(1, run_input.history_task_limit)
        while True:
            # started > 0: every execution makes progress, so continuing as new cannot loop forever.
            exhausted = self._started > 0 and (
                self._started >= budget or workflow.info().is_continue_as_new_suggested()
            )
            self._start_reserved(run_input, max_parallel)
            starving = not self._reserve and len(self._in_flight) < max_parallel and not exhausted
            if starving or not self._in_flight or len(self._unreported) >= RESERVE * max_parallel:
                room = (1 + RESERVE) * max_parallel - len(self._in_flight) - len(self._reserve)
                room = 0 if exhausted else min(room, budget - self._started - len(self._reserve))
                result = await self._report_and_claim(run_input, max(0, room))
                self._reserve += result.claimed
                self._start_reserved(run_input, max_parallel)
                if not self._in_flight:
                    if result.open == 0:
                        return _Ended.DONE
                    return _Ended.CONTINUE if exhausted else _Ended.STUCK
            await workflow.wait(list(self._in_flight.values()), return_when=asyncio.FIRST_COMPLETED)
            self._collect_done()

    def _start_reserved(self, run_input: SyncRunInput, max_parallel: int) -> None:
        while self._reserve and len(self._in_flight) < max_parallel:
            task = self._reserve.pop(0)
            self._targets[task.position] = task.target
            self._in_flight[task.position] = asyncio.create_task(self._run_target(run_input, task))
            self._started += 1

    def _collect_done(self) -> None:
        # Sorted so that replay reports simultaneous completions in the same order.
        done = sorted(position for position, task in self._in_flight.items() if task.done())
        self._unreported += [self._in_flight.pop(position).result() for position in done]

    async def _report_and_claim(self, run_input: SyncRunInput, limit: int) -> ReportAndClaimResult:
        self._steps += 1
        step = ReportAndClaimInput(
            run_input.tenant,
            run_input.run_id,
            list(self._unreported),
            # Unique per step of this execution and the same on replay.
            claim_token=f"{workflow.info().run_id}:{self._steps}",
            claim_limit=limit,
        )
        result: ReportAndClaimResult = await self._local(
            REPORT_AND_CLAIM_ACTIVITY, step, ReportAndClaimResult
        )
        self._unreported = []
        return result

    async def _stop_in_flight(self, run_input: SyncRunInput) -> None:
        """Cancels what runs, and records what had already finished (its assets exist)."""
        for running in self._in_flight.values():
            if not running.done():
                running.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        self._unreported += [
            task.result()
            for task in self._in_flight.values()
            if not task.cancelled() and task.exception() is None
        ]
        self._in_flight.clear()
        if self._unreported:
            await self._report_and_claim(run_input, 0)

    async def _run_target(self, run_input: SyncRunInput, task: ClaimedTask) -> TaskReport:
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
        except ActivityError as err:
            if isinstance(err.cause, TemporalCancelledError):
                raise
            cause = err.cause
            detail = cause.message if isinstance(cause, ApplicationError) else str(cause or err)
            return TaskReport(task.position, FAILED, detail=detail)
        return TaskReport(task.position, outcome.status, outcome.asset_id, outcome.detail)

    async def _finish(self, finish: FinishRunInput) -> None:
        await workflow.execute_activity(
            FINISH_RUN_ACTIVITY,
            finish,
            start_to_close_timeout=FINISH_TIMEOUT,
            retry_policy=BOOKKEEPING_RETRY_POLICY,
        )

    @staticmethod
    async def _local(name: str, arg: Any, result_type: type[Any]) -> Any:
        return await workflow.execute_local_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=BOOKKEEPING_TIMEOUT,
            retry_policy=BOOKKEEPING_RETRY_POLICY,
        )
