"""Tools for what a sync would do and for sync runs: target status with causes, the plan, approving
it, starting a run and following it. The REST API's targets, plan and runs routes."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Annotated, Any

from pydantic import Field

from craftology.api.sync_schemas import RunOut, RunTargetList, RunTargetOut, TargetList, TargetStatusOut
from craftology.errors import BadInput, Conflict
from craftology.mcp.tooling import Call, Ctx, calling, tool
from craftology.mcp.tools.args import Cursor, Limit, ProjectId, RunId, TargetId
from craftology.sync.plan import Plan

PlanDigest = Annotated[
    str, Field(pattern=r"^[0-9a-f]{64}$", description="The `plan_digest` of the plan preview you approve.")
]


def plan_digest(plan: Plan) -> str:
    """What a plan would do, in one value: its targets with the inputs each would be made from, and
    their costs. Equal digests mean a run now makes exactly what was previewed."""
    items = [[item.target, item.inputs_digest, item.cost] for item in plan.items]
    return hashlib.sha256(json.dumps(items, separators=(",", ":")).encode()).hexdigest()


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise BadInput("cursor: not a cursor this list gave out")
    return int(cursor)


@tool("read_asset", "Target")
def target_status(ctx: Ctx, project_id: ProjectId, cursor: Cursor = None, limit: Limit = 50) -> TargetList:
    """The project's targets (card sheets, shot keyframes and clips, the cut) in dependency order, each
    MISSING, STALE or FRESH with its typed causes (`explained`: one readable line per cause), and the
    count by status of the whole project."""
    call = calling(ctx)
    call.services.projects.get_project(call.principal, project_id)
    start = _offset(cursor)
    statuses, counts, total = call.services.sync.status_page(call.principal, project_id, start, limit)
    following = str(start + limit) if start + limit < total else None
    return TargetList(items=[TargetStatusOut.of(s) for s in statuses], counts=counts, next_cursor=following)


@tool("read_asset", "Target", "target")
def get_target_status(ctx: Ctx, project_id: ProjectId, target: TargetId) -> TargetStatusOut:
    """One target's status and causes."""
    call = calling(ctx)
    return TargetStatusOut.of(call.services.sync.status(call.principal, project_id, target))


def _plan(call: Call, project_id: str) -> Plan:
    call.services.projects.get_project(call.principal, project_id)
    return call.services.sync.plan(call.principal, project_id)


@tool("plan_run", "Project", "project_id")
def preview_plan(ctx: Ctx, project_id: ProjectId) -> dict[str, Any]:
    """What a sync would regenerate now: stale and missing targets in dependency order, each with its
    causes and estimated cost, the total, and `plan_digest` to approve exactly this plan with."""
    plan = _plan(calling(ctx), project_id)
    return {**plan.to_dict(), "plan_digest": plan_digest(plan)}


async def _start(call: Call, project_id: str, approved: str | None = None) -> RunOut:
    if approved is not None:
        current = await asyncio.to_thread(_plan, call, project_id)
        if plan_digest(current) != approved:
            raise Conflict("the plan changed since it was previewed; preview it again and approve that")
    else:
        await asyncio.to_thread(call.services.projects.get_project, call.principal, project_id)
    return RunOut.of(await call.services.sync.start_run(call.principal, project_id))


@tool("start_run", "Project", "project_id")
async def approve_plan(ctx: Ctx, project_id: ProjectId, plan_digest: PlanDigest) -> RunOut:
    """Approve a previewed plan: start a sync run if the plan is still the one previewed (same targets,
    inputs and costs), else refuse so it can be previewed again. Follow the run with get_run."""
    return await _start(calling(ctx), project_id, plan_digest)


@tool("start_run", "Project", "project_id")
async def start_sync(ctx: Ctx, project_id: ProjectId) -> RunOut:
    """Start a sync run of the project's current plan now (it runs durably); follow it with get_run."""
    return await _start(calling(ctx), project_id)


@tool("read_run", "Run")
def list_runs(ctx: Ctx, project_id: ProjectId) -> list[RunOut]:
    """The project's sync runs, newest first."""
    call = calling(ctx)
    call.services.projects.get_project(call.principal, project_id)
    return [RunOut.of(run) for run in call.services.sync.list_runs(call.principal, project_id)]


@tool("read_run", "Run", "run_id")
async def get_run(ctx: Ctx, run_id: RunId) -> RunOut:
    """A run's status and counters and, while it runs, its progress (done, in flight)."""
    call = calling(ctx)
    view = await call.services.sync.get_run(call.principal, run_id)
    return RunOut.of(view.run, view.progress)


@tool("read_run", "Run", "run_id")
def run_targets(ctx: Ctx, run_id: RunId, cursor: Cursor = None, limit: Limit = 50) -> RunTargetList:
    """The run's targets in plan order, each with how it ended (or where it is while the run runs)."""
    call = calling(ctx)
    rows = call.services.sync.run_targets(call.principal, run_id, _offset(cursor) - 1, limit)
    following = str(rows[-1].position + 1) if len(rows) == limit else None
    items = [RunTargetOut(**{**vars(row), "state": row.state.value}) for row in rows]
    return RunTargetList(items=items, next_cursor=following)


@tool("cancel_run", "Run", "run_id")
async def cancel_run(ctx: Ctx, run_id: RunId) -> RunOut:
    """Ask a running sync to stop; finished targets stay."""
    call = calling(ctx)
    return RunOut.of(await call.services.sync.cancel_run(call.principal, run_id))
