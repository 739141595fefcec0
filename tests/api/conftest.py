from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, Request
from pydantic import SecretStr

with warnings.catch_warnings():
    # Starlette asks for its httpx2 fork; the project depends on httpx, which the test client still uses.
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.api import ApiDeps, Tenant, create_app
from craftology.api.body_limit import upload_body
from craftology.errors import Unauthenticated
from craftology.identity.principal import Principal, Role
from craftology.projects.service import ProjectService
from tests.principals import default_policy
from tests.redis_server import RedisTarget, fresh_redis, redis_server  # noqa: F401

TOKENS = {"token-acme": "acme", "token-globex": "globex"}
A = {"Authorization": "Bearer token-acme"}
B = {"Authorization": "Bearer token-globex"}
MAX_BODY = 4096


def authenticate(token: str) -> Principal:
    """The plumbing tests' tokens: each is its tenant's owner (no policy is asked here)."""
    try:
        return Principal(tenant=TOKENS[token], user_id="owner", roles=frozenset({Role.OWNER}))
    except KeyError:
        raise Unauthenticated("unknown token") from None


# An extra router as the lead adds them: it shows such routers get the tenant and the error handling.
extra = APIRouter(prefix="/extra")


@extra.get("/boom")
def boom(tenant: Tenant) -> dict[str, str]:
    """Fails unexpectedly."""
    raise RuntimeError(f"secret internals of {tenant}")


@extra.put("/upload", openapi_extra=upload_body("application/octet-stream"))
async def upload(request: Request, tenant: Tenant) -> dict[str, int]:
    """Counts the bytes of a streamed upload."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"size": size}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteMetadataStore]:
    metadata = SqliteMetadataStore(tmp_path / "tenants")
    for tenant in TOKENS.values():
        metadata.provision(tenant)
    yield metadata
    metadata.close()


@pytest.fixture
def client(store: SqliteMetadataStore) -> Iterator[TestClient]:
    deps = ApiDeps(
        projects=ProjectService(store, default_policy()),
        authenticate=authenticate,
        max_body_bytes=MAX_BODY,
        routers=[extra],
        max_upload_bytes=4 * MAX_BODY,
    )
    with TestClient(create_app(deps), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def project(client: TestClient) -> str:
    response = client.post("/v1/projects", json={"name": "Trail Shoes"}, headers=A)
    assert response.status_code == 201
    project_id: str = response.json()["id"]
    return project_id


@pytest.fixture(params=["embedded", "redis"])
def session_backend(request: pytest.FixtureRequest) -> dict[str, dict[str, object]]:
    """Settings areas choosing where sessions and rate-limit counters live: the control plane, or
    the real Redis test server under a fresh key prefix."""
    if request.param == "embedded":
        return {"sessions": {"backend": "embedded"}}
    target: RedisTarget = request.getfixturevalue("fresh_redis")
    return {
        "sessions": {"backend": "redis"},
        "redis": {"url": SecretStr(target.url), "key_prefix": target.prefix},
    }


def assert_problem(response: object, status: int) -> dict[str, object]:
    import httpx
    import httpx2  # what Starlette's test client uses once installed (the MCP SDK depends on it)

    assert isinstance(response, httpx.Response | httpx2.Response)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    return body
