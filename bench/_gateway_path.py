"""The gateway's added cost per request, for bench/authz.py.

One endpoint (`GET /v1/projects/{id}`) is called through two apps over the same container, in the
same process and run, interleaved request by request so both see the same machine state:
- `full`: the API exactly as `craftology up` builds it (embedded engines): the session cookie looked up
  in the control plane, both rate-limit counters hit, the PBAC agent asked for the route's action;
- `bare`: the same routes and services, built with no gateway checks (no policy, no limits, no
  sessions, an `authenticate` that returns a fixed principal).
The difference of the latency percentiles is what the gateway adds. Both are called in-process
through httpx's ASGI transport on one event loop (no server, no socket, no client thread), so the
client's own overhead is small, the same for both, and cancels out.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from time import perf_counter

import httpx
from fastapi import FastAPI

from craftology.api import ApiDeps, create_app
from craftology.api.actions import route_action
from craftology.api.limits import RateLimits
from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.identity.principal import Principal, Role, system_principal
from craftology.ports.sessions import NewSession
from craftology.projects.models import ProjectIn

REQUESTS = 3000
WARMUP = 300
PART_CALLS = 1000
PASSWORD = "bench-password-1"  # a throwaway account in a temporary directory


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _client(app: FastAPI, base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def _interleaved(
    full_app: FastAPI, bare_app: FastAPI, path: str, email: str, requests: int, warmup: int
) -> tuple[list[float], list[float]]:
    """Latencies of `path` through the full app (session cookie) and the bare one, alternating."""
    async with (
        _client(full_app, "https://testserver") as full,
        _client(bare_app, "http://testserver") as bare,
    ):
        signed_in = await full.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        full.cookies.clear()
        cookie = {"Cookie": signed_in.headers["set-cookie"].split(";", 1)[0]}
        bearer = {"Authorization": "Bearer anything"}

        def timer(client: httpx.AsyncClient, headers: dict[str, str]) -> Callable[[], Awaitable[float]]:
            async def call() -> float:
                started = perf_counter()
                response = await client.get(path, headers=headers)
                elapsed = perf_counter() - started
                assert response.status_code == 200, response.text
                return elapsed

            return call

        call_full, call_bare = timer(full, cookie), timer(bare, bearer)
        for _ in range(warmup):
            await call_full()
            await call_bare()
        full_s: list[float] = []
        bare_s: list[float] = []
        for n in range(requests):  # alternate which goes first, so neither is always second
            if n % 2:
                full_s.append(await call_full())
                bare_s.append(await call_bare())
            else:
                bare_s.append(await call_bare())
                full_s.append(await call_full())
        return full_s, bare_s


def _parts(container: Container, owner: Principal, project: str) -> dict[str, float]:
    """The gateway's store calls timed alone (p50, microseconds): where the added time goes."""
    session = container.access.sessions.create(NewSession(owner.tenant, owner.user_id, owner.roles))
    limits = RateLimits(container.access.rate_limiter, 10**9, 10**9)
    entry = route_action("GET", "/v1/projects/{project_id}")
    assert entry is not None
    resource = entry.resource_for(owner, {"project_id": project})
    agent = container.access.policy

    def p50_us(call: Callable[[], object]) -> float:
        samples = []
        for _ in range(PART_CALLS):
            started = perf_counter()
            call()
            samples.append(perf_counter() - started)
        return round(statistics.median(samples) * 1e6, 1)

    return {
        "part_session_lookup_us_p50": p50_us(lambda: container.access.sessions.get(session.id)),
        "part_rate_limits_us_p50": p50_us(lambda: limits.check(owner)),
        "part_policy_us_p50": p50_us(lambda: agent.authorize(owner, entry.action, resource)),
    }


def measure(requests: int = REQUESTS, warmup: int = WARMUP) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="craftology-gateway-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        # Limits on (so both counters are hit on every request) but too high to refuse any.
        gateway = settings.gateway.model_copy(
            update={"rate_limit_per_principal": 10**9, "rate_limit_per_tenant": 10**9}
        )
        container = build_container(settings.model_copy(update={"gateway": gateway}))
        try:
            created = container.tenancy.create_tenant("Bench", tenant_id="bench")
            container.accounts.set_password(created.owner.id, PASSWORD)
            project = container.projects.create_project(
                system_principal("bench"), ProjectIn(name="Bench")
            ).value.id
            owner = Principal("bench", created.owner.id, frozenset({Role.OWNER}))
            bare_deps = ApiDeps(
                projects=container.projects, authenticate=lambda _token: owner, policy=None, limits=None
            )
            full_s, bare_s = asyncio.run(
                _interleaved(
                    build_api(container), create_app(bare_deps), f"/v1/projects/{project}",
                    created.owner.email, requests, warmup,
                )
            )  # fmt: skip
            parts = _parts(container, owner, project)
        finally:
            container.close()
    full_p50, bare_p50 = statistics.median(full_s), statistics.median(bare_s)
    full_p99, bare_p99 = _percentile(full_s, 0.99), _percentile(bare_s, 0.99)
    return {
        "gateway_requests": requests,
        "gateway_ms_p50": _ms(full_p50),
        "gateway_ms_p99": _ms(full_p99),
        "bare_ms_p50": _ms(bare_p50),
        "bare_ms_p99": _ms(bare_p99),
        "added_ms_p50": _ms(full_p50 - bare_p50),
        "added_ms_p99": _ms(full_p99 - bare_p99),
        **parts,
    }
