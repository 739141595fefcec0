"""The project creation agent's flow: propose from a brief, show, edit, and save when approved.

Used the same way by the API, the demo and (later) MCP tools. Drafts live in the tenant's metadata
store, so any process can show, edit or approve a proposal another one made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from craftology.agents.proposal.approval import Approval, Approved
from craftology.agents.proposal.draft import MAX_SHOT_COUNT, Proposal, SourceDocument
from craftology.agents.proposal.editing import apply_patch
from craftology.agents.proposal.engine import EmbeddedProposalEngine
from craftology.agents.proposal.llm import check_request
from craftology.agents.proposal.llm_launch import TemporalProposer
from craftology.agents.proposal.project_writer import ProjectWriter
from craftology.agents.proposal.records import ProposalRecords, Status, StoredProposal, new_proposal_id
from craftology.assets.records import ASSETS
from craftology.errors import BadInput, Conflict, NotFound, PreconditionFailed
from craftology.identity.principal import Principal
from craftology.policy.guard import Guard
from craftology.ports.metadata import MetadataStore
from craftology.ports.policy import PolicyPort
from craftology.ports.proposals import ProposalEngine
from craftology.projects.changes import Versioned
from craftology.projects.models import Project
from craftology.projects.service import ProjectService
from craftology.projects.validation import validate
from craftology.workflows.proposal_messages import Actor, ProposeInput


class ProposalService:
    def __init__(
        self,
        metadata: MetadataStore,
        engine: ProposalEngine,
        writer: ProjectWriter,
        policy: PolicyPort,
        llm: TemporalProposer | None = None,
    ) -> None:
        self._guard = Guard(policy)
        self._llm = llm
        self._engine = engine
        self._metadata = metadata
        self._records = ProposalRecords(metadata)
        self._writer = writer
        self._approval = Approval(self._records, writer)

    @classmethod
    def embedded(
        cls,
        metadata: MetadataStore,
        projects: ProjectService,
        policy: PolicyPort,
        llm: TemporalProposer | None = None,
    ) -> ProposalService:
        """The service with the embedded engine (no model, no network), and the LLM engine on Temporal
        for requests that ask for it when `llm` is given."""
        return cls(metadata, EmbeddedProposalEngine(), ProjectWriter(projects), policy, llm)

    def propose(
        self,
        principal: Principal,
        brief: str,
        documents: Sequence[SourceDocument] = (),
        shot_count: int | None = None,
    ) -> StoredProposal:
        """A new draft proposal for the brief, stored for review. Proposing is the first step of
        creating a project, so it needs the right to create one."""
        tenant = self._check_request(principal, documents, shot_count)
        proposed = self._engine.propose(brief, documents, shot_count)
        # Whatever an engine returns (a model's output included) is held to the domain's rules.
        checked = validate(Proposal, proposed.model_dump(mode="json"))
        return self._records.add(tenant, checked)

    async def propose_with_llm(
        self,
        principal: Principal,
        brief: str,
        documents: Sequence[SourceDocument] = (),
        shot_count: int | None = None,
        provider: str = "openai",
    ) -> StoredProposal:
        """A new draft proposed by the tenant's model (`provider` names its stored key), made by a
        Temporal workflow; stored only once the model's proposal validates, under an id chosen here so
        that retries store it once. ProviderNotConfigured (409) when the tenant has no such key."""
        llm = self._llm
        if llm is None:
            raise Conflict("the LLM proposal engine is not available in this process; use engine embedded")
        tenant = await asyncio.to_thread(self._check_request, principal, documents, shot_count)
        check_request(brief, documents)
        await asyncio.to_thread(llm.require_key, tenant, provider)
        request = ProposeInput(
            proposal_id=new_proposal_id(),
            actor=Actor.of(principal),
            provider=provider,
            brief=brief,
            documents=[d.model_dump(mode="json") for d in documents],
            shot_count=shot_count,
        )
        proposal_id = await llm.propose(request)
        return await asyncio.to_thread(self._records.get, tenant, proposal_id)

    def _check_request(
        self, principal: Principal, documents: Sequence[SourceDocument], shot_count: int | None
    ) -> str:
        """The caller's tenant, if it may propose this: a shot count in range and its own assets."""
        tenant = self._guard.check(principal, "create_project", "Project")
        if shot_count is not None and not 1 <= shot_count <= MAX_SHOT_COUNT:
            raise BadInput(f"shot_count must be from 1 to {MAX_SHOT_COUNT}, not {shot_count}")
        for document in documents:
            if document.asset_id is not None:
                self._check_asset(tenant, document)
        return tenant

    def _check_asset(self, tenant: str, document: SourceDocument) -> None:
        """A reference image must be one of the tenant's assets (another tenant's is unknown here)."""
        try:
            self._metadata.get(tenant, ASSETS, str(document.asset_id))
        except (NotFound, BadInput):
            raise BadInput(
                f"documents: {document.name!r} names asset {document.asset_id!r}, which this tenant does "
                "not have; upload it first",
                unknown_assets=[document.asset_id],
            ) from None

    def get(self, principal: Principal, proposal_id: str) -> StoredProposal:
        tenant = self._guard.check(principal, "read_project", "Project")
        return self._records.get(tenant, proposal_id)

    def edit(
        self, principal: Principal, proposal_id: str, patch: Mapping[str, Any], expect_revision: int | None
    ) -> StoredProposal:
        """Merge-patch a draft (see craftology.agents.proposal.editing). `expect_revision` None means
        any revision; a stale one is PreconditionFailed."""
        tenant = self._guard.check(principal, "create_project", "Project")
        stored = self._records.get(tenant, proposal_id)
        if expect_revision is not None and stored.revision != expect_revision:
            raise PreconditionFailed(
                f"proposal {proposal_id!r} is at revision {stored.revision}, not {expect_revision}: "
                "reload it and apply the change again",
                current_revision=stored.revision,
            )
        if stored.status is not Status.DRAFT:
            raise Conflict(f"proposal {proposal_id!r} is {stored.status.value}; only a draft can be edited")
        edited = apply_patch(stored.proposal, patch)
        if edited == stored.proposal:
            return stored
        return self._records.put(tenant, replace(stored, proposal=edited))

    def approve(self, principal: Principal, proposal_id: str) -> Approved:
        """Save the proposal as a project, once, as `principal` (the projects service asks the policy
        about each write): see craftology.agents.proposal.approval."""
        self._guard.check(principal, "create_project", "Project")
        return self._approval.approve(principal, proposal_id)

    def project(self, principal: Principal, project_id: str) -> Versioned[Project]:
        """The project an approval saved; Conflict when it has been deleted since."""
        try:
            return self._writer.get_project(principal, project_id)
        except NotFound:
            raise Conflict(
                f"the proposal was saved as project {project_id!r}, which has been deleted"
            ) from None
