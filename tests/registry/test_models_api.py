"""/v1/models through the FastAPI app, over a real control-plane database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.api import ApiDeps, create_app
from craftology.api.routes.models import build_models_router
from craftology.controlplane.db import connect
from craftology.projects.service import ProjectService
from craftology.registry.models import ModelKind
from craftology.registry.service import ModelRegistry
from tests.api.conftest import A, TestClient, assert_problem, authenticate
from tests.principals import default_policy

OPERATOR = "operator-secret-token"
ADMIN = {**A, "X-Admin-Token": OPERATOR}
SDXL: dict[str, Any] = {
    "id": "sdxl",
    "version": "1.0",
    "kind": "keyframe",
    "backend": "diffusers",
    "template_version": "2",
    "params": {"steps": 30},
    "cost_per_unit": 4.0,
    "unit": "image",
}

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(tmp_path: Path, db_url: str) -> Iterator[MakeClient]:
    """Apps over one control-plane database, each with its own engine (as separate processes have)."""
    opened: list[tuple[Engine, TestClient]] = []
    store = SqliteMetadataStore(tmp_path / "tenants")

    def make(admin_token: str | None = OPERATOR) -> TestClient:
        engine = connect(db_url)
        registry = ModelRegistry(engine)
        registry.seed_preview_models()
        secret = None if admin_token is None else SecretStr(admin_token)
        deps = ApiDeps(
            projects=ProjectService(store, default_policy()),
            authenticate=authenticate,
            routers=[build_models_router(registry, secret)],
        )
        client = TestClient(create_app(deps), raise_server_exceptions=False)
        opened.append((engine, client))
        return client

    yield make
    for engine, client in opened:
        client.close()
        engine.dispose()
    store.close()


def _models(client: TestClient) -> dict[str, Any]:
    response = client.get("/v1/models", headers=A)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_any_tenant_reads_the_registry(make_client: MakeClient) -> None:
    client = make_client()
    body = _models(client)
    assert [(m["id"], m["version"], m["current"]) for m in body["items"]] == [
        ("preview-clip", "1.0", True),
        ("preview-cut", "1.0", True),
        ("preview-keyframe", "1.0", True),
        ("preview-sheet", "1.0", True),
    ]
    assert body["current"]["clip"] == {"id": "preview-clip", "version": "1.0"}
    assert list(body["current"]) == [kind.value for kind in ModelKind]
    clip = client.get("/v1/models/preview-clip/versions/1.0", headers=A)
    assert clip.json()["params"] == {"codec": "h264"}
    assert_problem(client.get("/v1/models/preview-clip/versions/9.9", headers=A), 404)
    assert_problem(client.get("/v1/models"), 401)
    assert_problem(client.get("/v1/models", headers={"Authorization": "Bearer nope"}), 401)


def test_register_set_default_and_upgrade(make_client: MakeClient) -> None:
    client = make_client()
    created = client.post("/v1/models", json=SDXL, headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json() == {**SDXL, "current": False}  # preview-keyframe still serves keyframes
    location = created.headers["location"]
    assert location.endswith("/v1/models/sdxl/versions/1.0")
    assert client.get(location, headers=A).json() == created.json()

    again = client.post("/v1/models", json=SDXL, headers=ADMIN)
    assert again.status_code == 200, again.text  # idempotent: exactly this version exists
    assert again.json() == created.json()

    default = client.put("/v1/models/defaults/keyframe", json={"model_id": "sdxl"}, headers=ADMIN)
    assert default.status_code == 200, default.text
    assert default.json() == {**SDXL, "current": True}

    upgraded = client.post("/v1/models", json={**SDXL, "version": "1.1"}, headers=ADMIN)
    assert upgraded.status_code == 201, upgraded.text
    assert upgraded.json()["current"] is True  # a new version of the serving model takes over
    body = _models(client)
    assert body["current"]["keyframe"] == {"id": "sdxl", "version": "1.1"}
    serving = [(m["id"], m["version"]) for m in body["items"] if m["current"]]
    assert ("sdxl", "1.1") in serving
    assert ("sdxl", "1.0") not in serving
    assert ("preview-keyframe", "1.0") not in serving


def test_a_version_never_changes(make_client: MakeClient) -> None:
    client = make_client()
    assert client.post("/v1/models", json=SDXL, headers=ADMIN).status_code == 201
    changed = assert_problem(
        client.post("/v1/models", json={**SDXL, "cost_per_unit": 5.0}, headers=ADMIN), 409
    )
    assert changed["differing"] == ["cost_per_unit"]
    other_kind = {**SDXL, "version": "2.0", "kind": "clip", "unit": "second"}
    assert "keyframe model" in str(
        assert_problem(client.post("/v1/models", json=other_kind, headers=ADMIN), 409)
    )
    assert_problem(client.post("/v1/models", json={**SDXL, "version": "1.00"}, headers=ADMIN), 409)
    stored = client.get("/v1/models/sdxl/versions/1.0", headers=A).json()
    assert stored["cost_per_unit"] == 4.0
    assert [m["version"] for m in _models(client)["items"] if m["id"] == "sdxl"] == ["1.0"]


@pytest.mark.parametrize(
    "change",
    [
        {"version": "bad version"},
        {"id": "Bad Id"},
        {"kind": "video"},
        {"unit": "frame"},
        {"cost_per_unit": -1},
        {"params": [1, 2]},
        {"backend": ""},
        {"template_version": None},
    ],
)
def test_bad_registrations_are_422(make_client: MakeClient, change: dict[str, Any]) -> None:
    client = make_client()
    assert_problem(client.post("/v1/models", json={**SDXL, **change}, headers=ADMIN), 422)
    assert "sdxl" not in {m["id"] for m in _models(client)["items"]}


def test_set_default_errors(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/v1/models", json=SDXL, headers=ADMIN)
    assert_problem(client.put("/v1/models/defaults/clip", json={"model_id": "nope"}, headers=ADMIN), 404)
    assert_problem(client.put("/v1/models/defaults/clip", json={"model_id": "sdxl"}, headers=ADMIN), 409)
    assert_problem(client.put("/v1/models/defaults/video", json={"model_id": "sdxl"}, headers=ADMIN), 422)
    assert_problem(client.put("/v1/models/defaults/clip", json={}, headers=ADMIN), 422)
    assert _models(client)["current"]["clip"] == {"id": "preview-clip", "version": "1.0"}


def test_writes_need_the_operator_token(make_client: MakeClient) -> None:
    client = make_client()
    writes = [
        ("POST", "/v1/models", SDXL),
        ("PUT", "/v1/models/defaults/keyframe", {"model_id": "preview-keyframe"}),
    ]
    for method, url, body in writes:
        assert_problem(client.request(method, url, json=body, headers=A), 403)
        assert_problem(client.request(method, url, json=body, headers={**A, "X-Admin-Token": "wrong"}), 403)
        # The operator token is no tenant credential: without a tenant's bearer token it is a 401.
        assert_problem(client.request(method, url, json=body, headers={"X-Admin-Token": OPERATOR}), 401)
        # Authorization comes before validation: a stranger learns nothing about the schema.
        assert_problem(client.request(method, url, json={"x": 1}, headers=A), 403)
    assert "sdxl" not in {m["id"] for m in _models(client)["items"]}


@pytest.mark.parametrize("configured", [None, ""])
def test_writes_are_disabled_without_a_configured_token(
    make_client: MakeClient, configured: str | None
) -> None:
    client = make_client(admin_token=configured)
    for token in ("", "anything"):
        denied = assert_problem(
            client.post("/v1/models", json=SDXL, headers={**A, "X-Admin-Token": token}), 403
        )
        assert "disabled" in str(denied["detail"])
    put = client.put("/v1/models/defaults/keyframe", json={"model_id": "preview-keyframe"}, headers=A)
    assert_problem(put, 403)
    assert "sdxl" not in {m["id"] for m in _models(client)["items"]}


def test_one_process_registers_another_sees_it(make_client: MakeClient) -> None:
    writer, reader = make_client(), make_client(admin_token=None)
    assert _models(reader)["current"]["keyframe"]["id"] == "preview-keyframe"
    writer.post("/v1/models", json=SDXL, headers=ADMIN)
    writer.put("/v1/models/defaults/keyframe", json={"model_id": "sdxl"}, headers=ADMIN)
    assert _models(reader)["current"]["keyframe"] == {"id": "sdxl", "version": "1.0"}


def test_openapi_documents_every_status(make_client: MakeClient) -> None:
    schema = make_client().get("/openapi.json").json()
    paths = schema["paths"]
    statuses = {
        ("get", "/v1/models"): {"200", "401"},
        ("get", "/v1/models/{model_id}/versions/{version}"): {"200", "401", "404", "422"},
        ("post", "/v1/models"): {"200", "201", "400", "401", "403", "409", "413", "422"},
        ("put", "/v1/models/defaults/{kind}"): {"200", "400", "401", "403", "404", "409", "413", "422"},
    }
    for (method, path), expected in statuses.items():
        operation = paths[path][method]
        assert operation["description"], path
        assert expected <= set(operation["responses"]), (method, path, set(operation["responses"]))
    for method, path in (("post", "/v1/models"), ("put", "/v1/models/defaults/{kind}")):
        assert {"AdminToken": []} in paths[path][method]["security"]
    assert schema["components"]["securitySchemes"]["AdminToken"]["name"] == "X-Admin-Token"
    kind = next(p for p in paths["/v1/models/defaults/{kind}"]["put"]["parameters"] if p["name"] == "kind")
    assert kind["schema"]["$ref"].endswith("/ModelKind")
