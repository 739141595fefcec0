"""Property-based fuzzing of the whole REST API with schemathesis, against real stores.

For every documented operation schemathesis generates valid and invalid requests (unknown path ids,
broken bodies, huge and unicode strings, wrong types); each response must:
- never be a 5xx;
- have a documented status code, content type and headers, and a body matching the documented schema;
- if it is a 4xx, be `application/problem+json` with type/title/status/detail, status = HTTP status.

Left out: starting a run, reading and cancelling runs (`POST /v1/projects/{id}/runs`, `/v1/runs/...`).
They need a Temporal server, and the ASGI transport runs the app in its own event loop, which an asyncio
Temporal client made in another loop cannot serve; tests/platform covers those routes over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import CheckContext
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.fuzz_app import FuzzWorld, fuzz_world

pytestmark = pytest.mark.slow

PROBLEM_FIELDS = {"type": str, "title": str, "status": int, "detail": str}
TEMPORAL_ROUTES = r"^/v1/runs/|^/v1/projects/\{project_id\}/runs$"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    with fuzz_world(tmp_path_factory.mktemp("fuzz") / "data") as made:
        yield made


@pytest.fixture(scope="module")
def api_schema(world: FuzzWorld) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", world.app)


schema = schemathesis.pytest.from_fixture("api_schema")


def problem_json(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx is an RFC 9457 problem document whose status is the HTTP status."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.split(";")[0] == "application/problem+json", (
        f"{response.status_code} with content type {content_type!r}"
    )
    body = response.json()
    assert isinstance(body, dict), body
    for name, kind in PROBLEM_FIELDS.items():
        assert isinstance(body.get(name), kind), f"problem field {name!r} missing or wrong: {body}"
    assert body["status"] == response.status_code, body
    return True


def no_server_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    return True


CHECKS = [
    no_server_error,
    problem_json,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _real_ids(world: FuzzWorld) -> dict[str, list[str]]:
    return {
        "project_id": [world.project_id],
        "card_id": [world.card_id],
        "shot_id": [world.shot_id],
        "asset_id": [world.asset_id],
        "target": [world.sheet_target, f"shot/{world.shot_id}/keyframe", "project/x/cut"],
    }


@schema.exclude(path_regex=TEMPORAL_ROUTES).parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@schema.given(data=st.data())
def test_fuzzed_requests_get_documented_non_5xx_answers(
    case: Case, data: st.DataObject, world: FuzzWorld
) -> None:
    # Half the time point the path at records that exist, so handlers past the lookup are fuzzed too.
    for name, values in _real_ids(world).items():
        if case.path_parameters and name in case.path_parameters and data.draw(st.booleans()):
            case.path_parameters[name] = data.draw(st.sampled_from(values))
    headers = dict(case.headers or {})
    headers.update(world.auth)
    if "If-Match" in headers and data.draw(st.booleans()):
        headers["If-Match"] = "*"
    case.headers = headers
    case.call_and_validate(checks=CHECKS)


@schema.exclude(path_regex=TEMPORAL_ROUTES).parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_v1_route_needs_a_token(case: Case, world: FuzzWorld) -> None:
    if not case.path.startswith("/v1/"):
        return
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers = headers
    response = case.call()
    assert response.status_code == 401, (case.method, case.formatted_path, response.text[:300])
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401
    for bad in ("Bearer nope", "Basic Zm9vOmJhcg==", f"Bearer {world.token}x"):
        response = case.call(headers={**headers, "Authorization": bad})
        assert response.status_code == 401, (case.method, case.formatted_path, bad, response.text[:300])


def test_the_run_routes_need_a_token_too(world: FuzzWorld) -> None:
    """The Temporal routes are left out of the fuzzing; their authentication is checked here, which
    runs before any Temporal call."""
    from fastapi.testclient import TestClient

    with TestClient(world.app, raise_server_exceptions=False) as client:
        for method, path in (
            ("POST", f"/v1/projects/{world.project_id}/runs"),
            ("GET", "/v1/runs/r1"),
            ("POST", "/v1/runs/r1/cancel"),
        ):
            response = client.request(method, path)
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"


def test_the_fuzzed_operations_cover_the_api(api_schema: Any) -> None:
    """The fuzzing reaches every /v1 operation but the Temporal ones (a router dropped from build_api
    or an undocumented route would shrink this)."""
    fuzzed = api_schema.exclude(path_regex=TEMPORAL_ROUTES)
    operations = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in fuzzed.get_all_operations()
    }
    for expected in (
        "POST /v1/projects",
        "PATCH /v1/projects/{project_id}/cards/{card_id}",
        "POST /v1/projects/{project_id}/shots/reorder",
        "GET /v1/projects/{project_id}/targets",
        "GET /v1/assets/{asset_id}/content",
        "PUT /v1/projects/{project_id}/targets/{target}/upload",
    ):
        assert expected in operations, sorted(operations)
    assert not any("/runs" in op and not op.startswith("GET /v1/projects/") for op in operations)
