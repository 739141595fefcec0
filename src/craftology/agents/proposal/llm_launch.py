"""Starting an LLM proposal on Temporal and waiting for it; a failed workflow comes back as the
craftology error its activity raised (InvalidModelOutput, ProviderUnavailable, Forbidden...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio.client import Client, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

from craftology.errors import CraftologyError, TransientError
from craftology.ports.chat import ProviderUnavailable
from craftology.workflows.proposal_messages import ProposeInput
from craftology.workflows.propose import ProposeWorkflow

RequireKey = Callable[[str, str], object]  # (tenant, provider): raises ProviderNotConfigured without one


def _error_classes(cls: type[CraftologyError]) -> dict[str, type[CraftologyError]]:
    found = {cls.__name__: cls}
    for sub in cls.__subclasses__():
        found.update(_error_classes(sub))
    return found


def craftology_error(failure: WorkflowFailureError) -> CraftologyError:
    cause: BaseException | None = failure.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__ or getattr(cause, "cause", None)
    if isinstance(cause, ApplicationError) and cause.type is not None:
        kind = _error_classes(CraftologyError).get(cause.type)
        if kind is not None:
            return kind(cause.message)
    return ProviderUnavailable(f"the LLM proposal did not finish: {failure.cause or failure}")


def proposal_workflow_id(tenant: str, proposal_id: str) -> str:
    return f"proposal-{tenant}-{proposal_id}"


class TemporalProposer:
    """What ProposalService needs for the LLM engine: whether the tenant has a key, and the workflow."""

    def __init__(
        self, temporal: Callable[[], Awaitable[Client]], task_queue: str, require_key: RequireKey
    ) -> None:
        self._temporal = temporal
        self._task_queue = task_queue
        self.require_key = require_key

    async def propose(self, request: ProposeInput) -> str:
        """Runs the workflow for `request` (or attaches to the one already running for its proposal id)
        and returns the stored proposal's id."""
        try:
            client = await self._temporal()
        except RuntimeError as error:  # the SDK's connection failure
            raise TransientError(f"cannot reach Temporal to run the LLM proposal: {error}") from None
        try:
            return await client.execute_workflow(
                ProposeWorkflow.run,
                request,
                id=proposal_workflow_id(request.actor.tenant, request.proposal_id),
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
        except WorkflowFailureError as failure:
            raise craftology_error(failure) from None
