"""Structured output: ask the model for one JSON object matching a pydantic model, and get it validated.

Either way of asking works with OpenAI-compatible servers: a forced call of one tool whose parameters are
the model's JSON schema (`via="tool"`, the most widely supported), or `response_format` json_schema
(`via="json_schema"`). An answer that breaks the schema is sent back with the validation errors and asked
again, a bounded number of times; then InvalidModelOutput. Nothing is returned until a whole object
validates, so a caller never acts on half an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from craftology.ports.chat import (
    ChatMessage,
    ChatPort,
    ChatRequest,
    ChatResponse,
    InvalidModelOutput,
    JsonSchemaFormat,
    ToolSpec,
    Usage,
)

M = TypeVar("M", bound=BaseModel)
_MAX_ERRORS = 8  # fed back to the model and quoted in the final error; more would only add noise


@dataclass(frozen=True)
class Structured(Generic[M]):
    value: M
    usage: Usage  # every attempt's tokens, the failed ones included
    attempts: int


class _Invalid(Exception):
    """This answer is not a valid object; `feedback` are the messages that tell the model why."""

    def __init__(self, problem: str, feedback: list[ChatMessage]) -> None:
        super().__init__(problem)
        self.problem, self.feedback = problem, feedback


def describe(error: ValidationError) -> str:
    """A validation error in one line: `loc: msg; ...`."""
    parts = []
    for item in error.errors()[:_MAX_ERRORS]:
        loc = ".".join(str(part) for part in item["loc"]) or "(object)"
        parts.append(f"{loc}: {item['msg']}")
    more = error.error_count() - _MAX_ERRORS
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


async def structured_output(
    chat: ChatPort,
    messages: Sequence[ChatMessage],
    schema: type[M],
    *,
    name: str | None = None,
    description: str = "",
    via: Literal["tool", "json_schema"] = "tool",
    max_attempts: int = 3,
    temperature: float | None = None,
    max_tokens: int | None = None,
    context: object | None = None,
) -> Structured[M]:
    """One `schema` object from the model, validated; raises InvalidModelOutput after `max_attempts`
    invalid answers (provider errors propagate as they are). `context` reaches the schema's validators
    (pydantic's validation context), for checks against what the caller knows, e.g. a project's ids."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    name = name or schema.__name__
    json_schema = schema.model_json_schema()
    if via == "tool":
        tool = ToolSpec(name, description or f"Record the {name}.", json_schema)
        shape = ChatRequest(
            (), tools=(tool,), tool_choice=name, temperature=temperature, max_tokens=max_tokens
        )
    else:
        fmt = JsonSchemaFormat(name, json_schema)
        shape = ChatRequest((), response_format=fmt, temperature=temperature, max_tokens=max_tokens)
    conversation = list(messages)
    usage = Usage()
    problem = ""
    for attempt in range(1, max_attempts + 1):
        answer = await chat.complete(_with_messages(shape, conversation))
        usage += answer.usage
        try:
            value = (
                _from_tool(answer, name, schema, context)
                if via == "tool"
                else _from_content(answer, schema, context)
            )
        except _Invalid as invalid:
            problem = invalid.problem
            conversation += invalid.feedback
            continue
        return Structured(value, usage, attempt)
    raise InvalidModelOutput(
        f"the model gave no valid {name} in {max_attempts} attempts; last problem: {problem}",
        attempts=max_attempts,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
    )


def _with_messages(shape: ChatRequest, conversation: list[ChatMessage]) -> ChatRequest:
    return ChatRequest(
        tuple(conversation),
        tools=shape.tools,
        tool_choice=shape.tool_choice,
        response_format=shape.response_format,
        temperature=shape.temperature,
        max_tokens=shape.max_tokens,
    )


def _from_tool(answer: ChatResponse, name: str, schema: type[M], context: object | None) -> M:
    calls = [call for call in answer.tool_calls if call.name == name]
    if not calls:
        nudge = ChatMessage.user(f"Answer by calling the tool `{name}` with its arguments.")
        raise _Invalid(f"the model did not call {name}", [answer.as_message(), nudge])
    try:
        return schema.model_validate_json(calls[0].arguments or "{}", context=context)
    except ValidationError as error:
        problem = describe(error)
    # Every call of the answer gets its tool message: the API refuses a conversation without them.
    feedback = [answer.as_message()]
    for call in answer.tool_calls:
        feedback.append(
            ChatMessage.tool(
                call.id,
                f"Invalid arguments: {problem}. Call `{name}` again with arguments that match its schema."
                if call is calls[0]
                else "Not run: only one call was asked for.",
            )
        )
    raise _Invalid(f"invalid arguments: {problem}", feedback)


def _from_content(answer: ChatResponse, schema: type[M], context: object | None) -> M:
    try:
        return schema.model_validate_json(answer.content or "", context=context)
    except ValidationError as error:
        problem = describe(error)
    retry = ChatMessage.user(
        f"That answer is invalid: {problem}. Answer again with only a JSON object matching the schema."
    )
    raise _Invalid(f"invalid answer: {problem}", [answer.as_message(), retry])
