"""The activity behind an LLM proposal: the tenant's model proposes, the proposal is validated against
the domain's rules, and only then stored, under the id the caller chose. Idempotent: an attempt that
finds the proposal already stored (an earlier attempt stored it, then its worker died) returns it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from temporalio import activity
from temporalio.exceptions import ApplicationError

from craftology.agents.proposal.draft import Proposal, SourceDocument
from craftology.agents.proposal.llm import LlmProposalEngine
from craftology.agents.proposal.records import ProposalRecords, Status, StoredProposal
from craftology.errors import Conflict, CraftologyError, NotFound, PreconditionFailed
from craftology.policy.guard import Guard
from craftology.ports.chat import ChatPort, InvalidModelOutput, ProviderRejected
from craftology.ports.metadata import MetadataStore
from craftology.ports.policy import PolicyPort
from craftology.projects.validation import validate
from craftology.workflows.proposal_messages import PROPOSE_WITH_LLM_ACTIVITY, ProposeInput
from craftology.workflows.retry import is_request_error

ChatFor = Callable[[str, str], ChatPort]  # (tenant, provider) -> the tenant's client: GenAi.chat


def final(error: CraftologyError) -> bool:
    """Errors another attempt cannot fix: the request's own, a refusal, output the model could not
    correct within its attempts."""
    return is_request_error(error) or isinstance(error, (InvalidModelOutput, ProviderRejected))


class ProposalActivities:
    def __init__(
        self, chat_for: ChatFor, metadata: MetadataStore, policy: PolicyPort, max_attempts: int = 3
    ) -> None:
        self._chat_for = chat_for
        self._records = ProposalRecords(metadata)
        self._guard = Guard(policy)
        self._attempts = max_attempts

    @activity.defn(name=PROPOSE_WITH_LLM_ACTIVITY)
    async def propose_with_llm(self, request: ProposeInput) -> str:
        try:
            return await self.propose(request)
        except CraftologyError as error:
            raise ApplicationError(
                error.detail, type=type(error).__name__, non_retryable=final(error)
            ) from error

    async def propose(self, request: ProposeInput) -> str:
        # As the user who asked, checked again here: the policy may have changed since the request.
        principal = request.actor.principal()
        tenant = await asyncio.to_thread(self._guard.check, principal, "create_project", "Project")
        if await asyncio.to_thread(self._stored, tenant, request.proposal_id):
            return request.proposal_id
        chat = await asyncio.to_thread(self._chat_for, tenant, request.provider)
        documents = [SourceDocument.model_validate(d) for d in request.documents]
        engine = LlmProposalEngine(chat, self._attempts)
        proposed = await engine.propose_async(request.brief, documents, request.shot_count)
        checked = validate(Proposal, proposed.model_dump(mode="json"))
        draft = StoredProposal(request.proposal_id, Status.DRAFT, checked, None, 0)
        try:
            await asyncio.to_thread(self._records.put, tenant, draft)
        except (Conflict, PreconditionFailed):
            if not await asyncio.to_thread(self._stored, tenant, request.proposal_id):
                raise
        return request.proposal_id

    def _stored(self, tenant: str, proposal_id: str) -> bool:
        try:
            self._records.get(tenant, proposal_id)
        except NotFound:
            return False
        return True

    def all(self) -> list[Callable[..., object]]:
        return [self.propose_with_llm]
