"""The chat port: one conversation turn with a language model, tools included.

Shaped after the OpenAI Chat Completions API, which most providers and local servers follow: the
messages so far (system, user, assistant, tool), the tools the model may call (each a JSON schema of
its arguments), and the model's answer: text, tool calls, or both, with the tokens it cost.

Adapters translate every provider failure into the errors below; none of them ever carries an API key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from craftology.errors import CraftologyError, TransientError

MessageRole = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # the JSON text the model wrote, unparsed: it may be invalid, and the caller says so


@dataclass(frozen=True)
class ChatMessage:
    role: MessageRole
    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()  # on an assistant message: the calls it made
    tool_call_id: str | None = None  # on a tool message: the call it answers

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        return cls("system", content)

    @classmethod
    def user(cls, content: str) -> ChatMessage:
        return cls("user", content)

    @classmethod
    def tool(cls, call_id: str, content: str) -> ChatMessage:
        return cls("tool", content, tool_call_id=call_id)


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call; `parameters` is the JSON schema of its arguments object."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class JsonSchemaFormat:
    """Asks for a JSON object matching `schema` as the answer's content (`response_format`)."""

    name: str
    schema: dict[str, Any]
    strict: bool = False  # the provider's strict mode needs schemas written for it; validation is ours


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...] = ()
    # "auto", "none", "required", or the name of one of `tools` to force that call.
    tool_choice: str | None = None
    response_format: JsonSchemaFormat | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    model: str | None = None  # None: the model the client was configured with


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens
        )


@dataclass(frozen=True)
class ChatResponse:
    content: str | None
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str | None
    usage: Usage
    model: str

    def as_message(self) -> ChatMessage:
        """The answer as the assistant message that continues the conversation."""
        return ChatMessage("assistant", self.content, self.tool_calls)


@runtime_checkable
class ChatPort(Protocol):
    async def complete(self, request: ChatRequest) -> ChatResponse:
        """One turn. Raises ProviderUnavailable (after the adapter's own retries), ProviderRejected."""
        ...


class ProviderError(CraftologyError):
    """A model provider failed us; the detail says which provider and why, never with its key."""

    status_code = 502
    problem_type = "/problems/provider-error"
    title = "Model provider error"


class ProviderRejected(ProviderError):
    """The provider refused the request (a wrong key, an unknown model, a malformed request): retrying
    the same request cannot help."""

    problem_type = "/problems/provider-rejected"
    title = "Model provider refused the request"


class ProviderUnavailable(TransientError, ProviderError):
    """Timeouts, rate limits or server errors that outlasted the adapter's retries: worth trying later."""

    status_code = 503
    problem_type = "/problems/provider-unavailable"
    title = "Model provider unavailable"


class InvalidModelOutput(ProviderError):
    """The model kept answering with output that breaks the asked-for schema."""

    problem_type = "/problems/invalid-model-output"
    title = "Invalid model output"
