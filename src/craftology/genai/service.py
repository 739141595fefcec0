"""The Gen AI service: chat clients calling each tenant's provider with the tenant's own key."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from craftology.config import GenAiSettings, Settings
from craftology.genai.chat.openai_compat import HttpPolicy, OpenAICompatChat
from craftology.genai.chat.retry import RetryPolicy
from craftology.genai.keys.crypto import Keyring
from craftology.genai.keys.master import keyring
from craftology.genai.keys.service import ProviderKeys
from craftology.ports.chat import ChatPort


def http_policy(settings: GenAiSettings) -> HttpPolicy:
    return HttpPolicy(
        connect_timeout_seconds=settings.connect_timeout_seconds,
        read_timeout_seconds=settings.read_timeout_seconds,
        retry=RetryPolicy(
            max_attempts=settings.max_attempts,
            backoff_seconds=settings.backoff_seconds,
            backoff_max_seconds=settings.backoff_max_seconds,
            max_retry_after_seconds=settings.max_retry_after_seconds,
        ),
    )


class GenAi:
    def __init__(self, keys: ProviderKeys, policy: HttpPolicy) -> None:
        self.keys = keys
        self.policy = policy

    def chat(self, tenant_id: str, provider: str = "openai") -> ChatPort:
        """A chat client for the tenant's `provider`, with its stored key and model (read now, so a key
        changed in another process is used at the next call). ProviderNotConfigured without a key."""
        return OpenAICompatChat(self.keys.endpoint(tenant_id, provider), self.policy)


def build_genai(settings: Settings, control: Engine, ring: Callable[[], Keyring] | None = None) -> GenAi:
    keys = ProviderKeys(control, ring or (lambda: keyring(settings)))
    return GenAi(keys, http_policy(settings.genai))
