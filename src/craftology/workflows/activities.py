"""The ``run_target`` activity: hands one target to a ``TargetRunner`` and maps its errors onto
Temporal's retry semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from craftology.errors import BadInput, TransientError
from craftology.workflows.models import RUN_TARGET_ACTIVITY, TargetActivityInput, TargetOutcome


class TargetRunner(Protocol):
    """Does the work of one target (skip if its fingerprint exists, else generate and record it).

    Synchronous; runs in a worker thread. It must call ``heartbeat`` at least once per heartbeat timeout
    (60 s by default) while working, which is also how it learns of cancellation: the worker raises
    ``CancelledError`` in its thread after a heartbeat once the run is cancelled. Raise ``BadInput`` for
    failures a retry cannot fix; anything else, ``TransientError`` included, is retried with backoff.
    Return ``superseded`` when the target's inputs no longer match ``task.inputs_digest``.
    """

    def run(self, task: TargetActivityInput, heartbeat: Callable[[str], None]) -> TargetOutcome: ...


def _heartbeat(detail: str) -> None:
    activity.heartbeat(detail)


class SyncActivities:
    """Activities of the sync-run workflow; register ``run_target`` on a worker with a thread pool."""

    def __init__(self, runner: TargetRunner) -> None:
        self._runner = runner

    @activity.defn(name=RUN_TARGET_ACTIVITY)
    def run_target(self, task: TargetActivityInput) -> TargetOutcome:
        """Runs one target; BadInput fails it for good, every other error is retried."""
        try:
            return self._runner.run(task, _heartbeat)
        except BadInput as err:
            raise ApplicationError(err.detail, type="BadInput", non_retryable=True) from err
        except TransientError as err:
            raise ApplicationError(err.detail, type="TransientError") from err
