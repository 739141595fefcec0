"""The measurement of bench/mcp.py (see its docstring)."""

from __future__ import annotations

import asyncio
import socket
import statistics
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter
from typing import Any

import httpx
import httpx2
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from _common import emit, parse_args
from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import build_container
from craftology.identity.principal import system_principal
from craftology.projects.models import ProjectIn, ShotIn

UNITS = 400
WARMUP = 50
SHOTS = 20


@contextmanager
def _served(data_dir: Path) -> Iterator[tuple[str, str, str]]:
    """The API on a free port over a fresh data dir: (base URL, API token, project id)."""
    settings = Settings(data_dir=data_dir)
    unlimited = {"rate_limit_per_principal": 0, "rate_limit_per_tenant": 0}
    settings = settings.model_copy(update={"gateway": settings.gateway.model_copy(update=unlimited)})
    container = build_container(settings)
    created = container.tenancy.create_tenant("Bench", tenant_id="bench")
    project = container.projects.create_project(
        system_principal("bench"), ProjectIn(name="Lighthouse")
    ).value.id
    for n in range(SHOTS):
        container.projects.create_shot(system_principal("bench"), project, ShotIn(description=f"shot {n}"))
    sock = socket.socket()
    # Accepted connections inherit it: without, a request waits ~40 ms on delayed ACKs when uvicorn is
    # handed a socket (it sets no-delay only on sockets it binds itself).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(build_api(container), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            threading.Event().wait(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", created.token, project
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
        container.close()


async def _timed(call: Callable[[], Awaitable[Any]], into: list[float]) -> None:
    started = perf_counter()
    await call()
    into.append(perf_counter() - started)


async def _measure(base_url: str, token: str, project: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    rest_times: list[float] = []
    mcp_times: list[float] = []
    async with (
        httpx.AsyncClient(base_url=f"{base_url}/v1", headers=auth, timeout=30.0) as rest,
        httpx2.AsyncClient(headers=auth, timeout=30.0) as http,
        Client(streamable_http_client(f"{base_url}/mcp", http_client=http)) as mcp,
    ):

        async def rest_project() -> None:
            (await rest.get(f"/projects/{project}")).raise_for_status()

        async def rest_shots() -> None:
            response = await rest.get(f"/projects/{project}/shots", params={"limit": SHOTS})
            response.raise_for_status()
            assert len(response.json()["items"]) == SHOTS

        async def mcp_project() -> None:
            assert not (await mcp.call_tool("get_project", {"project_id": project})).is_error

        async def mcp_shots() -> None:
            result = await mcp.call_tool("list_shots", {"project_id": project, "limit": SHOTS})
            assert not result.is_error
            assert len((result.structured_content or {})["items"]) == SHOTS

        for unit in range(WARMUP + UNITS):
            rest_into, mcp_into = ([], []) if unit < WARMUP else (rest_times, mcp_times)
            for call, into in ((rest_project, rest_into), (rest_shots, rest_into),
                               (mcp_project, mcp_into), (mcp_shots, mcp_into)):  # fmt: skip
                await _timed(call, into)
    rest_rate, mcp_rate = len(rest_times) / sum(rest_times), len(mcp_times) / sum(mcp_times)
    rest_p50, mcp_p50 = statistics.median(rest_times), statistics.median(mcp_times)
    return {
        "calls_each": len(rest_times),
        "mcp_calls_per_second": round(mcp_rate, 1),
        "mcp_p50_ms": round(mcp_p50 * 1000, 3),
        "rest_calls_per_second": round(rest_rate, 1),
        "rest_p50_ms": round(rest_p50 * 1000, 3),
        "mcp_to_rest_calls_per_second_ratio": round(mcp_rate / rest_rate, 3),
        "mcp_to_rest_p50_ratio": round(mcp_p50 / rest_p50, 3),
        "workload": f"get project + list {SHOTS} shots, sequential, loopback uvicorn",
    }


def main(description: str) -> None:
    args = parse_args(description)
    with tempfile.TemporaryDirectory(prefix="craftology-mcp-bench-") as tmp, _served(Path(tmp)) as served:
        emit(asyncio.run(_measure(*served)), args.json)
