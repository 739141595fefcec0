"""A project's activity feed: what the data-sync agent (and people approving it) did, and why.

Entries are records of the tenant's metadata store (collection `activity`), ordered by their id,
which starts with the time of writing, so every process reads the same feed in the same order.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from craftology.errors import NotFound
from craftology.ports.metadata import MUST_NOT_EXIST, Put, Query

ACTIVITY = "activity"

Kind = Literal["run_started", "waiting_for_approval", "up_to_date", "run_in_progress", "approved"]
EntryStatus = Literal["done", "waiting", "approved", "superseded"]


class ActivityEntry(BaseModel):
    """One thing the data-sync agent did (or a person did to its proposal), with the reason."""

    id: str
    project_id: str
    at: str = Field(description="When it was recorded (ISO 8601, UTC).")
    actor: str = Field(description="`sync-agent`, or the id of the user who acted (an approval).")
    kind: Kind
    status: EntryStatus = Field(
        description="`waiting`: a plan waiting for approval; `approved`: it was; `superseded`: a newer "
        "decision replaced it before anyone approved it."
    )
    message: str = Field(description="What happened and why, in a sentence.")
    targets: int = Field(description="How many targets the plan would (re)generate.")
    cost: float | None = Field(default=None, description="The plan's estimated cost.")
    threshold: float | None = Field(default=None, description="The project's approval threshold then.")
    causes: list[str] = Field(default_factory=list, description="The root causes of the plan.")
    run_id: str | None = Field(default=None, description="The sync run started, if any.")
    approved_by: str | None = None
    approval_of: str | None = Field(default=None, description="The waiting entry this one approved.")
    superseded_by: str | None = Field(default=None, description="The newer decision that replaced it.")


def new_entry_id() -> str:
    """Sortable by time of writing; the random tail keeps ids of one nanosecond apart."""
    return f"a{time.time_ns():020d}{secrets.token_hex(3)}"


def new_entry(project_id: str, **fields: object) -> ActivityEntry:
    at = datetime.now(UTC).isoformat()
    return ActivityEntry.model_validate({"id": new_entry_id(), "project_id": project_id, "at": at, **fields})


def put_new(entry: ActivityEntry) -> Put:
    """The op that adds `entry` to its project's feed (committed with whatever the decision wrote)."""
    return Put(ACTIVITY, entry.id, entry.model_dump(), project_id=entry.project_id, expect=MUST_NOT_EXIST)


def entry_of(data: dict[str, object]) -> ActivityEntry:
    return ActivityEntry.model_validate(data)


def feed_query(project_id: str, cursor: str | None, limit: int) -> Query:
    return Query(ACTIVITY, project_id=project_id, cursor=cursor, limit=limit)


def missing(entry_id: str, project_id: str) -> NotFound:
    return NotFound(f"no activity entry {entry_id!r} in project {project_id!r}")
