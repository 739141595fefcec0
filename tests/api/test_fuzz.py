"""Property-based fuzzing of the whole REST API with schemathesis, against real stores.

For every documented operation schemathesis generates valid and invalid requests (unknown path ids,
broken bodies, huge and unicode strings, wrong types, missing or forged tokens, undocumented methods)
and runs every one of its checks on the answer: never a 5xx; a documented status code, content type,
headers and body; invalid data refused and valid data accepted (with the statuses the schema cannot
express listed in CONFIG); auth enforced; 405 with Allow for undocumented methods. On top, every 4xx
must be `application/problem+json` with type/title/status/detail, status = HTTP status. A second
tenant fuzzes the same routes with its own token against the first tenant's records.

Left out: starting a run, reading and cancelling runs (`POST /v1/projects/{id}/runs`, `/v1/runs/...`).
They need a Temporal server, and the ASGI transport runs the app in its own event loop, which an asyncio
Temporal client made in another loop cannot serve; tests/platform covers those routes over HTTP.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import CheckContext
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.transport import SerializationContext

from craftology.api.routes.models import SHARED_TAGS
from craftology.api.routes.providers import OWN_SETTINGS_TAGS
from tests.api.fuzz_app import FuzzWorld, fuzz_world, openapi_document, snapshot

pytestmark = pytest.mark.slow

PROBLEM_FIELDS = {"type": str, "title": str, "status": int, "detail": str}
TEMPORAL_ROUTES = r"^/v1/runs/"  # and POST /v1/projects/{project_id}/runs, excluded below
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
SAFE_SEGMENTS = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")
SEEN: defaultdict[str, set[int]] = defaultdict(set)  # operation -> statuses the fuzzing got back


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    with fuzz_world(tmp_path_factory.mktemp("fuzz") / "data") as made:
        yield made


def validate(case: Case, response: Response, world: FuzzWorld) -> None:
    """Every schemathesis check plus ours; the token counts as given (not generated), so the auth
    checks probe the same request without it and with a forged one."""
    # Those probes go through the schema's transport: the ASGI one, to this app.
    case.operation.schema.app = world.app
    case.validate_response(
        response,
        headers=world.auth,
        transport_kwargs={"app": world.app},
        additional_checks=EXTRA_CHECKS,
    )


# Loaded eagerly: schemathesis' fixture-based loader does not work with pytest 9. Requests go to the
# fixture's app through `case.call(app=...)` (schemathesis' ASGI transport).
# What a schema-valid request may still get, because the schema cannot say it: 404 and 422 for ids
# and references to records that do not exist (a shot's cards, a reorder's shot ids, an asset made
# for another target, an upload whose bytes are not its declared type), 409 for a conflicting state,
# 412 for an If-Match naming an old revision, 416 for a range past the end. A missing If-Match is 428.
# 403 for a registry write: the operator token is a credential the schema cannot express, and it stays
# unset here so the shared registry does not change under the stateful runs (tests/registry covers it).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "416", "422"]
            },
            "missing_required_header": {"expected-statuses": ["401", "428"]},
            # A write naming an old revision is refused with 412 before the rest is looked at.
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "409",
                    "412",
                    "413",
                    "415",
                    "422",
                    "428",
                ]
            },
        }
    }
)
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
fuzzed = schema.exclude(path_regex=TEMPORAL_ROUTES).exclude(
    method="POST", path="/v1/projects/{project_id}/runs"
)


@schemathesis.serializer("video/mp4")
def mp4_body(ctx: SerializationContext, value: object) -> bytes:
    """Schemathesis has file samples for images but not video: an ISO-BMFF `ftyp` box, then the
    generated bytes, so an upload declared as video/mp4 is one by its first bytes."""
    tail = value if isinstance(value, bytes) else str(value).encode()
    return MP4_HEAD + tail


def problem_json(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx is an RFC 9457 problem document whose status is the HTTP status."""
    if not 400 <= response.status_code < 500:
        return None
    assert_problem_document(response)
    return True


def assert_problem_document(response: Response) -> None:
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.split(";")[0] == "application/problem+json", (
        f"{response.status_code} with content type {content_type!r}"
    )
    body = response.json()
    assert isinstance(body, dict), body
    for name, kind in PROBLEM_FIELDS.items():
        assert isinstance(body.get(name), kind), f"problem field {name!r} missing or wrong: {body}"
    assert body["status"] == response.status_code, body


def no_server_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    return True


EXTRA_CHECKS = [no_server_error, problem_json]
"""Run on top of every schemathesis check (`validate_response` runs all of them by default)."""


def _drops_the_token(case: Case) -> bool:
    """Whether schemathesis broke the headers on purpose (a negative case): a forged or missing token
    is one way, so such requests go with the headers as generated, and must be refused."""
    if case.operation.schema.is_security_param_negated(case):
        return True
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta is not None else None
    return headers is not None and headers.mode.is_negative


def _real_ids(world: FuzzWorld) -> dict[str, list[str]]:
    return {
        "project_id": [world.project_id],
        "card_id": [world.card_id],
        "shot_id": [world.shot_id],
        "asset_id": [world.asset_id],
        "proposal_id": [world.ids["proposal_id"]],
        "target": [world.sheet_target, f"shot/{world.shot_id}/keyframe", "project/x/cut"],
        "entry_id": [world.ids["entry_id"]],
    }


@fuzzed.parametrize()
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
    # Half the time point the path at records that exist, so handlers past the lookup are fuzzed too
    # (not when the path is meant to break the schema: a real id would make the request valid; nor
    # for deletes, which would remove the seeded records the later operations need).
    negative_path = case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
    deletes = case.method.upper() == "DELETE"
    if case.path_parameters and not negative_path and not deletes and data.draw(st.booleans()):
        for name, values in _real_ids(world).items():
            if name in case.path_parameters:
                case.path_parameters[name] = data.draw(st.sampled_from(values))
    headers = dict(case.headers or {})
    if not _drops_the_token(case):
        # In the case's own headers: schemathesis re-validates what a test changes there, and a
        # case without its Authorization would count as a negative one.
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"} | world.auth
    # `*` gets writes past the precondition.
    if "If-Match" in headers and data.draw(st.booleans()):
        headers["If-Match"] = "*"
    case.headers = headers
    response = case.call(app=world.app)
    SEEN[f"{case.operation.method.upper()} {case.operation.path}"].add(response.status_code)
    validate(case, response, world)


def test_stateful_sequences_keep_the_same_promises(world: FuzzWorld) -> None:
    """Chains of calls linked through the responses (create a project, then its cards, shots, ...):
    the same checks hold for every step, with writes sent If-Match `*` so they get past the
    precondition and reach the handlers."""

    class Sequences(fuzzed.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            headers = dict(case.headers or {})
            if not _drops_the_token(case):
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"} | world.auth
            if case.method.upper() in ("PATCH", "DELETE"):
                headers["If-Match"] = "*"
            case.headers = headers
            return {"app": world.app}

        def validate_response(self, response: Response, case: Case, *args: Any, **kwargs: Any) -> None:
            SEEN[f"stateful {case.operation.method.upper()} {case.operation.path}"].add(response.status_code)
            validate(case, response, world)

    Sequences.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
    # The sequences follow the links: a created project gets cards and is deleted again.
    assert 201 in SEEN["stateful POST /v1/projects"], dict(SEEN)
    linked = [op for op, statuses in SEEN.items() if "stateful" in op and "{project_id}" in op]
    assert any(status < 300 for op in linked for status in SEEN[op]), dict(SEEN)


@fuzzed.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_v1_route_needs_a_token(case: Case, world: FuzzWorld) -> None:
    # Negative generation also sends other methods (405 is right for those): only the documented one here.
    if not case.path.startswith("/v1/") or case.method.upper() != case.operation.method.upper():
        return
    # A blank segment, or a target with a newline (`{target:path}` does not match one), makes a URL no
    # route matches: 404 is right for those.
    for name, value in (case.path_parameters or {}).items():
        if not SAFE_SEGMENTS.fullmatch(str(value)):
            case.path_parameters[name] = "card/x/sheet" if name == "target" else "x"
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers = headers
    response = case.call(app=world.app)
    assert response.status_code == 401, (case.method, case.formatted_path, response.text[:300])
    assert response.headers["content-type"] == ["application/problem+json"]
    assert response.json()["status"] == 401
    for bad in ("Bearer nope", "Basic Zm9vOmJhcg==", f"Bearer {world.token}x"):
        response = case.call(headers={**headers, "Authorization": bad}, app=world.app)
        assert response.status_code == 401, (case.method, case.formatted_path, bad, response.text[:300])


@fuzzed.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@schema.given(data=st.data())
def test_another_tenants_token_reaches_nothing(case: Case, data: st.DataObject, world: FuzzWorld) -> None:
    """The second tenant fuzzes the routes naming records with its own token, pointing each path id
    at the first tenant's record or at its own (at least one at the first tenant's): it is refused,
    sees none of the first tenant's data and changes none of it."""
    names = sorted(case.path_parameters or {})
    if not names or case.method.upper() != case.operation.method.upper():
        return  # lists and creations name no record: tests/api/test_isolation.py covers them
    if SHARED_TAGS & set(case.operation.tags or ()):
        return  # the model registry is shared by every tenant: it names no tenant's record
    if OWN_SETTINGS_TAGS & set(case.operation.tags or ()):
        return  # a provider's name is the caller's own setting: tests/api/test_isolation.py covers them
    foreign = set(data.draw(st.sets(st.sampled_from(names), min_size=1)))
    for name in names:
        ids = world.ids if name in foreign else world.other_ids
        case.path_parameters[name] = ids[name]
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    if "If-Match" in headers and data.draw(st.booleans()):
        headers["If-Match"] = "*"
    case.headers = headers
    before = snapshot(world)
    response = case.call(app=world.app, headers={"Authorization": f"Bearer {world.other_token}"})
    assert 400 <= response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
    assert "dusk run" not in response.text  # the first tenant's brief
    assert snapshot(world) == before
    assert_problem_document(response)
    SEEN[f"foreign {case.operation.method.upper()} {case.operation.path}"].add(response.status_code)


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


def test_the_fuzzed_operations_cover_the_api() -> None:
    """The fuzzing reaches every /v1 operation but the Temporal ones (a router dropped from build_api
    or an undocumented route would shrink this)."""
    operations = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in fuzzed.get_all_operations()
    }
    for expected in (
        "POST /v1/projects",
        "PATCH /v1/projects/{project_id}/cards/{card_id}",
        "POST /v1/projects/{project_id}/shots/reorder",
        "POST /v1/projects/{project_id}/shots/{shot_id}/move",
        "GET /v1/projects/{project_id}/targets",
        "GET /v1/assets/{asset_id}/content",
        "PUT /v1/projects/{project_id}/targets/{target}/upload",
    ):
        assert expected in operations, sorted(operations)
    assert "GET /v1/projects/{project_id}/runs" in operations  # listing runs needs no Temporal
    assert not any("/runs" in op and not op.startswith("GET /v1/projects/") for op in operations)


def test_the_fuzzing_got_past_the_lookups() -> None:
    """Fuzzed paths point at real records half the time: some requests must succeed, or the fuzzing
    only ever exercised the 404 and 422 paths."""
    if not SEEN:
        pytest.skip("the fuzz test did not run in this session")
    for operation, success in (
        ("GET /v1/projects/{project_id}", 200),
        ("GET /v1/projects/{project_id}/cards/{card_id}", 200),
        ("GET /v1/projects/{project_id}/targets", 200),
        ("GET /v1/assets/{asset_id}", 200),
        ("POST /v1/projects", 201),
    ):
        assert success in SEEN[operation], (operation, sorted(SEEN[operation]))
    # The second tenant's requests got to the lookups too, and were told there is no such record.
    for operation in ("GET /v1/projects/{project_id}", "GET /v1/assets/{asset_id}/content"):
        assert 404 in SEEN[f"foreign {operation}"], (operation, sorted(SEEN[f"foreign {operation}"]))


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", b'{"name": "' + b"x" * 100_000 + b'"}', 413),
        ("application/json", '{"name": "\u00e9\U0001f3ac\u202e"}'.encode(), 201),
        ("application/json", '{"name": "' + "\U0001f3ac" * 5000 + '"}', 422),
        ("application/json", b'{"name": "\xff\xfe"}', 400),
        ("text/plain", b'{"name": "plain"}', 422),
        ("application/xml", b"<project/>", 422),
    ],
)
def test_odd_bodies_get_documented_answers(
    world: FuzzWorld, content_type: str, body: bytes | str, status: int
) -> None:
    """Bodies too large, unicode, undecodable or of the wrong media type: each gets its documented
    status, checked by the same checks as the fuzzing."""
    case = schema["/v1/projects"]["POST"].Case(
        body=body.encode() if isinstance(body, str) else body, media_type=content_type
    )
    response = case.call(app=world.app, headers={**world.auth, "Content-Type": content_type})
    assert response.status_code == status, response.text[:300]
    validate(case, response, world)
