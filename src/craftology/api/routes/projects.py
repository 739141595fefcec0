"""/v1/projects: create, list, read, merge-patch and delete projects."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response

from craftology.api.deps import Caller, Projects
from craftology.api.pagination import PageOut, PageParams, page_params, page_response
from craftology.api.params import ProjectId
from craftology.api.preconditions import etag, required_revision
from craftology.api.problems import BODY_PROBLEMS, WRITE_PROBLEMS, problem_responses
from craftology.api.schemas import HistoryEntry, ProjectOut
from craftology.projects.base import PROJECTS
from craftology.projects.models import ProjectIn

router = APIRouter(prefix="/projects", tags=["projects"])

Page = Annotated[PageParams, Depends(page_params)]
Revision = Annotated[int | None, Depends(required_revision)]
MergePatch = Annotated[
    dict[str, Any],
    Body(media_type="application/merge-patch+json", description="RFC 7396 merge patch of editable fields."),
]


@router.post(
    "", status_code=201, response_model=ProjectOut, responses={**BODY_PROBLEMS, **problem_responses(409)}
)
def create_project(
    body: ProjectIn, caller: Caller, projects: Projects, request: Request, response: Response
) -> ProjectOut:
    """Create a project. The id is generated from the name; the response carries Location and ETag."""
    created = projects.create_project(caller, body)
    response.headers["Location"] = str(request.url_for("get_project", project_id=created.value.id))
    response.headers["ETag"] = etag(created.revision)
    return ProjectOut.of(created)


@router.get("", response_model=PageOut[ProjectOut])
def list_projects(
    caller: Caller, projects: Projects, page: Page, request: Request, response: Response
) -> PageOut[ProjectOut]:
    """The tenant's projects in id order, one page at a time (`Link: rel="next"` while more remain)."""
    listing = projects.list_projects(caller, page.cursor, page.limit)
    return page_response(request, response, listing, ProjectOut.of)


@router.get("/{project_id}", response_model=ProjectOut)
def get_project(project_id: ProjectId, caller: Caller, projects: Projects, response: Response) -> ProjectOut:
    """One project, with its revision as ETag."""
    found = projects.get_project(caller, project_id)
    response.headers["ETag"] = etag(found.revision)
    return ProjectOut.of(found)


@router.patch("/{project_id}", response_model=ProjectOut, responses={**BODY_PROBLEMS, **WRITE_PROBLEMS})
def patch_project(
    project_id: ProjectId,
    patch: MergePatch,
    revision: Revision,
    caller: Caller,
    projects: Projects,
    response: Response,
) -> ProjectOut:
    """Merge-patch (RFC 7396) the name, brief and settings, validated as a whole after merging.
    Requires If-Match: 428 without it, 412 when the project changed since that ETag."""
    updated = projects.update_project(caller, project_id, patch, revision)
    response.headers["ETag"] = etag(updated.revision)
    return ProjectOut.of(updated)


@router.delete("/{project_id}", status_code=204, response_class=Response, responses=WRITE_PROBLEMS)
def delete_project(project_id: ProjectId, revision: Revision, caller: Caller, projects: Projects) -> Response:
    """Delete the project with all its cards and shots (one atomic write). Requires If-Match."""
    projects.delete_project(caller, project_id, revision)
    return Response(status_code=204)


@router.get("/{project_id}/history", response_model=list[HistoryEntry])
def project_history(project_id: ProjectId, caller: Caller, projects: Projects) -> list[HistoryEntry]:
    """Every revision of the project record, oldest first."""
    return [HistoryEntry.of(r) for r in projects.history(caller, PROJECTS, project_id, project_id)]
