"""/v1/projects/{project_id}/shots: the ordered storyboard panels of a project."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from craftology.api.deps import Caller, Projects
from craftology.api.pagination import PageOut, page_response
from craftology.api.params import ProjectId, ShotId
from craftology.api.preconditions import etag
from craftology.api.problems import BODY_PROBLEMS, WRITE_PROBLEMS, problem_responses
from craftology.api.routes.projects import MergePatch, Page, Revision
from craftology.api.schemas import HistoryEntry, MoveAfter, MoveIn, ReorderIn, ShotOut
from craftology.projects.base import SHOTS
from craftology.projects.models import ShotIn

router = APIRouter(prefix="/projects/{project_id}/shots", tags=["shots"])


@router.post(
    "", status_code=201, response_model=ShotOut, responses={**BODY_PROBLEMS, **problem_responses(409)}
)
def create_shot(
    project_id: ProjectId,
    body: ShotIn,
    caller: Caller,
    projects: Projects,
    request: Request,
    response: Response,
) -> ShotOut:
    """Append a shot at the end of the storyboard. Its `cards` must be cards of this project (422
    naming the unknown ones). Returns Location and ETag."""
    created = projects.create_shot(caller, project_id, body)
    location = request.url_for("get_shot", project_id=project_id, shot_id=created.value.id)
    response.headers["Location"] = str(location)
    response.headers["ETag"] = etag(created.revision)
    return ShotOut.of(created)


@router.get("", response_model=PageOut[ShotOut])
def list_shots(
    project_id: ProjectId,
    caller: Caller,
    projects: Projects,
    page: Page,
    request: Request,
    response: Response,
) -> PageOut[ShotOut]:
    """The project's shots in storyboard order, one page at a time."""
    listing = projects.list_shots(caller, project_id, page.cursor, page.limit)
    return page_response(request, response, listing, ShotOut.of)


@router.post("/reorder", response_model=list[ShotOut], responses=BODY_PROBLEMS)
def reorder_shots(
    project_id: ProjectId, body: ReorderIn, caller: Caller, projects: Projects
) -> list[ShotOut]:
    """Put the shots in a new order in one atomic write. `shot_ids` must name every shot of the
    project exactly once (422 listing repeated, unknown and missing ids). Only the shots outside the
    longest run already in that order get a new `order` key (and revision). Returns the shots in
    order."""
    return [ShotOut.of(s) for s in projects.reorder_shots(caller, project_id, body.shot_ids)]


@router.get("/{shot_id}", response_model=ShotOut)
def get_shot(
    project_id: ProjectId, shot_id: ShotId, caller: Caller, projects: Projects, response: Response
) -> ShotOut:
    """One shot, with its revision as ETag."""
    found = projects.get_shot(caller, project_id, shot_id)
    response.headers["ETag"] = etag(found.revision)
    return ShotOut.of(found)


@router.patch("/{shot_id}", response_model=ShotOut, responses={**BODY_PROBLEMS, **WRITE_PROBLEMS})
def patch_shot(
    project_id: ProjectId,
    shot_id: ShotId,
    patch: MergePatch,
    revision: Revision,
    caller: Caller,
    projects: Projects,
    response: Response,
) -> ShotOut:
    """Merge-patch (RFC 7396) the description, camera, framing, motion, duration and cards,
    validated as a whole after merging (the place in the storyboard changes through move or
    reorder). Requires If-Match."""
    updated = projects.update_shot(caller, project_id, shot_id, patch, revision)
    response.headers["ETag"] = etag(updated.revision)
    return ShotOut.of(updated)


@router.delete("/{shot_id}", status_code=204, response_class=Response, responses=WRITE_PROBLEMS)
def delete_shot(
    project_id: ProjectId, shot_id: ShotId, revision: Revision, caller: Caller, projects: Projects
) -> Response:
    """Delete a shot; the other shots keep their `order` keys (and revisions). Requires If-Match."""
    projects.delete_shot(caller, project_id, shot_id, revision)
    return Response(status_code=204)


@router.post("/{shot_id}/move", response_model=ShotOut, responses={**BODY_PROBLEMS, **WRITE_PROBLEMS})
def move_shot(
    project_id: ProjectId,
    shot_id: ShotId,
    body: MoveIn,
    revision: Revision,
    caller: Caller,
    projects: Projects,
    response: Response,
) -> ShotOut:
    """Move one shot right `after` or right `before` another shot of the project (422 when that
    shot is not in the project). The moved shot gets a new `order` key between its new neighbours;
    no other shot changes. Requires If-Match; returns the shot with its new ETag."""
    if isinstance(body, MoveAfter):
        moved = projects.move_shot(caller, project_id, shot_id, after=body.after, expect_revision=revision)
    else:
        moved = projects.move_shot(caller, project_id, shot_id, before=body.before, expect_revision=revision)
    response.headers["ETag"] = etag(moved.revision)
    return ShotOut.of(moved)


@router.get("/{shot_id}/history", response_model=list[HistoryEntry])
def shot_history(
    project_id: ProjectId, shot_id: ShotId, caller: Caller, projects: Projects
) -> list[HistoryEntry]:
    """Every revision of the shot, oldest first (a deletion has empty data)."""
    return [HistoryEntry.of(r) for r in projects.history(caller, SHOTS, shot_id, project_id)]
