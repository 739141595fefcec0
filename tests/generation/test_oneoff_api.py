"""One-off generation over REST (`POST /v1/projects/{id}/generations`) on the API as `craftology up`
builds it: the image is an asset of the project, listed and downloadable with its provenance, and
attached to no target; refusals store nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from craftology.identity.principal import Role
from craftology.registry.models import ModelKind
from tests.api.conftest import TestClient, assert_problem
from tests.api.gateway_world import GatewayWorld, gateway_settings, gateway_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[GatewayWorld]:
    with gateway_world(gateway_settings(tmp_path / "data")) as made:
        yield made


@pytest.fixture
def client(world: GatewayWorld) -> Iterator[TestClient]:
    with TestClient(world.app, raise_server_exceptions=False) as test_client:
        yield test_client


def generations(world: GatewayWorld) -> str:
    return f"/v1/projects/{world.ids['project_id']}/generations"


def stored(world: GatewayWorld, client: TestClient) -> tuple[list[str], list[str]]:
    """The project's asset ids and the tenant's blob keys: what a refused request must not change."""
    listed = client.get(f"/v1/projects/{world.ids['project_id']}/assets", headers=world.owner.auth)
    assert listed.status_code == 200, listed.text
    blobs = sorted(world.container.assets.keys(world.tenant_id))
    return [item["id"] for item in listed.json()["items"]], blobs


def sync_view(world: GatewayWorld, client: TestClient) -> tuple[Any, Any]:
    project = f"/v1/projects/{world.ids['project_id']}"
    plan = client.get(f"{project}/plan", headers=world.owner.auth)
    targets = client.get(f"{project}/targets", headers=world.owner.auth)
    assert plan.status_code == 200, plan.text
    assert targets.status_code == 200, targets.text
    return plan.json(), targets.json()


def test_a_one_off_keyframe_is_listed_downloadable_and_changes_no_target(
    world: GatewayWorld, client: TestClient
) -> None:
    editor = world.members[Role.EDITOR]
    before = sync_view(world, client)
    body = {"kind": "keyframe", "prompt": "a lighthouse in a storm", "seed": 11}
    made = client.post(generations(world), json=body, headers=editor.auth)
    assert made.status_code == 201, made.text
    asset = made.json()
    assert made.headers["Location"].endswith(f"/v1/assets/{asset['id']}")
    price = world.container.registry.current(ModelKind.KEYFRAME)
    assert asset["source"] == "one-off"
    assert asset["target"] == ""
    assert asset["project_id"] == world.ids["project_id"]
    provenance = asset["provenance"]
    assert provenance["prompt"] == "a lighthouse in a storm"
    assert (provenance["model_id"], provenance["model_version"]) == (price.id, price.version)
    assert provenance["seed"] == 11
    assert provenance["cost"] == price.cost_per_unit

    ids, _ = stored(world, client)
    assert asset["id"] in ids
    content = client.get(f"/v1/assets/{asset['id']}/content", headers=world.owner.auth)
    assert content.status_code == 200
    assert content.content.startswith(b"\x89PNG")
    assert len(content.content) == asset["size"]
    assert content.headers["content-type"] == "image/png"
    assert f"{asset['id']}.png" in content.headers["content-disposition"]  # named though it has no target
    assert sync_view(world, client) == before


def test_a_named_model_and_a_derived_seed(world: GatewayWorld, client: TestClient) -> None:
    body = {"kind": "sheet", "prompt": "a brass compass", "model_id": "preview-sheet"}
    first = client.post(generations(world), json=body, headers=world.owner.auth)
    again = client.post(generations(world), json=body, headers=world.owner.auth)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    one, two = first.json(), again.json()
    assert one["provenance"]["model_id"] == "preview-sheet"
    assert one["provenance"]["seed"] == two["provenance"]["seed"]  # derived from the prompt
    assert one["id"] != two["id"]
    assert one["fingerprint"] == two["fingerprint"]


def test_a_viewer_is_refused_and_nothing_is_stored(world: GatewayWorld, client: TestClient) -> None:
    before = stored(world, client)
    viewer = world.members[Role.VIEWER]
    refused = client.post(generations(world), json={"kind": "keyframe", "prompt": "x"}, headers=viewer.auth)
    assert_problem(refused, 403)
    assert stored(world, client) == before


def test_another_tenants_project_is_not_found(world: GatewayWorld, client: TestClient) -> None:
    other = world.container.tenancy.create_tenant("Globex", tenant_id="globex")
    before = stored(world, client)
    headers = {"Authorization": f"Bearer {other.token}"}
    answer = client.post(generations(world), json={"kind": "keyframe", "prompt": "x"}, headers=headers)
    assert_problem(answer, 404)
    assert stored(world, client) == before
    assert list(world.container.assets.keys("globex")) == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"kind": "keyframe", "prompt": "x", "model_id": "no-such-model"}, "no model 'no-such-model'"),
        ({"kind": "keyframe", "prompt": "x", "model_id": "preview-sheet"}, "makes sheet, not keyframe"),
        ({"kind": "clip", "prompt": "x"}, "kind"),
        ({"kind": "keyframe", "prompt": "   "}, "prompt is empty"),
    ],
)
def test_an_unknown_model_or_kind_is_a_clear_422(
    world: GatewayWorld, client: TestClient, body: dict[str, Any], says: str
) -> None:
    before = stored(world, client)
    problem = assert_problem(client.post(generations(world), json=body, headers=world.owner.auth), 422)
    assert says in str(problem["detail"])
    assert stored(world, client) == before
