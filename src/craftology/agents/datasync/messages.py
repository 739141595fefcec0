"""What the data-sync agent's workflow receives and hands its activity: ids and numbers only."""

from __future__ import annotations

from dataclasses import dataclass

AGENT_WORKFLOW = "ProjectSyncAgentWorkflow"
DECIDE_ACTIVITY = "sync_agent_decide"
CHANGED_SIGNAL = "changed"


@dataclass(frozen=True)
class AgentInput:
    tenant: str
    project_id: str
    quiet_seconds: float  # plan once no edit came for this long...
    max_wait_seconds: float  # ...or this long after the first edit of a burst


@dataclass(frozen=True)
class ProjectChanged:
    seq: int  # the project's latest change-feed seq the consumer saw


@dataclass(frozen=True)
class DecideInput:
    tenant: str
    project_id: str
    through_seq: int


def agent_workflow_id(tenant: str, project_id: str) -> str:
    """One agent workflow per project: signal-with-start on this id is what dedupes the signals of
    every process running the consumer."""
    return f"sync-agent-{tenant}-{project_id}"
