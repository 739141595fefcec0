"""The proposals routes on the API as `craftology up` builds it (real stores): propose from a brief,
show, edit by merge patch with If-Match, approve into a project, once; bad input is a problem."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.identity.principal import Role, Scope
from craftology.projects.models import CardIn, ProjectIn
from tests.api.conftest import TestClient, assert_problem
from tests.principals import as_owner

LIGHTHOUSE = "A 60-second film about a lighthouse keeper and a storm, a cat, a boat"
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    made = build_container(Settings(data_dir=tmp_path / "data"))
    yield made
    made.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(build_api(container), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def owner(container: Container) -> dict[str, str]:
    return {"Authorization": f"Bearer {container.tenancy.create_tenant('Acme', tenant_id='acme').token}"}


def propose(client: TestClient, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/v1/proposals", json={"brief": LIGHTHOUSE, **body}, headers=auth)
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == f'"{response.json()["revision"]}"'
    created: dict[str, Any] = response.json()
    return created


def test_propose_edit_approve(client: TestClient, owner: dict[str, str], container: Container) -> None:
    draft = propose(client, owner, shot_count=24)
    assert draft["status"] == "draft"
    assert draft["project_id"] is None
    cards = {c["name"]: c for c in draft["proposal"]["cards"]}
    assert {"Lighthouse Keeper", "Cat", "Boat", "Lighthouse"} <= cards.keys()
    assert len(draft["proposal"]["shots"]) == 24
    shown = client.get(f"/v1/proposals/{draft['id']}", headers=owner)
    assert shown.json() == draft
    assert client.get("/v1/projects", headers=owner).json()["items"] == []  # nothing saved yet

    url = f"/v1/proposals/{draft['id']}"
    patch = {"cards": {"lighthouse-keeper": {"attributes": {"appearance": {"hair": "white"}}}}}
    edited = client.patch(url, json=patch, headers={**owner, **MERGE, "If-Match": f'"{draft["revision"]}"'})
    assert edited.status_code == 200, edited.text
    keeper = next(c for c in edited.json()["proposal"]["cards"] if c["draft_id"] == "lighthouse-keeper")
    assert keeper["attributes"]["appearance"]["hair"] == "white"

    approved = client.post(f"{url}/approve", headers=owner)
    assert approved.status_code == 201, approved.text
    project = approved.json()
    assert approved.headers["Location"].endswith(f"/v1/projects/{project['id']}")
    saved_cards = client.get(f"/v1/projects/{project['id']}/cards", headers=owner).json()["items"]
    saved = {c["name"]: c for c in saved_cards}
    assert saved["Lighthouse Keeper"]["attributes"]["appearance"]["hair"] == "white"
    shots = client.get(f"/v1/projects/{project['id']}/shots?limit=100", headers=owner).json()["items"]
    assert len(shots) == 24
    assert sum(s["duration"] for s in shots) == pytest.approx(60.0)
    assert {c for s in shots for c in s["cards"]} == {c["id"] for c in saved_cards}

    again = client.post(f"{url}/approve", headers=owner)
    assert again.status_code == 200
    assert again.json()["id"] == project["id"]
    assert [p["id"] for p in client.get("/v1/projects", headers=owner).json()["items"]] == [project["id"]]
    after = client.get(url, headers=owner).json()
    assert (after["status"], after["project_id"]) == ("approved", project["id"])
    late = client.patch(url, json={"project": {"name": "x"}}, headers={**owner, **MERGE, "If-Match": "*"})
    assert_problem(late, 409)


def test_bad_edits_are_clear_problems(client: TestClient, owner: dict[str, str]) -> None:
    draft = propose(client, owner, shot_count=4)
    url = f"/v1/proposals/{draft['id']}"
    any_revision = {**owner, **MERGE, "If-Match": "*"}
    unknown = client.patch(url, json={"shots": {"shot-001": {"cards": ["ghost"]}}}, headers=any_revision)
    body = assert_problem(unknown, 422)
    assert "shot-001" in str(body["detail"])
    assert "ghost" in str(body["detail"])
    listed = client.patch(url, json={"shots": [{"draft_id": "s", "description": "x", "cards": ["nope"]}]},
                          headers=any_revision)  # fmt: skip
    assert "nope" in str(assert_problem(listed, 422)["detail"])
    assert_problem(
        client.patch(url, json={"project": {"settings": {"fps": 1000}}}, headers=any_revision), 422
    )
    assert_problem(client.patch(url, json={"cards": {"ghost": None}}, headers=any_revision), 422)
    assert_problem(client.patch(url, json={"project": {"name": "x"}}, headers={**owner, **MERGE}), 428)
    stale = client.patch(url, json={"project": {"name": "x"}}, headers={**owner, **MERGE, "If-Match": '"99"'})
    assert_problem(stale, 412)
    assert client.get(url, headers=owner).json() == draft  # nothing was written

    for bad in ({"brief": ""}, {"brief": LIGHTHOUSE, "shot_count": 0},
                {"brief": LIGHTHOUSE, "shot_count": 501}, {"brief": "   "},
                {"brief": LIGHTHOUSE, "documents": [{"name": "img", "kind": "image"}]},
                {"brief": LIGHTHOUSE, "documents": [{"name": "script", "kind": "script"}]}):  # fmt: skip
        assert_problem(client.post("/v1/proposals", json=bad, headers=owner), 422)
    assert_problem(client.get("/v1/proposals/proposal-nope", headers=owner), 404)
    assert_problem(client.post("/v1/proposals/proposal-nope/approve", headers=owner), 404)


def test_documents_and_attachments(client: TestClient, owner: dict[str, str], container: Container) -> None:
    asset_id = reference_image(container, "acme")
    script = {"name": "scene 1", "kind": "script", "text": "INT. HARBOUR - DAWN\n\nELSA\nThe boat is back.\n"}
    image = {"name": "reference", "kind": "image", "asset_id": asset_id}
    draft = propose(client, owner, brief="A short film about a storm", documents=[script, image])
    names = {c["name"] for c in draft["proposal"]["cards"]}
    assert {"Elsa", "Harbour", "Boat"} <= names
    assert draft["proposal"]["attachments"] == [{"name": "reference", "asset_id": asset_id}]

    # An asset this tenant does not have (another tenant's included) is refused, and nothing stored.
    globex = container.tenancy.create_tenant("Globex", tenant_id="globex")
    foreign = {"name": "theirs", "kind": "image", "asset_id": reference_image(container, "globex")}
    for unknown in (foreign, {"name": "gone", "kind": "image", "asset_id": "asset-nope"}):
        refused = client.post(
            "/v1/proposals", json={"brief": "a storm", "documents": [unknown]}, headers=owner
        )
        assert unknown["asset_id"] in str(assert_problem(refused, 422)["detail"])
    assert len(list(container.metadata.scan("acme", "proposals"))) == 1
    assert globex.tenant.id == "globex"


def reference_image(container: Container, tenant: str) -> str:
    """An image uploaded to the tenant's asset storage (as a card sheet of a scratch project)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (90, 120, 200)).save(out, format="PNG")
    project_id = container.projects.create_project(as_owner(tenant), ProjectIn(name="Refs")).value.id
    card_id = container.projects.create_card(
        as_owner(tenant), project_id, CardIn(kind="style", name="Ref")
    ).value.id
    upload = container.curation.upload(
        as_owner(tenant), project_id, f"card/{card_id}/sheet", iter([out.getvalue()]), "image/png"
    )
    return upload.id


def test_a_viewer_reads_proposals_but_does_not_make_them(client: TestClient, container: Container) -> None:
    acme = container.tenancy.create_tenant("Acme", tenant_id="acme")
    owner = {"Authorization": f"Bearer {acme.token}"}
    user = container.accounts.create_user("viewer@acme.example", password="viewer-password-1")
    container.accounts.add_member("acme", user.id, Role.VIEWER)
    viewer = {
        "Authorization": f"Bearer {container.api_tokens.create('acme', user.id, 'v', list(Scope)).secret}"
    }
    draft = propose(client, owner, shot_count=2)
    assert client.get(f"/v1/proposals/{draft['id']}", headers=viewer).status_code == 200
    assert_problem(client.post("/v1/proposals", json={"brief": LIGHTHOUSE}, headers=viewer), 403)
    assert_problem(client.post(f"/v1/proposals/{draft['id']}/approve", headers=viewer), 403)
