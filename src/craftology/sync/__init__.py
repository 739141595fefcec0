"""Change-driven sync: targets, declared inputs, fingerprints, status with causes, plans.

Pure domain code (no I/O): the caller loads a `ProjectState`, builds a `SyncEngine`, applies
changes as they happen and asks for a `Plan`; `full_audit` recomputes everything from scratch.
"""

from craftology.sync.audit import (
    accept_everything,
    expected_targets_for_card_visual_edit,
    full_audit,
    render_statuses,
)
from craftology.sync.causes import (
    Cause,
    CodeCause,
    DataCause,
    MissingCause,
    SeedCause,
    Status,
    TargetStatus,
    UpstreamCause,
)
from craftology.sync.engine import SyncEngine
from craftology.sync.fingerprint import CodeVersion, ModelSpec, Provenance, Resolved, default_seed
from craftology.sync.plan import Plan, PlanItem, render_plan
from craftology.sync.state import (
    AssetAccepted,
    CardDeleted,
    CardUpserted,
    Change,
    ChangeResult,
    ModelChanged,
    Pinned,
    ProjectState,
    ProjectUpdated,
    SeedChanged,
    ShotDeleted,
    ShotsReordered,
    ShotUpserted,
)
from craftology.sync.targets import TargetKind, parse_target

__all__ = [
    "AssetAccepted",
    "CardDeleted",
    "CardUpserted",
    "Cause",
    "Change",
    "ChangeResult",
    "CodeCause",
    "CodeVersion",
    "DataCause",
    "MissingCause",
    "ModelChanged",
    "ModelSpec",
    "Pinned",
    "Plan",
    "PlanItem",
    "ProjectState",
    "ProjectUpdated",
    "Provenance",
    "Resolved",
    "SeedCause",
    "SeedChanged",
    "ShotDeleted",
    "ShotUpserted",
    "ShotsReordered",
    "Status",
    "SyncEngine",
    "TargetKind",
    "TargetStatus",
    "UpstreamCause",
    "accept_everything",
    "default_seed",
    "expected_targets_for_card_visual_edit",
    "full_audit",
    "parse_target",
    "render_plan",
    "render_statuses",
]
