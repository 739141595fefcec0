"""/v1/projects/{project_id}/cards: the characters, locations, props and styles of a project."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from craftology.api.deps import Caller, Projects
from craftology.api.pagination import PageOut, page_response
from craftology.api.params import CardId, ProjectId
from craftology.api.preconditions import etag
from craftology.api.problems import BODY_PROBLEMS, WRITE_PROBLEMS, problem_responses
from craftology.api.routes.projects import MergePatch, Page, Revision
from craftology.api.schemas import CardOut, HistoryEntry
from craftology.projects.base import CARDS
from craftology.projects.models import CardIn

router = APIRouter(prefix="/projects/{project_id}/cards", tags=["cards"])


@router.post(
    "", status_code=201, response_model=CardOut, responses={**BODY_PROBLEMS, **problem_responses(409)}
)
def create_card(
    project_id: ProjectId,
    body: CardIn,
    caller: Caller,
    projects: Projects,
    request: Request,
    response: Response,
) -> CardOut:
    """Add a card to the project. The id is generated from the name; returns Location and ETag."""
    created = projects.create_card(caller, project_id, body)
    location = request.url_for("get_card", project_id=project_id, card_id=created.value.id)
    response.headers["Location"] = str(location)
    response.headers["ETag"] = etag(created.revision)
    return CardOut.of(created)


@router.get("", response_model=PageOut[CardOut])
def list_cards(
    project_id: ProjectId,
    caller: Caller,
    projects: Projects,
    page: Page,
    request: Request,
    response: Response,
) -> PageOut[CardOut]:
    """The project's cards in id order, one page at a time."""
    listing = projects.list_cards(caller, project_id, page.cursor, page.limit)
    return page_response(request, response, listing, CardOut.of)


@router.get("/{card_id}", response_model=CardOut)
def get_card(
    project_id: ProjectId, card_id: CardId, caller: Caller, projects: Projects, response: Response
) -> CardOut:
    """One card, with its revision as ETag."""
    found = projects.get_card(caller, project_id, card_id)
    response.headers["ETag"] = etag(found.revision)
    return CardOut.of(found)


@router.patch("/{card_id}", response_model=CardOut, responses={**BODY_PROBLEMS, **WRITE_PROBLEMS})
def patch_card(
    project_id: ProjectId,
    card_id: CardId,
    patch: MergePatch,
    revision: Revision,
    caller: Caller,
    projects: Projects,
    response: Response,
) -> CardOut:
    """Merge-patch (RFC 7396, recursively inside `attributes`) the kind, name and attributes,
    validated as a whole after merging. Requires If-Match (428 without, 412 when stale)."""
    updated = projects.update_card(caller, project_id, card_id, patch, revision)
    response.headers["ETag"] = etag(updated.revision)
    return CardOut.of(updated)


@router.delete(
    "/{card_id}",
    status_code=204,
    response_class=Response,
    responses={**WRITE_PROBLEMS, **problem_responses(409)},
)
def delete_card(
    project_id: ProjectId, card_id: CardId, revision: Revision, caller: Caller, projects: Projects
) -> Response:
    """Delete a card. 409 (naming the shots) while shots still reference it. Requires If-Match."""
    projects.delete_card(caller, project_id, card_id, revision)
    return Response(status_code=204)


@router.get("/{card_id}/history", response_model=list[HistoryEntry])
def card_history(
    project_id: ProjectId, card_id: CardId, caller: Caller, projects: Projects
) -> list[HistoryEntry]:
    """Every revision of the card, oldest first (a deletion has empty data)."""
    return [HistoryEntry.of(r) for r in projects.history(caller, CARDS, card_id, project_id)]
