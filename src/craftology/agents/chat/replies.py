"""Intents answered in words, and project creation, which goes through the proposal flow: the agent
drafts a proposal as the person; the project exists only once they approve it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio.to_thread

from craftology.agents.chat.acting import Acting
from craftology.agents.chat.events import ChatEvent, action, message
from craftology.ports.intent import IntentResult

CAN_DO = (
    'I can add, change or remove shots ("add a shot of the sea at dawn", "make shot 2 a close-up", '
    '"remove shot 3"), add or change cards ("add a character named Tom with red hair", "make Mia\'s '
    'hair red"), show what is stale and why ("what\'s the status?"), show runs and costs ("how much '
    'have we spent?"), regenerate ("regenerate shot 1") or approve the plan, and draft a new project '
    'from a brief ("create a project about a lighthouse keeper, 6 shots"). Anything that spends or '
    "deletes waits for your confirmation."
)


async def create_project(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    brief = result.slots.get("brief")
    if not isinstance(brief, str) or not brief.strip():
        yield message(
            "What is the new project about? For example: create a project about a lighthouse keeper."
        )
        return
    count = result.slots.get("shot_count")
    shot_count = count if isinstance(count, int) else None
    stored = await anyio.to_thread.run_sync(
        lambda: acting.proposals.propose(acting.principal, brief, shot_count=shot_count)
    )
    draft = stored.proposal
    summary = f"proposal {stored.id}: {len(draft.cards)} cards, {len(draft.shots)} shots"
    yield action("propose_project", {"brief": brief, "shot_count": shot_count}, summary)
    yield message(
        f"I drafted {draft.project.name!r} with {len(draft.cards)} cards and {len(draft.shots)} shots as "
        f"proposal {stored.id}. Review and edit it at /v1/proposals/{stored.id}; it becomes a project "
        f"when you approve it (POST /v1/proposals/{stored.id}/approve)."
    )


async def share(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    yield message("Sharing with another tenant is not available yet; nothing was shared.")


async def other(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    yield message(CAN_DO)
