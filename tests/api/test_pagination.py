from __future__ import annotations

import re

import pytest

from tests.api.conftest import A, TestClient, assert_problem

LINK = re.compile(r'^<([^>]+)>; rel="next"$')


def walk(client: TestClient, url: str) -> list[dict[str, object]]:
    """Follow Link headers to the end, checking they agree with next_cursor."""
    items: list[dict[str, object]] = []
    next_url: str | None = url
    while next_url is not None:
        response = client.get(next_url, headers=A)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        link = response.headers.get("link")
        if page["next_cursor"] is None:
            assert link is None
            next_url = None
        else:
            match = LINK.match(link or "")
            assert match is not None
            next_url = match.group(1)
            assert "limit=" in next_url
    return items


def test_projects_cards_and_shots_are_each_listed_exactly_once(client: TestClient) -> None:
    created = [
        client.post("/v1/projects", json={"name": f"P {i}"}, headers=A).json()["id"] for i in range(23)
    ]
    listed = walk(client, "/v1/projects?limit=5")
    assert sorted(str(p["id"]) for p in listed) == sorted(created)
    assert len(listed) == 23

    project = created[0]
    cards = [
        client.post(
            f"/v1/projects/{project}/cards", json={"kind": "prop", "name": f"c{i}"}, headers=A
        ).json()["id"]
        for i in range(12)
    ]
    assert sorted(str(c["id"]) for c in walk(client, f"/v1/projects/{project}/cards?limit=5")) == sorted(
        cards
    )

    shots = [
        client.post(f"/v1/projects/{project}/shots", json={"description": f"s{i}"}, headers=A).json()["id"]
        for i in range(11)
    ]
    assert [s["id"] for s in walk(client, f"/v1/projects/{project}/shots?limit=4")] == shots
    assert len(walk(client, f"/v1/projects/{project}/shots?limit=11")) == 11


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc"])
def test_out_of_range_limits_are_rejected(client: TestClient, query: str) -> None:
    assert_problem(client.get(f"/v1/projects?{query}", headers=A), 422)


def test_foreign_cursor_is_rejected(client: TestClient, project: str) -> None:
    assert_problem(client.get(f"/v1/projects/{project}/shots?cursor=zz", headers=A), 422)
