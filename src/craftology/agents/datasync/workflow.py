"""ProjectSyncAgentWorkflow: one per project, started or signalled on each edit the consumer sees.

It debounces (plans once no new edit came for `quiet_seconds`, or `max_wait_seconds` after the first
edit of a burst, whichever is first), runs the decision as an activity, and ends when no edit came
meanwhile. An edit signalled while it completes makes Temporal reject the completion, so the loop
sees it; one signalled after it ended starts a new execution. Signals carry change-feed seqs, and a
seq not above the highest seen is a duplicate (another consumer process, a redelivery): it neither
extends the wait nor causes a second decision.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from craftology.agents.datasync.messages import (
        AGENT_WORKFLOW,
        CHANGED_SIGNAL,
        DECIDE_ACTIVITY,
        AgentInput,
        DecideInput,
        ProjectChanged,
    )
    from craftology.workflows.retry import NON_RETRYABLE_ERROR_TYPES

DECIDE_TIMEOUT = timedelta(minutes=5)  # plans read the whole project
DECIDE_RETRY = RetryPolicy(
    maximum_interval=timedelta(seconds=30), maximum_attempts=10,
    non_retryable_error_types=NON_RETRYABLE_ERROR_TYPES,
)  # fmt: skip


@workflow.defn(name=AGENT_WORKFLOW)
class ProjectSyncAgentWorkflow:
    def __init__(self) -> None:
        self._latest = 0  # the highest seq signalled
        self._news = 0  # how many signals raised it

    @workflow.signal(name=CHANGED_SIGNAL)
    def changed(self, change: ProjectChanged) -> None:
        if change.seq > self._latest:
            self._latest = change.seq
            self._news += 1

    @workflow.run
    async def run(self, params: AgentInput) -> int:
        """Returns the last seq it decided on."""
        handled = 0
        while self._latest > handled:
            await self._burst_over(params)
            through = self._latest
            await workflow.execute_activity(
                DECIDE_ACTIVITY,
                DecideInput(params.tenant, params.project_id, through),
                start_to_close_timeout=DECIDE_TIMEOUT,
                retry_policy=DECIDE_RETRY,
                result_type=str,
            )
            handled = through
        return handled

    async def _burst_over(self, params: AgentInput) -> None:
        deadline = workflow.now() + timedelta(seconds=params.max_wait_seconds)
        while True:
            left = (deadline - workflow.now()).total_seconds()
            if left <= 0:
                return
            seen = self._news
            try:
                await workflow.wait_condition(
                    lambda seen=seen: self._news != seen,  # type: ignore[misc]
                    timeout=min(params.quiet_seconds, left),
                )
            except TimeoutError:
                return  # quiet for long enough (or the burst's time is up)
