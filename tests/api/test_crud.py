from __future__ import annotations

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from tests.api.conftest import A, TestClient, assert_problem


def test_project_lifecycle(client: TestClient) -> None:
    created = client.post("/v1/projects", json={"name": "Trail Shoes", "settings": {"fps": 25}}, headers=A)
    assert created.status_code == 201
    body = created.json()
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"].endswith(f"/v1/projects/{body['id']}")
    assert body["settings"]["fps"] == 25
    assert body["revision"] == 1

    fetched = client.get(created.headers["location"], headers=A)
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json() == body

    patched = client.patch(
        f"/v1/projects/{body['id']}",
        json={"settings": {"aspect_ratio": "9:16"}},
        headers={**A, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == '"2"'
    assert patched.json()["settings"] == {**body["settings"], "aspect_ratio": "9:16"}

    history = client.get(f"/v1/projects/{body['id']}/history", headers=A).json()
    assert [h["revision"] for h in history] == [1, 2]

    deleted = client.delete(f"/v1/projects/{body['id']}", headers={**A, "If-Match": '"2"'})
    assert deleted.status_code == 204
    assert_problem(client.get(f"/v1/projects/{body['id']}", headers=A), 404)


def test_cards_and_shots(client: TestClient, project: str) -> None:
    base = f"/v1/projects/{project}"
    card = client.post(f"{base}/cards", json={"kind": "character", "name": "Mia"}, headers=A)
    assert card.status_code == 201
    card_id = card.json()["id"]
    assert client.get(card.headers["location"], headers=A).json()["name"] == "Mia"

    patched = client.patch(
        f"{base}/cards/{card_id}",
        content=b'{"attributes": {"appearance": {"hair": "red"}}}',
        headers={**A, "If-Match": "*", "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["attributes"] == {"appearance": {"hair": "red"}}

    shots = [
        client.post(f"{base}/shots", json={"description": f"shot {i}", "cards": [card_id]}, headers=A)
        for i in range(3)
    ]
    assert [s.status_code for s in shots] == [201, 201, 201]
    ids = [s.json()["id"] for s in shots]
    keys = [s.json()["order"] for s in shots]
    assert keys == sorted(keys)
    assert len(set(keys)) == 3

    refused = client.delete(f"{base}/cards/{card_id}", headers={**A, "If-Match": "*"})
    assert set(assert_problem(refused, 409)["shots"]) == set(ids)  # type: ignore[arg-type]

    reordered = client.post(f"{base}/shots/reorder", json={"shot_ids": ids[::-1]}, headers=A)
    assert reordered.status_code == 200
    assert [s["id"] for s in reordered.json()] == ids[::-1]
    listed = client.get(f"{base}/shots", headers=A).json()["items"]
    assert [s["id"] for s in listed] == [ids[2], ids[1], ids[0]]
    assert [s["revision"] for s in listed] == [2, 2, 1]  # ids[0] stayed put: the others moved
    order_of_first = listed[2]["order"]

    shot = client.get(f"{base}/shots/{ids[0]}", headers=A)
    edited = client.patch(
        f"{base}/shots/{ids[0]}",
        json={"camera": "handheld", "cards": None},
        headers={**A, "If-Match": shot.headers["etag"]},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["camera"], edited.json()["cards"]) == ("handheld", [])
    assert edited.json()["order"] == order_of_first  # an edit keeps the shot's place

    move = f"{base}/shots/{ids[0]}/move"
    moved = client.post(move, json={"before": ids[2]}, headers={**A, "If-Match": edited.headers["etag"]})
    assert moved.status_code == 200, moved.text
    assert moved.headers["etag"] == f'"{moved.json()["revision"]}"'
    listed = client.get(f"{base}/shots", headers=A).json()["items"]
    assert [s["id"] for s in listed] == [ids[0], ids[2], ids[1]]
    assert_problem(client.post(move, json={"after": ids[1]}, headers=A), 428)
    assert_problem(client.post(move, json={"after": ids[1]}, headers={**A, "If-Match": '"1"'}), 412)
    assert_problem(client.post(move, json={"after": "ghost"}, headers={**A, "If-Match": "*"}), 422)
    both = {"after": ids[1], "before": ids[2]}
    assert_problem(client.post(move, json=both, headers={**A, "If-Match": "*"}), 422)

    gone = client.delete(f"{base}/shots/{ids[2]}", headers={**A, "If-Match": "*"})
    assert gone.status_code == 204
    after_delete = client.get(f"{base}/shots", headers=A).json()["items"]
    assert [(s["id"], s["revision"]) for s in after_delete] == [
        (s["id"], s["revision"]) for s in listed if s["id"] != ids[2]
    ]
    history = client.get(f"{base}/shots/{ids[2]}/history", headers=A).json()
    assert history[-1]["deleted"] is True
    assert client.get(f"{base}/cards/{card_id}/history", headers=A).json()[1]["data"]["attributes"] == {
        "appearance": {"hair": "red"}
    }


def test_failed_requests_write_nothing(client: TestClient, project: str, store: SqliteMetadataStore) -> None:
    base = f"/v1/projects/{project}"
    unknown = client.post(f"{base}/shots", json={"description": "x", "cards": ["ghost"]}, headers=A)
    assert "ghost" in str(assert_problem(unknown, 422)["detail"])
    bad_enum = client.post(f"{base}/shots", json={"description": "x", "camera": "crane"}, headers=A)
    errors = assert_problem(bad_enum, 422)["errors"]
    assert isinstance(errors, list)
    assert errors[0]["loc"] == "body.camera"
    bad_patch = client.patch(base, json={"settings": {"fps": 1000}}, headers={**A, "If-Match": '"1"'})
    assert "settings.fps" in str(assert_problem(bad_patch, 422)["detail"])
    bad_reorder = client.post(f"{base}/shots/reorder", json={"shot_ids": ["nope"]}, headers=A)
    assert_problem(bad_reorder, 422)

    assert list(store.scan("acme", "shots")) == []
    assert store.get("acme", "projects", project).revision == 1
    assert [r.revision for r in store.history("acme", "projects", project)] == [1]
