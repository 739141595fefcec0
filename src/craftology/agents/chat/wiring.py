"""The chat agent as a process builds it from its container: the MCP services the tool server uses,
the tenant stores, the embedded intent engine unless another is given, the proposal flow."""

from __future__ import annotations

from craftology.agents.chat.agent import ChatAgent, ChatLimits
from craftology.agents.intent import EmbeddedIntentEngine
from craftology.agents.proposal.service import ProposalService
from craftology.container import Container
from craftology.mcp.services import McpServices
from craftology.ports.intent import IntentEngine


def chat_agent(
    container: Container,
    services: McpServices | None = None,
    proposals: ProposalService | None = None,
    intents: IntentEngine | None = None,
    limits: ChatLimits | None = None,
) -> ChatAgent:
    return ChatAgent(
        services or McpServices.of(container),
        container.metadata,
        intents or EmbeddedIntentEngine(),
        proposals
        or ProposalService.embedded(container.metadata, container.projects, container.access.policy),
        limits,
    )
