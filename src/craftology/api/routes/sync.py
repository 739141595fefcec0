"""Targets, plans, sync runs and assets of a project."""

from __future__ import annotations

import asyncio
import tempfile
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi import Query as QueryParam
from fastapi.responses import StreamingResponse

from craftology.api.body_limit import upload_body
from craftology.api.deps import Caller, Projects
from craftology.api.params import TARGET, AssetId, ProjectId, RunId, TargetId
from craftology.api.problems import BODY_PROBLEMS, problem_responses
from craftology.api.ranges import CONTENT_RESPONSES, blob_response
from craftology.api.routes.projects import Page
from craftology.api.sync_schemas import (
    AcceptIn,
    AssetList,
    AssetOut,
    PinIn,
    RunOut,
    RunTargetList,
    RunTargetOut,
    SeedIn,
    TargetList,
    TargetRecordOut,
    TargetStatusOut,
)
from craftology.assets.curation import Curation
from craftology.assets.records import ASSETS
from craftology.assets.uploads import EXTENSIONS, HEAD_BYTES, UPLOAD_MEDIA_TYPES, check_upload
from craftology.errors import BadInput
from craftology.ports.assets import CHUNK_SIZE, AssetStore
from craftology.ports.metadata import Query
from craftology.runs.service import SyncService
from craftology.sync.plan import Plan

SPOOL_BYTES = 8 * 1_048_576
RangeHeader = Annotated[
    str | None,
    Header(
        alias="range",
        description="`bytes=first-last`, `bytes=first-` or `bytes=-suffix`: one range, answered 206. "
        "Other forms are ignored (the whole content, 200).",
    ),
]


def build_sync_router(sync: SyncService, curation: Curation, assets: AssetStore) -> APIRouter:
    router = APIRouter(tags=["sync"])

    @router.get("/projects/{project_id}/targets", response_model=TargetList)
    def list_targets(
        project_id: ProjectId,
        caller: Caller,
        projects: Projects,
        page: Page,
        request: Request,
        response: Response,
    ) -> TargetList:
        """The project's targets (card sheets, shot keyframes and clips, the cut) in dependency order,
        one page at a time, each with its status (MISSING, STALE, FRESH) and typed causes."""
        projects.get_project(caller, project_id)
        start = _offset(page.cursor)
        statuses, counts, total = sync.status_page(caller, project_id, start, page.limit)
        end = start + page.limit
        following = str(end) if end < total else None
        _link_next(request, response, following)
        items = [TargetStatusOut.of(s) for s in statuses]
        return TargetList(items=items, counts=counts, next_cursor=following)

    @router.get("/projects/{project_id}/plan")
    def preview_plan(project_id: ProjectId, caller: Caller, projects: Projects) -> dict[str, object]:
        """What a sync would regenerate now: stale and missing targets in dependency order, each with
        its causes, root causes and estimated cost (from the model registry)."""
        projects.get_project(caller, project_id)
        plan: Plan = sync.plan(caller, project_id)
        return plan.to_dict()

    @router.post(
        "/projects/{project_id}/runs",
        status_code=202,
        response_model=RunOut,
        responses=problem_responses(409),
    )
    async def start_run(
        project_id: ProjectId, caller: Caller, projects: Projects, request: Request, response: Response
    ) -> RunOut:
        """Start a sync run: the current plan executes durably on Temporal. Poll the run for progress."""
        await asyncio.to_thread(projects.get_project, caller, project_id)
        run = await sync.start_run(caller, project_id)
        response.headers["Location"] = str(request.url_for("get_run", run_id=run.id))
        return RunOut.of(run)

    @router.get("/projects/{project_id}/runs", response_model=list[RunOut])
    def list_runs(project_id: ProjectId, caller: Caller, projects: Projects) -> list[RunOut]:
        """The project's runs, newest first."""
        projects.get_project(caller, project_id)
        return [RunOut.of(run) for run in sync.list_runs(caller, project_id)]

    @router.get("/runs/{run_id}", response_model=RunOut)
    async def get_run(run_id: RunId, caller: Caller) -> RunOut:
        """A run with its counters and, while it runs, live progress (done, in flight)."""
        view = await sync.get_run(caller, run_id)
        return RunOut.of(view.run, view.progress)

    @router.get("/runs/{run_id}/targets", response_model=RunTargetList)
    def list_run_targets(
        run_id: RunId, caller: Caller, page: Page, request: Request, response: Response
    ) -> RunTargetList:
        """The run's targets in plan order, one page at a time, each with how it ended (or where it
        is while the run runs)."""
        rows = sync.run_targets(caller, run_id, _offset(page.cursor) - 1, page.limit)
        following = str(rows[-1].position + 1) if len(rows) == page.limit else None
        _link_next(request, response, following)
        items = [RunTargetOut(**{**vars(row), "state": row.state.value}) for row in rows]
        return RunTargetList(items=items, next_cursor=following)

    @router.post(
        "/runs/{run_id}/cancel", status_code=202, response_model=RunOut, responses=problem_responses(409)
    )
    async def cancel_run(run_id: RunId, caller: Caller) -> RunOut:
        """Ask a running sync to stop; in-flight targets are cancelled, finished ones stay."""
        return RunOut.of(await sync.cancel_run(caller, run_id))

    @router.get("/projects/{project_id}/assets", response_model=AssetList)
    def list_assets(
        project_id: ProjectId,
        caller: Caller,
        projects: Projects,
        page: Page,
        request: Request,
        response: Response,
        target: Annotated[
            str | None, QueryParam(pattern=TARGET, description="Only the assets of this target.")
        ] = None,
    ) -> AssetList:
        """Assets of the project (optionally of one target) with their provenance, one page at a time."""
        projects.get_project(caller, project_id)
        where = {"target": target} if target else {}
        query = Query(ASSETS, project_id=project_id, cursor=page.cursor, limit=page.limit, where=where)
        found = curation.find_assets(caller, query)
        _link_next(request, response, found.next_cursor)
        return AssetList(items=[AssetOut.of(r) for r in found.records], next_cursor=found.next_cursor)

    @router.get("/assets/{asset_id}", response_model=AssetOut)
    def get_asset(asset_id: AssetId, caller: Caller) -> AssetOut:
        """An asset's metadata and provenance (fingerprint, input snapshot, code version)."""
        return AssetOut.of(curation.get_asset(caller, asset_id))

    @router.get(
        "/assets/{asset_id}/content",
        response_class=StreamingResponse,
        responses={**CONTENT_RESPONSES, **problem_responses(416)},
    )
    def download_asset(
        asset_id: AssetId, caller: Caller, range_header: RangeHeader = None
    ) -> StreamingResponse:
        """The asset's bytes with its content type; supports `Range: bytes=...` (206)."""
        record = curation.get_asset(caller, asset_id)
        data = record.data
        extension = EXTENSIONS.get(data["content_type"], "bin")
        name = f"{(data['target'] or record.id).replace('/', '-')}.{extension}"  # a one-off has no target
        return blob_response(
            assets,
            caller.tenant,
            data["blob_key"],
            data["size"],
            data["content_type"],
            range_header,
            name,
        )

    @router.get("/projects/{project_id}/targets/{target:path}/status", response_model=TargetStatusOut)
    def get_target(project_id: ProjectId, target: TargetId, caller: Caller) -> TargetStatusOut:
        """One target's status and causes."""
        return TargetStatusOut.of(sync.status(caller, project_id, target))

    @router.post(
        "/projects/{project_id}/targets/{target:path}/accept",
        response_model=TargetRecordOut,
        responses=BODY_PROBLEMS,
    )
    def accept(project_id: ProjectId, target: TargetId, body: AcceptIn, caller: Caller) -> TargetRecordOut:
        """Make an asset the accepted version of its target (review mode); downstream builds on it."""
        return TargetRecordOut.model_validate(curation.accept(caller, project_id, target, body.asset_id))

    @router.post(
        "/projects/{project_id}/targets/{target:path}/pin",
        response_model=TargetRecordOut,
        responses=BODY_PROBLEMS,
    )
    def pin(project_id: ProjectId, target: TargetId, body: PinIn, caller: Caller) -> TargetRecordOut:
        """Pin a target (kept as is, never planned; shown as "pinned, would be stale") or unpin it."""
        return TargetRecordOut.model_validate(curation.pin(caller, project_id, target, body.pinned))

    @router.put(
        "/projects/{project_id}/targets/{target:path}/seed",
        response_model=TargetRecordOut,
        responses=BODY_PROBLEMS,
    )
    def seed(project_id: ProjectId, target: TargetId, body: SeedIn, caller: Caller) -> TargetRecordOut:
        """Give a target its own seed, or null for the default one. Its accepted asset turns STALE with
        a SEED cause, and the next sync makes it again with that seed."""
        return TargetRecordOut.model_validate(curation.set_seed(caller, project_id, target, body.seed))

    @router.put(
        "/projects/{project_id}/targets/{target:path}/upload",
        status_code=201,
        response_model=AssetOut,
        openapi_extra=upload_body(*UPLOAD_MEDIA_TYPES),
    )
    async def upload(
        project_id: ProjectId, target: TargetId, caller: Caller, projects: Projects, request: Request
    ) -> AssetOut:
        """Replace a target's asset with an uploaded file (raw body; Content-Type image/png, image/jpeg
        or image/webp for sheets and keyframes, video/mp4 for clips and the cut). The file must be
        what it is declared to be by its first bytes (422 otherwise, and nothing is stored). It
        becomes the accepted version."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        await asyncio.to_thread(projects.get_project, caller, project_id)
        head = b""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            async for chunk in request.stream():
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                    if len(head) == HEAD_BYTES:
                        check_upload(target, content_type, head)  # refuse before reading the rest
                spool.write(chunk)
            check_upload(target, content_type, head)
            spool.seek(0)
            chunks = iter(lambda: spool.read(CHUNK_SIZE), b"")
            record = await asyncio.to_thread(
                curation.upload, caller, project_id, target, chunks, content_type
            )
        return AssetOut.of(record)

    return router


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise BadInput("cursor: not a cursor this list gave out")
    return int(cursor)


def _link_next(request: Request, response: Response, cursor: str | None) -> None:
    if cursor is not None:
        following = request.url.include_query_params(cursor=cursor)
        response.headers["Link"] = f'<{following}>; rel="next"'
