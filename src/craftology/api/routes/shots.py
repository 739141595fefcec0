"""/v1/projects/{project_id}/shots: the ordered storyboard panels of a project."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from craftology.api.deps import Projects, Tenant
from craftology.api.pagination import PageOut, page_response
from craftology.api.params import ProjectId, ShotId
from craftology.api.preconditions import etag
from craftology.api.problems import BODY_PROBLEMS, WRITE_PROBLEMS, problem_responses
from craftology.api.routes.projects import MergePatch, Page, Revision
from craftology.api.schemas import HistoryEntry, ReorderIn, ShotOut
from craftology.projects.base import SHOTS
from craftology.projects.models import ShotIn

router = APIRouter(prefix="/projects/{project_id}/shots", tags=["shots"])


@router.post(
    "", status_code=201, response_model=ShotOut, responses={**BODY_PROBLEMS, **problem_responses(409)}
)
def create_shot(
    project_id: ProjectId,
    body: ShotIn,
    tenant: Tenant,
    projects: Projects,
    request: Request,
    response: Response,
) -> ShotOut:
    """Append a shot at the end of the storyboard. Its `cards` must be cards of this project (422
    naming the unknown ones). Returns Location and ETag."""
    created = projects.create_shot(tenant, project_id, body)
    location = request.url_for("get_shot", project_id=project_id, shot_id=created.value.id)
    response.headers["Location"] = str(location)
    response.headers["ETag"] = etag(created.revision)
    return ShotOut.of(created)


@router.get("", response_model=PageOut[ShotOut])
def list_shots(
    project_id: ProjectId,
    tenant: Tenant,
    projects: Projects,
    page: Page,
    request: Request,
    response: Response,
) -> PageOut[ShotOut]:
    """The project's shots in storyboard order, one page at a time."""
    listing = projects.list_shots(tenant, project_id, page.cursor, page.limit)
    return page_response(request, response, listing, ShotOut.of)


@router.post("/reorder", response_model=list[ShotOut], responses=BODY_PROBLEMS)
def reorder_shots(
    project_id: ProjectId, body: ReorderIn, tenant: Tenant, projects: Projects
) -> list[ShotOut]:
    """Put the shots in a new order in one atomic write. `shot_ids` must name every shot of the
    project exactly once (422 listing repeated, unknown and missing ids). Returns the shots in order."""
    return [ShotOut.of(s) for s in projects.reorder_shots(tenant, project_id, body.shot_ids)]


@router.get("/{shot_id}", response_model=ShotOut)
def get_shot(
    project_id: ProjectId, shot_id: ShotId, tenant: Tenant, projects: Projects, response: Response
) -> ShotOut:
    """One shot, with its revision as ETag."""
    found = projects.get_shot(tenant, project_id, shot_id)
    response.headers["ETag"] = etag(found.revision)
    return ShotOut.of(found)


@router.patch("/{shot_id}", response_model=ShotOut, responses={**BODY_PROBLEMS, **WRITE_PROBLEMS})
def patch_shot(
    project_id: ProjectId,
    shot_id: ShotId,
    patch: MergePatch,
    revision: Revision,
    tenant: Tenant,
    projects: Projects,
    response: Response,
) -> ShotOut:
    """Merge-patch (RFC 7396) the description, camera, framing, motion, duration and cards,
    validated as a whole after merging (order changes go through reorder). Requires If-Match."""
    updated = projects.update_shot(tenant, project_id, shot_id, patch, revision)
    response.headers["ETag"] = etag(updated.revision)
    return ShotOut.of(updated)


@router.delete("/{shot_id}", status_code=204, response_class=Response, responses=WRITE_PROBLEMS)
def delete_shot(
    project_id: ProjectId, shot_id: ShotId, revision: Revision, tenant: Tenant, projects: Projects
) -> Response:
    """Delete a shot; the later shots move up so the order stays 0..n-1. Requires If-Match."""
    projects.delete_shot(tenant, project_id, shot_id, revision)
    return Response(status_code=204)


@router.get("/{shot_id}/history", response_model=list[HistoryEntry])
def shot_history(
    project_id: ProjectId, shot_id: ShotId, tenant: Tenant, projects: Projects
) -> list[HistoryEntry]:
    """Every revision of the shot, oldest first (a deletion has empty data)."""
    return [HistoryEntry.of(r) for r in projects.history(tenant, SHOTS, shot_id, project_id)]
