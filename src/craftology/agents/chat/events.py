"""What a chat turn tells the person, one event at a time: the same events go out as server-sent
events over HTTP, are printed by `craftology chat`, and are stored with the agent's turn."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    INTENT = "intent"  # what the message was read as: intent, slots, confidence
    ACTION = "action"  # a tool the agent called: tool, arguments, result summary
    CONFIRM = "confirm"  # what would be done, its cost, and the token that does it
    MESSAGE = "message"  # the answer, in words
    ERROR = "error"  # why the turn stopped; nothing of it was done
    DONE = "done"  # the last event of every turn


@dataclass(frozen=True)
class ChatEvent:
    kind: Kind
    data: dict[str, Any]

    def sse(self) -> bytes:
        """The event as text/event-stream: a named event with one line of JSON data."""
        return f"event: {self.kind.value}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n".encode()

    def as_json(self) -> dict[str, Any]:
        return {"event": self.kind.value, "data": self.data}


def message(text: str) -> ChatEvent:
    return ChatEvent(Kind.MESSAGE, {"text": text})


def error(text: str) -> ChatEvent:
    return ChatEvent(Kind.ERROR, {"message": text})


def action(tool: str, arguments: dict[str, Any], summary: str, result: Any = None) -> ChatEvent:
    """A tool call the agent made; `result`: what the tool returned, for a confirmed call (a run)."""
    data = {"tool": tool, "arguments": arguments, "summary": summary}
    return ChatEvent(Kind.ACTION, data if result is None else {**data, "result": result})
