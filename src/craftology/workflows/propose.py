"""The LLM proposal workflow: one activity asks the tenant's model for a proposal and stores it once it
validates. Temporal makes the call durable: a worker that dies mid-call is replaced and the activity
runs again; a provider that is down gets a few retries with backoff; a model that keeps answering
invalid output, or a request-class error, fails at once (the activity already retried the model)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from craftology.workflows.proposal_messages import (
        PROPOSE_WITH_LLM_ACTIVITY,
        PROPOSE_WORKFLOW,
        ProposeInput,
    )
    from craftology.workflows.retry import NON_RETRYABLE_ERROR_TYPES

# Retrying an invalid answer or a refused request again cannot help: the activity has already given
# the model its bounded number of corrections.
FINAL_ERROR_TYPES = sorted({*NON_RETRYABLE_ERROR_TYPES, "InvalidModelOutput", "ProviderRejected"})
PROPOSE_RETRY_POLICY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=3,
    non_retryable_error_types=FINAL_ERROR_TYPES,
)


@workflow.defn(name=PROPOSE_WORKFLOW)
class ProposeWorkflow:
    @workflow.run
    async def run(self, request: ProposeInput) -> str:
        """The id of the stored proposal."""
        proposal_id: str = await workflow.execute_activity(
            PROPOSE_WITH_LLM_ACTIVITY,
            request,
            result_type=str,
            start_to_close_timeout=timedelta(seconds=request.activity_timeout_seconds),
            retry_policy=PROPOSE_RETRY_POLICY,
        )
        return proposal_id
