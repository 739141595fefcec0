"""The API as `craftology up` builds it (MCP mounted at /mcp), served by uvicorn on a free local port
in a thread, over the gateway tests' world: tenant `acme` with one member per role (each with an API
token) and a seeded project, plus a second tenant `globex` with its own seeded project."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from tests.api.fuzz_app import _seed as seed
from tests.api.gateway_world import GatewayWorld, gateway_settings, gateway_world


@dataclass
class McpWorld:
    gateway: GatewayWorld
    base_url: str
    other_token: str  # globex's owner
    other_ids: dict[str, str]  # globex's records

    @property
    def url(self) -> str:
        return f"{self.base_url}/mcp"

    @property
    def ids(self) -> dict[str, str]:
        return self.gateway.ids


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """`app` served by uvicorn (with its lifespan, which runs the MCP server) on a free port."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else ~40 ms delayed-ACK waits per call
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            threading.Event().wait(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


@contextmanager
def mcp_world(data_dir: Path, **areas: dict[str, Any]) -> Iterator[McpWorld]:
    with gateway_world(gateway_settings(data_dir, **areas)) as made:
        other = made.container.tenancy.create_tenant("Globex", tenant_id="globex")
        other_ids = seed(made.container, "globex", "dawn run")
        with serving(made.app) as base_url:
            yield McpWorld(made, base_url, other.token, other_ids)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[McpWorld]:
    with mcp_world(tmp_path / "data") as made:
        yield made


@asynccontextmanager
async def connect(url: str, token: str, mode: str = "auto") -> AsyncIterator[Client]:
    """A real MCP client session over streamable HTTP, sending `token` as its bearer token."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60.0) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        yield client


def error_text(result: CallToolResult) -> str:
    """The message of a tool error (asserting it is one)."""
    assert result.is_error, result
    return " ".join(getattr(block, "text", "") for block in result.content)


def structured(result: CallToolResult) -> Any:
    """The structured result of a successful call (a tool returning a list or text gets `result`)."""
    assert not result.is_error, result.content
    assert result.structured_content is not None, result
    body = result.structured_content
    return body["result"] if set(body) == {"result"} else body
