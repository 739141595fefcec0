"""What a tenant sends to store a provider key, and what it is shown back: never the key, only its hint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from craftology.errors import BadInput

PROVIDER_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# Where a provider named here lives when the tenant gives no base_url.
KNOWN_BASE_URLS = {"openai": "https://api.openai.com/v1"}


def mask(key: str) -> str:
    """Enough of a key to tell two apart, never enough to use one; short keys show nothing."""
    return f"{key[:3]}...{key[-4:]}" if len(key) >= 16 else "****"


def check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"base_url {url!r} is not an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise BadInput("base_url takes no credentials, query or fragment (the key goes in api_key)")
    return url.rstrip("/")


class ProviderKeyIn(BaseModel):
    """A tenant's key for one provider of the OpenAI Chat Completions API (or a server following it)."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr = Field(
        min_length=1, max_length=4096, description="The provider's API key; stored encrypted, never shown."
    )
    model: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[^\s]+$",
        description="The model to call, e.g. `gpt-4o-mini`.",
    )
    base_url: str | None = Field(
        default=None,
        max_length=1024,
        description="The API's base URL (`{base_url}/chat/completions` is called). Optional for known "
        "providers (`openai`).",
    )

    @field_validator("api_key")
    @classmethod
    def _printable(cls, value: SecretStr) -> SecretStr:
        key = value.get_secret_value()
        if not key.isascii() or not key.isprintable() or " " in key:
            raise ValueError("an API key is printable ASCII without spaces")  # the key is not echoed
        return value

    def resolved_base_url(self, provider: str) -> str:
        url = self.base_url or KNOWN_BASE_URLS.get(provider)
        if url is None:
            raise BadInput(f"base_url is required for provider {provider!r}")
        return check_base_url(url)


@dataclass(frozen=True)
class ProviderKey:
    """A stored key as everyone but the Gen AI client sees it."""

    tenant_id: str
    provider: str
    base_url: str
    model: str
    key_hint: str
    key_id: str  # the master key that sealed it
    revision: int
    updated_by: str
    updated_at: datetime


class ProviderKeyOut(BaseModel):
    provider: str
    base_url: str
    model: str
    key_hint: str = Field(description="The key masked, e.g. `sk-...9f2c`.")
    revision: int = Field(description="Bumped by every change; the ETag a removal sends as If-Match.")
    updated_by: str
    updated_at: datetime

    @classmethod
    def of(cls, key: ProviderKey) -> ProviderKeyOut:
        return cls(
            provider=key.provider, base_url=key.base_url, model=key.model, key_hint=key.key_hint,
            revision=key.revision, updated_by=key.updated_by, updated_at=key.updated_at,
        )  # fmt: skip


class ProviderKeyList(BaseModel):
    items: list[ProviderKeyOut]
