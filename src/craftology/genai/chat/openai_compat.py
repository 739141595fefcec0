"""The chat port over `POST {base_url}/chat/completions`: OpenAI's API, and every server that follows it
(vLLM, Ollama, LiteLLM, Azure-style gateways...).

Each failure ends as one readable ProviderError naming the provider and its host; the API key goes only
into the Authorization header and is scrubbed from anything the provider echoes back.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from craftology.genai.chat.openai_wire import MalformedAnswer, error_message, parse_response, request_body
from craftology.genai.chat.retry import RetryPolicy, retry_after_seconds, retryable_status
from craftology.ports.chat import (
    ChatRequest,
    ChatResponse,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)

Sleep = Callable[[float], Awaitable[None]]
_MAX_DETAIL = 300


@dataclass(frozen=True)
class ChatEndpoint:
    """Where and as whom to call: one tenant's key for one provider."""

    provider: str
    base_url: str
    model: str
    api_key: SecretStr = field(repr=False)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url


@dataclass(frozen=True)
class HttpPolicy:
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class _Retry(Exception):
    """One attempt failed in a way worth retrying; `delay` is what the provider asked for, if anything."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.delay = reason, delay


class OpenAICompatChat:
    def __init__(
        self,
        endpoint: ChatEndpoint,
        policy: HttpPolicy | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.policy = policy or HttpPolicy()
        self._sleep = sleep
        self._transport = transport

    async def complete(self, request: ChatRequest) -> ChatResponse:
        body = request_body(request, self.endpoint.model)
        retry = self.policy.retry
        timeout = httpx.Timeout(self.policy.read_timeout_seconds, connect=self.policy.connect_timeout_seconds)
        # A client per call: callers run in different event loops (API, Temporal activities, the CLI),
        # and a chat turn takes seconds, so a pooled connection would save little.
        async with httpx.AsyncClient(timeout=timeout, transport=self._transport) as client:
            for attempt in range(1, retry.max_attempts + 1):
                try:
                    return await self._attempt(client, body)
                except _Retry as failed:
                    if attempt == retry.max_attempts:
                        raise self._unavailable(
                            f"{failed.reason} (gave up after {attempt} attempts)"
                        ) from None
                    delay = failed.delay if failed.delay is not None else retry.backoff(attempt)
                    if delay > retry.max_retry_after_seconds:
                        raise self._unavailable(
                            f"{failed.reason}; it asks to retry after {delay:.0f} s",
                            retry_after=math.ceil(delay),
                        ) from None
                    await self._sleep(delay)
        raise AssertionError("unreachable: max_attempts >= 1")

    async def _attempt(self, client: httpx.AsyncClient, body: dict[str, object]) -> ChatResponse:
        url = self.endpoint.base_url.rstrip("/") + "/chat/completions"
        headers = {"Authorization": f"Bearer {self.endpoint.api_key.get_secret_value()}"}
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.TimeoutException as error:
            raise _Retry(f"timed out ({_timeout_kind(error)})") from None
        except httpx.TransportError as error:
            raise _Retry(f"cannot connect: {self._scrub(str(error)) or type(error).__name__}") from None
        if response.is_success:
            try:
                return parse_response(response.json(), str(body["model"]))
            except (ValueError, MalformedAnswer) as error:
                what = f"answered with something that is not a chat completion: {self._scrub(str(error))}"
                raise self._error(ProviderError, what) from None
        said = self._said(response)
        if retryable_status(response.status_code):
            delay = retry_after_seconds(response.headers.get("Retry-After"))
            raise _Retry(f"answered {response.status_code}{said}", delay)
        raise self._error(ProviderRejected, f"refused the request: {response.status_code}{said}")

    def _said(self, response: httpx.Response) -> str:
        try:
            message = error_message(response.json())
        except ValueError:
            message = ""
        message = self._scrub(message)
        return f" {message}" if message else ""

    def _scrub(self, text: str) -> str:
        """One line, bounded, and without the key (some servers echo what they were sent)."""
        secret = self.endpoint.api_key.get_secret_value()
        if secret:
            text = text.replace(secret, "***")
        line = " ".join(text.split())
        return line if len(line) <= _MAX_DETAIL else line[: _MAX_DETAIL - 1] + "…"

    def _error(self, kind: type[ProviderError], what: str) -> ProviderError:
        endpoint = self.endpoint
        return kind(f"{endpoint.provider} ({endpoint.host}, model {endpoint.model}) {what}",
                    provider=endpoint.provider)  # fmt: skip

    def _unavailable(self, what: str, **extra: int) -> ProviderUnavailable:
        endpoint = self.endpoint
        return ProviderUnavailable(
            f"{endpoint.provider} ({endpoint.host}, model {endpoint.model}) {what}",
            provider=endpoint.provider,
            **extra,
        )


def _timeout_kind(error: httpx.TimeoutException) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return "connecting"
    if isinstance(error, httpx.ReadTimeout):
        return "waiting for the answer"
    return "sending the request"
