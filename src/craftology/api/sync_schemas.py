"""Response bodies of the sync, run and asset routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from craftology.controlplane.runs import Run, RunSummary
from craftology.ports.metadata import Record
from craftology.sync.causes import TargetStatus, cause_to_dict
from craftology.workflows.models import SyncRunProgress


class TargetStatusOut(BaseModel):
    target: str
    kind: str
    status: str = Field(description="MISSING, STALE or FRESH (for a pinned target: what it would be)")
    pinned: bool
    causes: list[dict[str, Any]]
    explained: list[str] = Field(description="Each cause as one readable line")

    @classmethod
    def of(cls, status: TargetStatus) -> TargetStatusOut:
        return cls(
            target=status.target, kind=status.kind.value, status=status.status.value.upper(),
            pinned=status.pinned, causes=[cause_to_dict(c) for c in status.causes],
            explained=[c.render() for c in status.causes],
        )  # fmt: skip


class TargetList(BaseModel):
    items: list[TargetStatusOut] = Field(description="One page of targets, in dependency order")
    counts: dict[str, int] = Field(description="Targets of the whole project by status")
    next_cursor: str | None = None


class ProgressOut(BaseModel):
    total: int = Field(description="Targets in the run's plan")
    done: int = Field(description="Targets that have ended (generated, skipped, superseded or failed)")
    counts: dict[str, int] = Field(description="Ended targets by outcome")
    in_flight: list[str] = Field(
        description="Targets being made now or next in line (the first 50, in plan order)"
    )


class RunOut(BaseModel):
    id: str
    project_id: str
    status: str
    plan_size: int
    generated: int
    skipped: int
    superseded: int
    failed: int
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    summary: RunSummary
    progress: ProgressOut | None = Field(default=None, description="Live counts while the run is running")

    @classmethod
    def of(cls, run: Run, progress: SyncRunProgress | None = None) -> RunOut:
        live = None
        if progress is not None:
            live = ProgressOut(
                total=progress.total, done=progress.done, counts=progress.counts, in_flight=progress.in_flight
            )
        return cls(
            id=run.id, project_id=run.project_id, status=run.status.value, plan_size=run.plan_size,
            generated=run.generated, skipped=run.skipped, superseded=run.superseded, failed=run.failed,
            started_at=run.started_at, finished_at=run.finished_at, error=run.error,
            summary=run.summary, progress=live,
        )  # fmt: skip


class RunTargetOut(BaseModel):
    position: int = Field(description="Place in the run's plan (dependency order)")
    target: str
    state: str = Field(
        description="waiting, ready, running, or how it ended: generated, skipped, superseded, failed"
    )
    asset_id: str | None = None
    detail: str = Field(description="Why it failed or was superseded; empty otherwise")


class RunTargetList(BaseModel):
    items: list[RunTargetOut]
    next_cursor: str | None = None


class AssetOut(BaseModel):
    id: str
    project_id: str | None
    target: str
    fingerprint: str
    content_type: str
    size: int
    source: str
    metadata: dict[str, Any]
    provenance: dict[str, Any]
    run_id: str | None
    created_at: str

    @classmethod
    def of(cls, record: Record) -> AssetOut:
        d = record.data
        return cls(
            id=record.id, project_id=record.project_id, target=d["target"], fingerprint=d["fingerprint"],
            content_type=d["content_type"], size=d["size"], source=d["source"],
            metadata=d.get("metadata", {}), provenance=d["provenance"], run_id=d.get("run_id"),
            created_at=d["created_at"],
        )  # fmt: skip


class AcceptIn(BaseModel):
    asset_id: str


class PinIn(BaseModel):
    pinned: bool


class SeedIn(BaseModel):
    seed: int | None = Field(
        ge=0, le=2**63 - 1, description="The target's own seed; null goes back to the default one."
    )


class TargetRecordOut(BaseModel):
    target: str
    accepted_asset_id: str | None
    pinned: bool
    seed: int | None = Field(default=None, description="The target's own seed, when it has one.")


class AssetList(BaseModel):
    items: list[AssetOut]
    next_cursor: str | None = None
