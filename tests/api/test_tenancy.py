from __future__ import annotations

from typing import Any

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from tests.api.conftest import A, B, TestClient, assert_problem


def test_other_tenant_gets_404_on_every_route(
    client: TestClient, store: SqliteMetadataStore, project: str
) -> None:
    base = f"/v1/projects/{project}"
    card = client.post(f"{base}/cards", json={"kind": "prop", "name": "Shoe"}, headers=A).json()["id"]
    shot = client.post(f"{base}/shots", json={"description": "x", "cards": [card]}, headers=A).json()["id"]
    write = {**B, "If-Match": "*"}
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", base, None),
        ("PATCH", base, {"name": "pwned"}),
        ("DELETE", base, None),
        ("GET", f"{base}/history", None),
        ("POST", f"{base}/cards", {"kind": "prop", "name": "x"}),
        ("GET", f"{base}/cards", None),
        ("GET", f"{base}/cards/{card}", None),
        ("PATCH", f"{base}/cards/{card}", {"name": "pwned"}),
        ("DELETE", f"{base}/cards/{card}", None),
        ("GET", f"{base}/cards/{card}/history", None),
        ("POST", f"{base}/shots", {"description": "x"}),
        ("GET", f"{base}/shots", None),
        ("POST", f"{base}/shots/reorder", {"shot_ids": [shot]}),
        ("GET", f"{base}/shots/{shot}", None),
        ("PATCH", f"{base}/shots/{shot}", {"description": "pwned"}),
        ("DELETE", f"{base}/shots/{shot}", None),
        ("GET", f"{base}/shots/{shot}/history", None),
    ]
    schema = client.get("/openapi.json").json()
    app_routes = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/v1/projects/{")
        for method in item
    }
    templated = {
        (method, url.replace(project, "{project_id}").replace(card, "{card_id}").replace(shot, "{shot_id}"))
        for method, url, _ in calls
    }
    assert app_routes == templated, f"routes missing from this test: {app_routes - templated}"

    for method, url, body in calls:
        assert_problem(client.request(method, url, json=body, headers=write), 404)

    assert store.get("acme", "projects", project).revision == 1
    assert store.get("acme", "cards", card).revision == 1
    assert store.get("acme", "shots", shot).revision == 1
    assert len(list(store.scan("acme", "cards"))) == 1
    assert client.get("/v1/projects", headers=B).json() == {"items": [], "next_cursor": None}


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
