"""Gen AI tests: the chat client against the local OpenAI-compatible server, provider keys on both
control-plane engines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, insert

from craftology.controlplane.db import connect
from craftology.controlplane.schema import tenants
from craftology.controlplane.types import utc_now
from craftology.genai.chat.openai_compat import ChatEndpoint, HttpPolicy, OpenAICompatChat
from craftology.genai.chat.retry import RetryPolicy
from tests.controlplane.conftest import db_url  # noqa: F401
from tests.openai_server import ScriptedChat, chat, chat_server  # noqa: F401
from tests.pg_server import fresh_postgres_db, postgres_url  # noqa: F401

T = TypeVar("T")
API_KEY = "sk-test-0123456789abcdef-SECRET"


@pytest.fixture
def control(db_url: str) -> Iterator[Engine]:  # noqa: F811
    """A migrated control plane (both engines) with the tenants acme and globex."""
    engine = connect(db_url)
    with engine.begin() as conn:
        conn.execute(
            insert(tenants), [{"id": t, "name": t, "created_at": utc_now()} for t in ("acme", "globex")]
        )
    yield engine
    engine.dispose()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class RecordedSleep:
    """Stands in for asyncio.sleep: records each wait the client asks for, and returns at once, so a
    test checks the waits (Retry-After, backoff) without spending them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleep() -> RecordedSleep:
    return RecordedSleep()


MakeClient = Callable[..., OpenAICompatChat]


@pytest.fixture
def make_client(chat: ScriptedChat, sleep: RecordedSleep) -> MakeClient:  # noqa: F811
    """A client of the test server; `read_timeout` and `attempts` as a test needs them."""

    def make(read_timeout: float = 10.0, attempts: int = 3, base_url: str | None = None) -> OpenAICompatChat:
        endpoint = ChatEndpoint("openai", base_url or chat.base_url, "gpt-test", SecretStr(API_KEY))
        policy = HttpPolicy(
            connect_timeout_seconds=2.0,
            read_timeout_seconds=read_timeout,
            retry=RetryPolicy(max_attempts=attempts, backoff_seconds=0.5, max_retry_after_seconds=30),
        )
        return OpenAICompatChat(endpoint, policy, sleep=sleep)

    return make
