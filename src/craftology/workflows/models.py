"""Inputs and outputs of the sync-run workflow and its activity.

Plain dataclasses so Temporal's default data converter serialises them, and so fields can be added later
with defaults without breaking runs already in flight.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

RUN_TARGET_ACTIVITY = "run_target"
SYNC_RUN_WORKFLOW = "SyncRun"

GENERATED = "generated"
SKIPPED = "skipped"
SUPERSEDED = "superseded"
FAILED = "failed"
OUTCOME_STATUSES = (GENERATED, SKIPPED, SUPERSEDED, FAILED)


@dataclass
class TargetTask:
    """One node of the plan DAG."""

    target: str  # e.g. "shot/s1/keyframe"
    deps: list[str] = field(default_factory=list)  # targets of this plan that must finish first
    inputs_digest: str = ""  # digest of the target's own inputs at plan time, to detect superseding


@dataclass
class TargetOutcome:
    """What happened to one target. ``status`` is one of ``OUTCOME_STATUSES``."""

    target: str
    status: str
    asset_id: str | None = None
    detail: str = ""


@dataclass
class SyncRunInput:
    """One sync run: the plan's tasks in dependency order and how to execute them."""

    tenant: str
    project_id: str
    run_id: str
    tasks: list[TargetTask]
    max_parallel: int = 4
    activity_timeout_seconds: float = 600.0
    heartbeat_timeout_seconds: float = 60.0
    # Activities completed per workflow execution before continuing as new, to bound history size.
    history_task_limit: int = 2000
    # Filled in by the workflow itself when it continues as new; callers leave it empty.
    carried_outcomes: list[TargetOutcome] = field(default_factory=list)
    plan_order: list[str] = field(default_factory=list)  # every target of the original plan, in order


@dataclass
class TargetActivityInput:
    """What the ``run_target`` activity receives for one target."""

    tenant: str
    project_id: str
    run_id: str
    target: str
    inputs_digest: str


def count_by_status(outcomes: list[TargetOutcome]) -> dict[str, int]:
    counts = Counter(outcome.status for outcome in outcomes)
    return {status: counts.get(status, 0) for status in OUTCOME_STATUSES}


@dataclass
class SyncRunResult:
    """Every target's outcome, in plan order, with counts by status."""

    run_id: str
    outcomes: list[TargetOutcome]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class SyncRunProgress:
    """Live progress answered by the ``progress`` query."""

    total: int
    done: int
    counts: dict[str, int]
    in_flight: list[str]
