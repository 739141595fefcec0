"""The sync-run workflow's activities: ``run_target`` hands one target to a ``TargetRunner``; the
bookkeeping steps hand the run's record to a ``RunLedger``. Errors are mapped onto Temporal's retry
semantics here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from craftology.errors import CraftologyError
from craftology.workflows.models import (
    BEGIN_RUN_ACTIVITY,
    FINISH_RUN_ACTIVITY,
    REPORT_AND_CLAIM_ACTIVITY,
    RUN_TARGET_ACTIVITY,
    FinishRunInput,
    ReportAndClaimInput,
    ReportAndClaimResult,
    RunRef,
    TargetActivityInput,
    TargetOutcome,
)
from craftology.workflows.retry import is_request_error


class TargetRunner(Protocol):
    """Does the work of one target (skip if its fingerprint exists, else generate and record it).

    Synchronous; runs in a worker thread. It must call ``heartbeat`` at least once per heartbeat timeout
    (60 s by default) while working, which is also how it learns of cancellation: the worker raises
    ``CancelledError`` in its thread after a heartbeat once the run is cancelled. Raise a request-class
    error (``BadInput``, ``NotFound``, ``Conflict``... any 4xx ``CraftologyError``) for failures a retry
    cannot fix; anything else, ``TransientError`` included, is retried with backoff. Return
    ``superseded`` when the target's inputs no longer match ``task.inputs_digest``.
    """

    def run(self, task: TargetActivityInput, heartbeat: Callable[[str], None]) -> TargetOutcome: ...


class RunLedger(Protocol):
    """Where a run's record lives (the control plane). Every method is idempotent: Temporal may run
    any of them again after a crash or a retry."""

    def begin(self, ref: RunRef) -> bool:
        """Marks the run running; False if it already ended (nothing left to do)."""
        ...

    def report_and_claim(self, step: ReportAndClaimInput) -> ReportAndClaimResult:
        """Records outcomes, updates counters and dependents, then claims ready tasks: one transaction."""
        ...

    async def finish(self, finish: FinishRunInput) -> None:
        """Records how the run ended, emits its events and starts its follow-up run if it needs one."""
        ...


def _heartbeat(detail: str) -> None:
    activity.heartbeat(detail)


def temporal_error(error: CraftologyError) -> ApplicationError:
    """The error as Temporal sees it: typed by class name, retried only if it is not the request's
    fault."""
    return ApplicationError(error.detail, type=type(error).__name__, non_retryable=is_request_error(error))


class SyncActivities:
    """Activities of the sync-run workflow. The synchronous ones need a worker with a thread pool."""

    def __init__(self, runner: TargetRunner, ledger: RunLedger) -> None:
        self._runner = runner
        self._ledger = ledger

    @activity.defn(name=RUN_TARGET_ACTIVITY)
    def run_target(self, task: TargetActivityInput) -> TargetOutcome:
        """Runs one target; a request-class error fails it for good, every other error is retried."""
        try:
            return self._runner.run(task, _heartbeat)
        except CraftologyError as err:
            raise temporal_error(err) from err

    @activity.defn(name=BEGIN_RUN_ACTIVITY)
    def begin_run(self, ref: RunRef) -> bool:
        return self._ledger.begin(ref)

    @activity.defn(name=REPORT_AND_CLAIM_ACTIVITY)
    def report_and_claim(self, step: ReportAndClaimInput) -> ReportAndClaimResult:
        return self._ledger.report_and_claim(step)

    @activity.defn(name=FINISH_RUN_ACTIVITY)
    async def finish_run(self, finish: FinishRunInput) -> None:
        await self._ledger.finish(finish)

    def all(self) -> list[Callable[..., object]]:
        return [self.run_target, self.begin_run, self.report_and_claim, self.finish_run]
