"""What an intent's handler acts with: the person's tool session, the project as the intent engine
saw it, and the way to ask for a confirmation instead of acting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from craftology.agents.chat.confirmations import Pending
from craftology.agents.chat.events import ChatEvent
from craftology.agents.chat.tools import ToolSession
from craftology.agents.proposal.service import ProposalService
from craftology.identity.principal import Principal
from craftology.ports.intent import IntentResult, ProjectContext, SlotValue


@dataclass(frozen=True)
class Acting:
    principal: Principal
    project: ProjectContext
    tools: ToolSession
    proposals: ProposalService
    offer: Callable[[Pending], Awaitable[ChatEvent]]  # stores the pending call, gives the confirm event

    @property
    def project_id(self) -> str:
        return self.project.project_id

    def shot_number(self, shot_id: str) -> int | None:
        return next((s.number for s in self.project.shots if s.id == shot_id), None)

    def known_shot(self, ref: SlotValue | None) -> str | None:
        """The id of a shot of the project the slot names (the engine resolved it), else None."""
        return ref if isinstance(ref, str) and self.shot_number(ref) is not None else None

    def known_card(self, ref: SlotValue | None) -> str | None:
        return ref if isinstance(ref, str) and any(c.id == ref for c in self.project.cards) else None


Handler = Callable[[IntentResult, Acting], AsyncIterator[ChatEvent]]
