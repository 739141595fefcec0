"""The chat agent: one turn at a time, a message (or a confirmation) in, events out.

A turn reads the message with the intent engine behind the IntentEngine port (the embedded one, or
an LLM one, injected), then acts through MCP tools as the person (see tools.py). Anything that
spends or deletes is offered with a confirmation token instead of done; a later turn carrying that
token does exactly the call offered. Whatever the engine makes of a message or of the project's
text, the agent can only do what the person may do, and never delete or spend without their yes.
Every turn ends with `done`; a failure ends it with `error` first, and its one write (if any) is
either done or not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio.to_thread

from craftology.agents.chat import edits, replies, syncing
from craftology.agents.chat.acting import Acting, Handler
from craftology.agents.chat.confirmations import Confirmations, Pending
from craftology.agents.chat.conversation import Conversation
from craftology.agents.chat.events import ChatEvent, Kind, action, error, message
from craftology.agents.chat.replies import CAN_DO
from craftology.agents.chat.tools import ToolRefused, ToolSession, tool_session
from craftology.agents.intent.context import project_context
from craftology.agents.proposal.service import ProposalService
from craftology.errors import CraftologyError
from craftology.identity.principal import Principal
from craftology.mcp.services import McpServices
from craftology.mcp.tooling import readable
from craftology.ports.intent import Intent, IntentEngine, IntentResult, ProjectContext
from craftology.ports.metadata import MetadataStore

log = logging.getLogger(__name__)

HANDLERS: dict[Intent, Handler] = {
    Intent.ADD_SHOT: edits.add_shot,
    Intent.EDIT_SHOT: edits.edit_shot,
    Intent.REMOVE_SHOT: edits.remove_shot,
    Intent.ADD_CARD: edits.add_card,
    Intent.EDIT_CARD: edits.edit_card,
    Intent.REGENERATE: syncing.regenerate,
    Intent.APPROVE_PLAN: syncing.approve_plan,
    Intent.SHOW_STATUS: syncing.show_status,
    Intent.SHOW_USAGE: syncing.show_usage,
    Intent.CREATE_PROJECT: replies.create_project,
    Intent.SHARE: replies.share,
    Intent.OTHER: replies.other,
}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ChatLimits:
    engine_timeout: float = 20.0  # seconds the intent engine may take (an LLM one calls out)
    confirm_ttl: timedelta = timedelta(minutes=10)  # how long an offered action may be confirmed
    # Below this confidence the agent asks rather than acts: a stray sentence is no request.
    min_confidence: float = 0.4


class ChatAgent:
    def __init__(
        self,
        services: McpServices,
        metadata: MetadataStore,
        intents: IntentEngine,
        proposals: ProposalService,
        limits: ChatLimits | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._services = services
        self._intents = intents
        self._proposals = proposals
        self._limits = limits or ChatLimits()
        self.conversation = Conversation(metadata, clock)
        self.confirmations = Confirmations(metadata, self._limits.confirm_ttl, clock)

    # Checked before a turn's stream starts, so a refusal is a plain error response.

    def open(self, principal: Principal, project_id: str) -> ProjectContext:
        """The project as the person may read it (NotFound, Forbidden otherwise)."""
        return project_context(*self._services.projects.load_project(principal, project_id))

    def check(self, principal: Principal, project_id: str) -> None:
        """That the person may read the project (NotFound, Forbidden otherwise)."""
        self._services.projects.get_project(principal, project_id)

    def take(self, principal: Principal, project_id: str, token: str) -> Pending:
        """The offered call a confirmation token names, used up (Conflict when it cannot be used)."""
        return self.confirmations.take(principal, project_id, token)

    # The turns.

    def reply(self, principal: Principal, context: ProjectContext, text: str) -> AsyncIterator[ChatEvent]:
        """Answer a message: intent, actions or an offer to confirm, the answer, done."""
        return self._turn(principal, context.project_id, text, self._answer(principal, context, text))

    def perform(self, principal: Principal, project_id: str, pending: Pending) -> AsyncIterator[ChatEvent]:
        """Do a confirmed call, exactly as offered, as the person (whose rights are asked again)."""
        said = f"yes: {pending.summary}"
        return self._turn(principal, project_id, said, self._confirmed(principal, pending))

    async def _turn(
        self, principal: Principal, project_id: str, said: str, events: AsyncIterator[ChatEvent]
    ) -> AsyncIterator[ChatEvent]:
        tenant, user = principal.tenant, principal.user_id
        await anyio.to_thread.run_sync(lambda: self.conversation.add(tenant, project_id, "user", user, said))
        sent: list[ChatEvent] = []
        try:
            async for event in self._guarded(events):
                sent.append(event)
                yield event
        finally:
            answer = " ".join(
                e.data.get("text") or e.data.get("message", "") for e in sent if e.kind in _SAID
            )
            with anyio.CancelScope(shield=True):  # a reader gone mid-turn still leaves the turn on record
                await anyio.to_thread.run_sync(
                    lambda: self.conversation.add(tenant, project_id, "agent", user, answer, sent)
                )
        yield ChatEvent(Kind.DONE, {})

    async def _guarded(self, events: AsyncIterator[ChatEvent]) -> AsyncIterator[ChatEvent]:
        """The turn's events; a failure becomes its last one, an `error` saying what stopped it."""
        try:
            async for event in events:
                yield event
        except ToolRefused as refused:
            yield error(f"{refused.tool} failed: {refused.message}")
        except CraftologyError as failed:
            yield error(readable(failed))
        except Exception:
            log.exception("chat turn failed")
            yield error(
                "the agent failed unexpectedly: it did only the actions listed before this. Try again."
            )

    async def _answer(
        self, principal: Principal, context: ProjectContext, text: str
    ) -> AsyncIterator[ChatEvent]:
        result = await self._detect(text, context)
        yield ChatEvent(Kind.INTENT, result.as_json())
        if result.intent is not Intent.OTHER and result.confidence < self._limits.min_confidence:
            yield message(
                f"I am not sure what you want done (it reads a little like {result.intent.value}). {CAN_DO}"
            )
            return
        async with tool_session(self._services, principal) as tools:
            acting = Acting(
                principal, context, tools, self._proposals, self._offerer(principal, context, tools)
            )
            async for event in HANDLERS[result.intent](result, acting):
                yield event

    async def _detect(self, text: str, context: ProjectContext) -> IntentResult:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._intents.detect, text, context), self._limits.engine_timeout
            )
        except CraftologyError:
            raise
        except TimeoutError:
            raise _EngineFailed(
                f"the intent engine did not answer within {self._limits.engine_timeout:g} seconds; "
                "nothing was done. Try again."
            ) from None
        except Exception as failed:  # an engine's own failure (a model API down, a bug): said plainly
            log.warning("intent engine failed: %r", failed)
            raise _EngineFailed(
                f"the intent engine failed ({type(failed).__name__}); nothing was done"
            ) from None

    def _offerer(self, principal: Principal, context: ProjectContext, tools: ToolSession) -> _Offer:
        async def offer(pending: Pending) -> ChatEvent:
            # The person is asked only for what they may do; the tool asks the policy again when done.
            await anyio.to_thread.run_sync(tools.may, pending.tool, pending.arguments)
            offered = await anyio.to_thread.run_sync(
                self.confirmations.offer, principal, context.project_id, pending
            )
            data = {
                "token": offered.token,
                "tool": pending.tool,
                "arguments": pending.arguments,
                "summary": pending.summary,
                "cost": pending.cost,
                "expires_at": offered.expires_at.isoformat(),
            }
            return ChatEvent(Kind.CONFIRM, data)

        return offer

    async def _confirmed(self, principal: Principal, pending: Pending) -> AsyncIterator[ChatEvent]:
        async with tool_session(self._services, principal) as tools:
            done = await tools.call(pending.tool, pending.arguments)
        outcome = f"run {done['id']} started" if pending.tool == "approve_plan" else str(done)
        yield action(pending.tool, pending.arguments, outcome, done)
        yield message(f"Done: {pending.summary}.")


_SAID = frozenset({Kind.MESSAGE, Kind.ERROR})
_Offer = Callable[[Pending], Awaitable[ChatEvent]]


class _EngineFailed(CraftologyError):
    status_code = 502
    title = "Intent engine failed"
