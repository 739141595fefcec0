"""/v1/projects/{project_id}/messages: chat with the project's agent.

A message is answered as server-sent events (the agent's reading of it, the tool calls it made as the
caller, confirmations it asks for, its answer); a message carrying a confirmation token does what was
offered. The gateway lets any reader of the project chat: each tool the agent calls asks the policy
about the caller itself, so a viewer's chat reads and never writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Body
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from craftology.agents.chat.agent import ChatAgent
from craftology.agents.chat.confirmations import TOKEN_PATTERN
from craftology.agents.chat.conversation import Turn
from craftology.agents.chat.events import ChatEvent, Kind
from craftology.agents.intent.engine import MAX_MESSAGE_CHARS
from craftology.api.deps import Caller
from craftology.api.pagination import PageOut
from craftology.api.params import ProjectId
from craftology.api.problems import BODY_PROBLEMS, problem_responses
from craftology.api.routes.projects import Page

EVENT_STREAM = "text/event-stream"
STREAM = (
    "Server-sent events, each `event: <name>` and one line of JSON `data`: `intent` (intent, slots, "
    "confidence), `action` (tool, arguments, summary), `confirm` (token, tool, arguments, summary, cost, "
    'expires_at: send `{"confirm": token}` to do it), `message` (text), `error` (message: the turn '
    "stopped and nothing of it was done), and `done`, always last."
)

# One event of the stream (OpenAPI 3.1: the `schema` of an event stream describes each event).
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": [kind.value for kind in Kind]},
        "data": {"type": "string", "contentMediaType": "application/json", "description": "A JSON object."},
    },
}


class SayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        pattern=r"\S",
        description="What you ask, e.g. 'make shot 2 a close-up'.",
    )


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: str = Field(
        pattern=TOKEN_PATTERN, description="The `token` of a `confirm` event: do what it offered."
    )


class MessageOut(BaseModel):
    id: str
    role: Literal["user", "agent"]
    user_id: str = Field(description="Who chatted (an agent's turn answers that person).")
    text: str
    events: list[dict[str, Any]] = Field(description="The events the agent sent in this turn.")
    at: str

    @classmethod
    def of(cls, turn: Turn) -> MessageOut:
        return cls(
            id=turn.id, role=turn.role, user_id=turn.user_id, text=turn.text, events=turn.events, at=turn.at
        )


def _stream(events: AsyncIterator[ChatEvent]) -> StreamingResponse:
    async def encoded() -> AsyncIterator[bytes]:
        async for event in events:
            yield event.sse()

    # no-cache and no proxy buffering: each event reaches the reader as it is sent.
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(encoded(), media_type=EVENT_STREAM, headers=headers)


def build_messages_router(agent: ChatAgent) -> APIRouter:
    router = APIRouter(prefix="/projects/{project_id}/messages", tags=["chat"])

    @router.post(
        "",
        response_class=StreamingResponse,
        responses={
            200: {"content": {EVENT_STREAM: {"schema": EVENT_SCHEMA}}, "description": STREAM},
            **BODY_PROBLEMS,
            **problem_responses(409),
        },
    )
    async def post_message(
        project_id: ProjectId,
        body: Annotated[SayIn | ConfirmIn, Body()],
        caller: Caller,
    ) -> StreamingResponse:
        """Say something to the project's agent, or confirm what it offered. The answer streams as
        server-sent events. Edits are made at once; deleting and starting a run (which spends) are
        offered as a `confirm` event, done only when its token comes back, once, before it expires,
        from the same person about the same project (409 otherwise). 404 for a project the caller
        cannot read."""
        context = await anyio.to_thread.run_sync(agent.open, caller, project_id)
        if isinstance(body, ConfirmIn):
            pending = await anyio.to_thread.run_sync(agent.take, caller, project_id, body.confirm)
            return _stream(agent.perform(caller, project_id, pending))
        return _stream(agent.reply(caller, context, body.text))

    @router.get("", response_model=PageOut[MessageOut])
    def list_messages(project_id: ProjectId, caller: Caller, page: Page) -> PageOut[MessageOut]:
        """The project's conversation, oldest first: every person's messages and the agent's answers
        with the events it sent."""
        agent.check(caller, project_id)
        turns = agent.conversation.list(caller.tenant, project_id, page.cursor, page.limit)
        return PageOut(items=[MessageOut.of(t) for t in turns.items], next_cursor=turns.next_cursor)

    return router
