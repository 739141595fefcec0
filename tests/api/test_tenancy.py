"""Cross-tenant references inside a request body. (The sweep of every route of the OpenAPI document
with another tenant's credentials and the first tenant's real ids is tests/api/test_isolation.py.)"""

from __future__ import annotations

from tests.api.conftest import A, B, TestClient, assert_problem


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
