"""What the data-sync agent decides once a burst of edits is over, and how a person approves it.

The decision is recorded with the project's agent state (the last change-feed seq it handled) in one
commit, so a second workflow execution or a redelivered signal for edits already handled decides
nothing again. Automatic runs are the platform acting on the project's own setting (`auto_sync`,
turned on by someone allowed to update the project): the change feed does not say who edited, so
they start as the tenant's system principal. An approval starts the run as the approving user.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from craftology.agents.datasync.feed import (
    ACTIVITY,
    ActivityEntry,
    entry_of,
    feed_query,
    missing,
    new_entry,
    put_new,
)
from craftology.errors import Conflict, NotFound, PreconditionFailed
from craftology.identity.principal import Principal, system_principal
from craftology.ports.metadata import MUST_NOT_EXIST, MetadataStore, Op, Put, Query
from craftology.projects.service import ProjectService
from craftology.runs.service import SyncService
from craftology.sync.plan import Plan

STATE = "sync_agent"  # one record per project: {"handled_seq": n}
AGENT = "sync-agent"
MAX_CAUSES = 5


def root_causes(plan: Plan) -> list[str]:
    seen: dict[str, None] = {}
    for item in plan.items:
        for cause in item.root_causes:
            seen.setdefault(cause.render(), None)
    return list(seen)


def because(causes: Sequence[str]) -> str:
    shown = "; ".join(causes[:MAX_CAUSES])
    more = f" and {len(causes) - MAX_CAUSES} more" if len(causes) > MAX_CAUSES else ""
    return f" because {shown}{more}" if causes else ""


class DataSyncAgent:
    def __init__(self, projects: ProjectService, sync: SyncService, metadata: MetadataStore) -> None:
        self._projects = projects
        self._sync = sync
        self._metadata = metadata

    # --- the decision (the workflow's activity) ---

    async def decide(self, tenant: str, project_id: str, through_seq: int) -> str:
        """Plans the project for its edits up to `through_seq` and acts; returns what it did."""
        system = system_principal(tenant)
        state = await asyncio.to_thread(self._state, tenant, project_id)
        handled = int(state.data["handled_seq"]) if state is not None else 0
        if through_seq <= handled:
            return "already handled"
        try:
            project = await asyncio.to_thread(self._projects.get_project, system, project_id)
        except NotFound:
            return "project deleted"
        settings = project.value.settings
        if not settings.auto_sync:
            return "auto_sync is off"
        plan = await asyncio.to_thread(self._sync.plan, system, project_id)
        entry = await self._act(system, project_id, plan, settings.approval_threshold)
        ops: list[Op] = [
            Put(STATE, project_id, {"handled_seq": through_seq}, project_id=project_id,
                expect=state.expect if state is not None else MUST_NOT_EXIST),
            put_new(entry),
        ]  # fmt: skip
        try:
            await asyncio.to_thread(self._metadata.commit, tenant, ops)
        except (PreconditionFailed, Conflict):
            return "decided meanwhile by another execution"
        await asyncio.to_thread(self._supersede_waiting, tenant, project_id, entry.id)
        return entry.kind

    def _supersede_waiting(self, tenant: str, project_id: str, newest: str) -> None:
        """Older plans still waiting for approval are out of date once a newer decision is made: they
        can no longer be approved. Best effort after the decision's own commit, so an approval racing
        it costs nothing but this (the approval wins)."""
        query = Query(ACTIVITY, project_id=project_id, where={"status": "waiting"}, limit=1000)
        for record in self._metadata.find(tenant, query).records:
            if record.id == newest:
                continue
            stale = entry_of(record.data).model_copy(update={"status": "superseded", "superseded_by": newest})
            put = Put(ACTIVITY, record.id, stale.model_dump(), project_id=project_id, expect=record.revision)
            with contextlib.suppress(PreconditionFailed, Conflict):
                self._metadata.commit(tenant, [put])

    async def _act(self, system: Principal, project_id: str, plan: Plan, threshold: float) -> ActivityEntry:
        causes = root_causes(plan)
        size, cost = len(plan.items), plan.total_cost
        what = f"{size} target{'s' if size != 1 else ''} to make{because(causes)}"

        def entry(kind: str, status: str, message: str, **more: object) -> ActivityEntry:
            facts = {"targets": size, "cost": cost, "threshold": threshold, "causes": causes, **more}
            return new_entry(project_id, actor=AGENT, kind=kind, status=status, message=message, **facts)

        if not plan.items:
            return entry("up_to_date", "done", "nothing to regenerate: every target is fresh or pinned")
        if cost > threshold:
            message = f"plan costs {cost:.2f} > threshold {threshold:.2f}: waiting for approval ({what})"
            return entry("waiting_for_approval", "waiting", message)
        try:
            run = await self._sync.start_run(system, project_id)
        except Conflict as conflict:
            blocking = str(conflict.extra.get("run_id") or "")
            message = f"{what}; run {blocking} is still going: its follow-up picks these edits up"
            return entry("run_in_progress", "done", message, run_id=blocking or None)
        cost = run.summary.total_cost
        message = f"{what}; estimated {cost:.2f} <= threshold {threshold:.2f}; started run {run.id}"
        return entry("run_started", "done", message, run_id=run.id, cost=cost)

    def _state(self, tenant: str, project_id: str) -> Put | None:
        try:
            record = self._metadata.get(tenant, STATE, project_id)
        except NotFound:
            return None
        return Put(STATE, record.id, record.data, project_id=project_id, expect=record.revision)

    # --- what people do with the feed ---

    def feed(
        self, principal: Principal, project_id: str, cursor: str | None, limit: int
    ) -> tuple[list[ActivityEntry], str | None]:
        """The project's feed, oldest first, one page at a time."""
        self._projects.get_project(principal, project_id)  # may read it (404 for another tenant's)
        page = self._metadata.find(principal.tenant, feed_query(project_id, cursor, limit))
        return [entry_of(record.data) for record in page.records], page.next_cursor

    async def approve(self, principal: Principal, project_id: str, entry_id: str) -> ActivityEntry:
        """Starts the sync a waiting entry proposed, as `principal` (who must be allowed to start
        runs); the entry becomes `approved` and a new entry says who approved and which run started."""
        await asyncio.to_thread(self._projects.get_project, principal, project_id)
        try:
            record = await asyncio.to_thread(self._metadata.get, principal.tenant, ACTIVITY, entry_id)
        except NotFound:
            raise missing(entry_id, project_id) from None
        entry = entry_of(record.data)
        if entry.project_id != project_id:
            raise missing(entry_id, project_id)
        if entry.status != "waiting":
            raise Conflict(f"activity entry {entry_id} is not waiting for approval (it is {entry.status})")
        run = await self._sync.start_run(principal, project_id)
        cost = run.summary.total_cost
        note = new_entry(
            project_id, actor=principal.user_id, kind="approved", status="done", targets=run.plan_size,
            cost=cost, causes=entry.causes, run_id=run.id, approval_of=entry.id,
            message=f"{principal.user_id} approved the plan of {entry.id}: started run {run.id} "
            f"(estimated {cost:.2f})",
        )  # fmt: skip
        approved = entry.model_copy(update={"status": "approved", "approved_by": principal.user_id,
                                            "run_id": run.id})  # fmt: skip
        ops: list[Op] = [
            Put(ACTIVITY, entry.id, approved.model_dump(), project_id=project_id, expect=record.revision),
            put_new(note),
        ]
        await asyncio.to_thread(self._metadata.commit, principal.tenant, ops)
        return note
