"""Inputs and outputs of the sync-run workflow and its activities.

Plain dataclasses so Temporal's default data converter serialises them, and so fields can be added later
with defaults without breaking runs already in flight. Every message is small: ids, digests and at most
a batch of claimed tasks. The plan itself lives in the control plane (`run_tasks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

RUN_TARGET_ACTIVITY = "run_target"
BEGIN_RUN_ACTIVITY = "begin_run"
REPORT_AND_CLAIM_ACTIVITY = "report_and_claim"
FINISH_RUN_ACTIVITY = "finish_run"
SYNC_RUN_WORKFLOW = "SyncRun"

GENERATED = "generated"
SKIPPED = "skipped"
SUPERSEDED = "superseded"
FAILED = "failed"
OUTCOME_STATUSES = (GENERATED, SKIPPED, SUPERSEDED, FAILED)


@dataclass
class TargetOutcome:
    """What happened to one target. ``status`` is one of ``OUTCOME_STATUSES``."""

    target: str
    status: str
    asset_id: str | None = None
    detail: str = ""


@dataclass
class SyncRunInput:
    """One sync run, by id: its plan is stored with the run."""

    tenant: str
    project_id: str
    run_id: str
    max_parallel: int = 4
    activity_timeout_seconds: float = 600.0
    heartbeat_timeout_seconds: float = 60.0
    # Targets started per workflow execution before continuing as new, to bound history size.
    history_task_limit: int = 2000


@dataclass
class TargetActivityInput:
    """What the ``run_target`` activity receives for one target."""

    tenant: str
    project_id: str
    run_id: str
    target: str
    inputs_digest: str


@dataclass
class RunRef:
    tenant: str
    run_id: str


@dataclass
class TaskReport:
    """The outcome of the task at ``position`` of the run's plan."""

    position: int
    status: str
    asset_id: str | None = None
    detail: str = ""


@dataclass
class ClaimedTask:
    position: int
    target: str
    inputs_digest: str


@dataclass
class ReportAndClaimInput:
    """Outcomes to record, then up to ``claim_limit`` ready tasks to claim under ``claim_token``
    (deterministic per workflow step, so a re-executed claim returns the same tasks)."""

    tenant: str
    run_id: str
    reports: list[TaskReport] = field(default_factory=list)
    claim_token: str = ""
    claim_limit: int = 0


@dataclass
class ReportAndClaimResult:
    claimed: list[ClaimedTask]
    open: int  # tasks of the run that have not ended


@dataclass
class FinishRunInput:
    """How the workflow ended: ``cancelled`` when the run was cancelled; ``stuck`` when tasks were left
    that could never become ready (a dependency cycle)."""

    tenant: str
    run_id: str
    cancelled: bool = False
    stuck: bool = False


@dataclass
class SyncRunProgress:
    """Live progress of a run, read from the stores: counts by status, and the targets running now."""

    total: int
    done: int
    counts: dict[str, int]
    in_flight: list[str]
