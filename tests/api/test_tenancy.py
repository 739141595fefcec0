"""Another tenant's token reaches nothing of a tenant, on every route of the OpenAPI document (the
list of routes comes from the document, so a new route without a cross-tenant case fails here)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from craftology.api.routes.models import SHARED_TAGS
from tests.api.conftest import A, B, TestClient, assert_problem
from tests.api.fuzz_app import FuzzWorld, fuzz_world, snapshot

PARAMETER = re.compile(r"\{(\w+)\}")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 90)).save(out, format="PNG")
    return out.getvalue()


def request_body(method: str, path: str, ids: dict[str, str]) -> dict[str, Any]:
    """A valid body for the routes that take one, so the request gets past validation to the lookup
    that must fail; a route taking a body that is missing here fails the test (422 is not 404)."""
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/v1/projects"): {"json": {"name": "Mine"}},
        ("PATCH", "/v1/projects/{project_id}"): {"json": {"name": "pwned"}},
        ("POST", "/v1/projects/{project_id}/cards"): {"json": {"kind": "prop", "name": "x"}},
        ("PATCH", "/v1/projects/{project_id}/cards/{card_id}"): {"json": {"name": "pwned"}},
        ("POST", "/v1/projects/{project_id}/shots"): {"json": {"description": "x"}},
        ("POST", "/v1/projects/{project_id}/shots/reorder"): {"json": {"shot_ids": [ids["shot_id"]]}},
        ("PATCH", "/v1/projects/{project_id}/shots/{shot_id}"): {"json": {"description": "pwned"}},
        ("POST", "/v1/projects/{project_id}/shots/{shot_id}/move"): {"json": {"after": ids["shot_id"]}},
        ("POST", "/v1/projects/{project_id}/targets/{target}/accept"): {
            "json": {"asset_id": ids["asset_id"]}
        },
        ("POST", "/v1/projects/{project_id}/targets/{target}/pin"): {"json": {"pinned": True}},
        ("PUT", "/v1/projects/{project_id}/targets/{target}/seed"): {"json": {"seed": 7}},
        ("PUT", "/v1/projects/{project_id}/targets/{target}/upload"): {
            "content": png(),
            "headers": {"Content-Type": "image/png"},
        },
        ("PUT", "/v1/members/{user_id}/role"): {"json": {"role": "viewer"}},
        ("PUT", "/v1/members/{user_id}/password"): {
            "json": {"old_password": "x", "new_password": "pwned-pwned"}
        },
        ("POST", "/v1/invitations"): {"json": {"email": "mine@example.com", "role": "viewer"}},
        ("POST", "/v1/tokens"): {"json": {"name": "mine", "scopes": ["read"]}},
    }  # fmt: skip
    return bodies.get((method, path), {})


@pytest.fixture
def world(tmp_path: Path) -> Iterator[FuzzWorld]:
    with fuzz_world(tmp_path / "data") as made:
        yield made


def test_another_tenant_gets_404_on_every_route(world: FuzzWorld) -> None:
    document = world.app.openapi()
    operations = [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if not SHARED_TAGS & set(operation.get("tags", ()))  # the registry is every tenant's
    ]
    assert len(operations) > 25  # the whole API: projects, cards, shots, targets, plans, runs, assets
    before = snapshot(world)
    foreign = {"Authorization": f"Bearer {world.other_token}", "If-Match": "*"}
    with TestClient(world.app, raise_server_exceptions=False) as client:
        for method, path in operations:
            if not path.startswith("/v1/"):
                continue
            names = PARAMETER.findall(path)
            url = PARAMETER.sub(lambda m: world.ids[m.group(1)], path)
            extra = request_body(method, path, world.ids)
            headers = {**foreign, **extra.pop("headers", {})}
            response = client.request(method, url, headers=headers, **extra)
            if names:
                assert_problem(response, 404)
            else:  # lists and creations: only the caller's own records
                assert response.status_code < 300, (method, path, response.text)
                assert world.project_id not in response.text, (method, path)
    assert snapshot(world) == before


def test_other_tenant_cannot_reference_foreign_cards(client: TestClient, project: str) -> None:
    card = client.post(
        f"/v1/projects/{project}/cards", json={"kind": "prop", "name": "Shoe"}, headers=A
    ).json()
    own = client.post("/v1/projects", json={"name": "Mine"}, headers=B).json()["id"]
    shot = client.post(
        f"/v1/projects/{own}/shots", json={"description": "x", "cards": [card["id"]]}, headers=B
    )
    assert card["id"] in str(assert_problem(shot, 422)["detail"])
    assert_problem(client.get(f"/v1/projects/{own}/cards/{card['id']}", headers=B), 404)
