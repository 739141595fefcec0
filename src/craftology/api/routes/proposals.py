"""/v1/proposals: a brief becomes a proposed project, which is shown, edited and saved when approved."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from craftology.agents.proposal.draft import MAX_DOCUMENTS, MAX_SHOT_COUNT, Proposal, SourceDocument
from craftology.agents.proposal.records import Status, StoredProposal
from craftology.agents.proposal.service import ProposalService
from craftology.api.deps import Caller
from craftology.api.params import ID
from craftology.api.preconditions import etag, required_revision
from craftology.api.problems import (
    BODY_PROBLEMS,
    PROBLEM_JSON,
    WRITE_PROBLEMS,
    Problem,
    problem_responses,
)
from craftology.api.schemas import ProjectOut
from craftology.genai.keys.schemas import PROVIDER_PATTERN
from craftology.projects.models import MAX_TEXT

ProposalId = Annotated[str, Path(pattern=f"^{ID}$", description="The proposal's id.")]
Revision = Annotated[int | None, Depends(required_revision)]
ProposalPatch = Annotated[
    dict[str, Any],
    Body(
        media_type="application/merge-patch+json",
        description="RFC 7396 merge patch of the proposal (`project`, `cards`, `shots`). `cards` and "
        "`shots` also take an object keyed by draft id: each member merge-patches that item, null "
        "removes it, a new id adds one at the end; an array replaces the whole list.",
    ),
]


MODEL_FAILED: dict[int | str, dict[str, Any]] = {
    502: {
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
        "description": "engine llm: the model provider refused the request, or the model kept "
        "answering output that breaks the proposal's schema (nothing is stored)",
    }
}


class ProposalRequest(BaseModel):
    brief: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] = Field(
        description="What to make, in words, e.g. 'A 60-second film about a lighthouse keeper and a storm'."
    )
    documents: list[SourceDocument] = Field(
        default_factory=list,
        max_length=MAX_DOCUMENTS,
        description="A script, treatment or notes as text, and reference images by asset id.",
    )
    shot_count: Annotated[int, Field(ge=1, le=MAX_SHOT_COUNT)] | None = Field(
        default=None, description="How many shots; by default what the brief asks for or its length suggests."
    )
    engine: Literal["embedded", "llm"] = Field(
        default="embedded",
        description="embedded: rules, offline and deterministic. llm: the tenant's chat model (a richer "
        "proposal), run durably on the workflow service; needs the tenant's key for `provider` (409 "
        "without one).",
    )
    provider: str = Field(
        default="openai", pattern=PROVIDER_PATTERN, description="With engine llm: whose stored key to use."
    )


class ProposalOut(BaseModel):
    """A proposal as stored: a draft until approved, then the id of the project it became."""

    id: str
    status: Status
    revision: int = Field(description="Current revision; the ETag is this number in quotes.")
    updated_at: str
    project_id: str | None = Field(description="The project it was saved as (once approved).")
    proposal: Proposal

    @classmethod
    def of(cls, stored: StoredProposal) -> ProposalOut:
        return cls(
            id=stored.id,
            status=stored.status,
            revision=stored.revision,
            updated_at=stored.updated_at,
            project_id=stored.project_id,
            proposal=stored.proposal,
        )


def _shown(stored: StoredProposal, response: Response) -> ProposalOut:
    response.headers["ETag"] = etag(stored.revision)
    return ProposalOut.of(stored)


def build_proposals_router(service: ProposalService) -> APIRouter:
    router = APIRouter(prefix="/proposals", tags=["proposals"])

    @router.post(
        "",
        status_code=201,
        response_model=ProposalOut,
        responses={**BODY_PROBLEMS, **problem_responses(409), **MODEL_FAILED},
    )
    async def create_proposal(
        body: ProposalRequest, caller: Caller, request: Request, response: Response
    ) -> ProposalOut:
        """Propose a project from a brief: settings, cards with the attributes the brief gives them,
        and a storyboard. Nothing is saved as a project until the proposal is approved. With engine
        llm the model's answer is stored only once it validates: 502 when the model kept answering
        invalid output, 503 when the provider is unavailable; nothing is stored then."""
        if body.engine == "llm":
            stored = await service.propose_with_llm(
                caller, body.brief, body.documents, body.shot_count, body.provider
            )
        else:
            stored = await asyncio.to_thread(
                service.propose, caller, body.brief, body.documents, body.shot_count
            )
        response.headers["Location"] = str(request.url_for("get_proposal", proposal_id=stored.id))
        return _shown(stored, response)

    @router.get("/{proposal_id}", response_model=ProposalOut)
    def get_proposal(proposal_id: ProposalId, caller: Caller, response: Response) -> ProposalOut:
        """One proposal, with its revision as ETag."""
        return _shown(service.get(caller, proposal_id), response)

    @router.patch(
        "/{proposal_id}",
        response_model=ProposalOut,
        responses={**BODY_PROBLEMS, **WRITE_PROBLEMS, **problem_responses(409)},
    )
    def patch_proposal(
        proposal_id: ProposalId, patch: ProposalPatch, revision: Revision, caller: Caller, response: Response
    ) -> ProposalOut:
        """Edit a draft by merge patch, validated as a whole (a shot naming a card the proposal does
        not have is 422). Requires If-Match: 428 without it, 412 when it changed since that ETag;
        409 once approved."""
        return _shown(service.edit(caller, proposal_id, patch, revision), response)

    @router.post(
        "/{proposal_id}/approve",
        status_code=201,
        response_model=ProjectOut,
        responses={
            200: {"model": ProjectOut, "description": "Approved before: its project"},
            **problem_responses(409),
        },
    )
    def approve_proposal(
        proposal_id: ProposalId, caller: Caller, request: Request, response: Response
    ) -> ProjectOut:
        """Save the proposal as a project with its cards and shots: 201 with the project. Approving it
        again answers 200 with the same project; a failure midway leaves no project behind."""
        approved = service.approve(caller, proposal_id)
        project = service.project(caller, approved.project_id)
        if not approved.created:
            response.status_code = 200
        response.headers["Location"] = str(request.url_for("get_project", project_id=project.value.id))
        response.headers["ETag"] = etag(project.revision)
        return ProjectOut.of(project)

    return router
