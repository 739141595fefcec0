"""The data-sync agent's activity: the decision, with CraftologyErrors mapped onto Temporal retries
(a request-class error is not retried, a transient one is)."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from craftology.agents.datasync.agent import DataSyncAgent
from craftology.agents.datasync.messages import DECIDE_ACTIVITY, DecideInput
from craftology.errors import CraftologyError
from craftology.workflows.retry import is_request_error


class DataSyncActivities:
    def __init__(self, agent: DataSyncAgent) -> None:
        self._agent = agent

    @activity.defn(name=DECIDE_ACTIVITY)
    async def decide(self, step: DecideInput) -> str:
        try:
            return await self._agent.decide(step.tenant, step.project_id, step.through_seq)
        except CraftologyError as error:
            if is_request_error(error):
                raise ApplicationError(str(error), type=type(error).__name__, non_retryable=True) from error
            raise
