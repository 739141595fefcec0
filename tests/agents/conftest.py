"""Servers the agents' tests share, each started once for the session when first asked for: the local
OpenAI-compatible chat server (the LLM engines' provider) and a Temporal dev server (LLM proposals)."""

from __future__ import annotations

from tests.openai_server import chat, chat_server  # noqa: F401
from tests.workflows.conftest import temporal_server  # noqa: F401
