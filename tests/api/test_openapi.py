from __future__ import annotations

from tests.api.conftest import TestClient

EXPECTED = {
    ("post", "/v1/projects"),
    ("get", "/v1/projects"),
    ("get", "/v1/projects/{project_id}"),
    ("patch", "/v1/projects/{project_id}"),
    ("delete", "/v1/projects/{project_id}"),
    ("get", "/v1/projects/{project_id}/history"),
    ("post", "/v1/projects/{project_id}/cards"),
    ("get", "/v1/projects/{project_id}/cards"),
    ("get", "/v1/projects/{project_id}/cards/{card_id}"),
    ("patch", "/v1/projects/{project_id}/cards/{card_id}"),
    ("delete", "/v1/projects/{project_id}/cards/{card_id}"),
    ("get", "/v1/projects/{project_id}/cards/{card_id}/history"),
    ("post", "/v1/projects/{project_id}/shots"),
    ("get", "/v1/projects/{project_id}/shots"),
    ("post", "/v1/projects/{project_id}/shots/reorder"),
    ("get", "/v1/projects/{project_id}/shots/{shot_id}"),
    ("patch", "/v1/projects/{project_id}/shots/{shot_id}"),
    ("delete", "/v1/projects/{project_id}/shots/{shot_id}"),
    ("post", "/v1/projects/{project_id}/shots/{shot_id}/move"),
    ("get", "/v1/projects/{project_id}/shots/{shot_id}/history"),
    ("get", "/healthz"),
    ("get", "/v1/extra/boom"),
    ("put", "/v1/extra/upload"),
}


def operations(client: TestClient) -> dict[tuple[str, str], dict[str, object]]:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "Craftology"
    return {(method, path): op for path, item in schema["paths"].items() for method, op in item.items()}


def test_openapi_lists_every_route_with_a_description(client: TestClient) -> None:
    ops = operations(client)
    assert set(ops) == EXPECTED
    for (method, path), operation in ops.items():
        assert operation.get("description"), f"{method} {path} has no description"
        assert any(str(code).startswith("2") for code in operation["responses"]), path  # type: ignore[attr-defined]
    patch = ops[("patch", "/v1/projects/{project_id}")]
    assert "if-match" in {p["name"].lower() for p in patch["parameters"]}  # type: ignore[attr-defined]
    assert "401" in patch["responses"]  # type: ignore[operator]
    assert client.get("/docs").status_code == 200


def test_every_route_requires_a_token_except_health(client: TestClient) -> None:
    for method, path in operations(client):
        if path == "/healthz":
            continue
        url = path.replace("{project_id}", "p").replace("{card_id}", "c").replace("{shot_id}", "s")
        response = client.request(method.upper(), url)
        assert response.status_code == 401, f"{method} {path}"
