"""The OpenAI Chat Completions wire format: our ChatRequest into its JSON body, its JSON answer into our
ChatResponse. Pure: no I/O, so the shapes are tested without a server."""

from __future__ import annotations

import json
from typing import Any

from craftology.ports.chat import ChatMessage, ChatRequest, ChatResponse, ToolCall, Usage

_CHOICES = frozenset({"auto", "none", "required"})


def _message(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for call in message.tool_calls
        ]
    if message.tool_call_id is not None:
        out["tool_call_id"] = message.tool_call_id
    return out


def request_body(request: ChatRequest, default_model: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": request.model or default_model,
        "messages": [_message(message) for message in request.messages],
    }
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            }
            for t in request.tools
        ]
    if request.tool_choice is not None:
        choice = request.tool_choice
        body["tool_choice"] = (
            choice if choice in _CHOICES else {"type": "function", "function": {"name": choice}}
        )
    if request.response_format is not None:
        fmt = request.response_format
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": fmt.name, "schema": fmt.schema, "strict": fmt.strict},
        }
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    return body


class MalformedAnswer(ValueError):
    """The provider answered 200 with a body that is not a chat completion."""


def _tool_call(raw: Any) -> ToolCall:
    function = raw.get("function") if isinstance(raw, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise MalformedAnswer("a tool call without a function name")
    arguments = function.get("arguments")
    return ToolCall(
        id=str(raw.get("id") or ""),
        name=function["name"],
        # Some servers send the arguments as an object rather than its JSON text.
        arguments=arguments if isinstance(arguments, str) else _json_text(arguments),
    )


def _json_text(value: Any) -> str:
    return json.dumps(value) if value is not None else ""


def _count(usage: dict[str, Any], name: str) -> int:
    value = usage.get(name)
    return value if isinstance(value, int) and value >= 0 else 0


def parse_response(body: Any, requested_model: str) -> ChatResponse:
    """choices[0].message (content, tool_calls), its finish_reason, and usage."""
    if not isinstance(body, dict):
        raise MalformedAnswer("the body is not a JSON object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedAnswer("no choices in the answer")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise MalformedAnswer("the first choice has no message")
    content = message.get("content")
    raw_calls = message.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise MalformedAnswer("tool_calls is not a list")
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    assert isinstance(usage, dict)
    finish = choices[0].get("finish_reason")
    return ChatResponse(
        content=content if isinstance(content, str) else None,
        tool_calls=tuple(_tool_call(raw) for raw in raw_calls),
        finish_reason=finish if isinstance(finish, str) else None,
        usage=Usage(_count(usage, "prompt_tokens"), _count(usage, "completion_tokens")),
        model=str(body.get("model") or requested_model),
    )


def error_message(body: Any) -> str:
    """The provider's own explanation of an error answer (`error.message`), if it gave one."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if isinstance(body.get("detail"), str):
            return str(body["detail"])
    return ""
