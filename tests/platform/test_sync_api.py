"""Sync through HTTP only, against a real `craftology up`: plans, runs, assets, curation, tenancy."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image

from tests.platform.conftest import (
    Platform,
    create_card,
    create_project,
    create_shot,
    patch_card,
    plan_targets,
    start_run,
    statuses,
)

pytestmark = pytest.mark.temporal


@dataclass(frozen=True)
class Tenants:
    a: str  # tokens
    b: str


@dataclass(frozen=True)
class Synced:
    """A small project of tenant A, synced once: one character in two of three shots."""

    id: str
    mia: str
    ridge: str
    shots: list[str]  # s0 [mia, ridge], s1 [ridge], s2 [mia]


@pytest.fixture(scope="session")
def tenants(platform: Platform) -> Tenants:
    _, token_a = platform.new_tenant("Acme")
    _, token_b = platform.new_tenant("Globex")
    return Tenants(token_a, token_b)


@pytest.fixture
def http(platform: Platform, tenants: Tenants) -> Iterator[httpx.Client]:
    with platform.client(tenants.a) as client:
        yield client


def build(http: httpx.Client, name: str, **settings: object) -> Synced:
    project = create_project(http, name, **settings)
    mia = create_card(http, project, "character", "Mia", appearance={"hair": "brown"}, backstory="a runner")
    ridge = create_card(http, project, "location", "Ridge", setting="a ridge at dusk")
    shots = [
        create_shot(http, project, "Mia runs along the ridge", [mia, ridge]),
        create_shot(http, project, "The empty ridge", [ridge]),
        create_shot(http, project, "Mia laces her shoes", [mia]),
    ]
    return Synced(project, mia, ridge, shots)


@pytest.fixture
def synced(platform: Platform, tenants: Tenants, http: httpx.Client) -> Synced:
    project = build(http, "Trail Shoes")
    runs = platform.wait_run(tenants.a, start_run(http, project.id)["id"])
    assert runs[-1]["status"] == "succeeded", runs
    return project


def outcomes(http: httpx.Client, runs: list[dict[str, object]], limit: int = 4) -> dict[str, str]:
    """How each target of the runs ended, walking the pages of each run's targets."""
    found: dict[str, str] = {}
    for run in runs:
        cursor: str | None = None
        while True:
            params: dict[str, object] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            response = http.get(f"/runs/{run['id']}/targets", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            found |= {item["target"]: item["state"] for item in body["items"]}
            cursor = body["next_cursor"]
            if cursor is None:
                break
    return found


def accepted_asset(http: httpx.Client, project: str, target: str) -> dict[str, object]:
    assets = http.get(f"/projects/{project}/assets", params={"target": target}).json()["items"]
    assert len(assets) == 1, assets
    asset: dict[str, object] = assets[0]
    return asset


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


PNG = {"Content-Type": "image/png"}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), (200, 40, 90)).save(out, format="PNG")
    return out.getvalue()


def test_plan_run_then_only_what_a_visual_edit_touches(
    platform: Platform, tenants: Tenants, http: httpx.Client
) -> None:
    project = build(http, "Plan Order")
    plan = http.get(f"/projects/{project.id}/plan").json()
    items = plan["items"]
    assert len(items) == 2 + 3 + 3 + 1
    assert plan["count"] == len(items)
    position = {item["target"]: n for n, item in enumerate(items)}
    for item in items:
        assert item["cost"] > 0
        assert item["status"] == "missing"
        assert all(position[dep] < position[item["target"]] for dep in item["deps"])
    assert plan["total_cost"] == pytest.approx(sum(item["cost"] for item in items))
    keyframe = next(i for i in items if i["target"] == f"shot/{project.shots[0]}/keyframe")
    assert {c["target"] for c in keyframe["causes"] if c["type"] == "upstream"} == {
        f"card/{project.mia}/sheet",
        f"card/{project.ridge}/sheet",
    }

    runs = platform.wait_run(tenants.a, start_run(http, project.id)["id"])
    assert [run["status"] for run in runs] == ["succeeded"]
    assert set(outcomes(http, runs).values()) == {"generated"}
    assert len(outcomes(http, runs)) == len(items)
    assert {s["status"] for s in statuses(http, project.id).values()} == {"FRESH"}

    patch_card(http, project.id, project.mia, {"backstory": "ran her first ultra at 19"})
    assert plan_targets(http, project.id) == []

    patch_card(http, project.id, project.mia, {"appearance": {"hair": "red"}})
    plan = http.get(f"/projects/{project.id}/plan").json()
    touched = [project.shots[0], project.shots[2]]
    expected = {f"card/{project.mia}/sheet", f"project/{project.id}/cut"}
    expected |= {f"shot/{shot}/{kind}" for shot in touched for kind in ("keyframe", "clip")}
    assert {item["target"] for item in plan["items"]} == expected
    sheet = plan["items"][0]
    assert sheet["target"] == f"card/{project.mia}/sheet"
    (data,) = [c for c in sheet["causes"] if c["type"] == "data"]
    assert data["path"].endswith("appearance.hair")
    assert project.mia in data["path"]
    assert (data["old"], data["new"]) == ("brown", "red")
    assert all(data in item["root_causes"] for item in plan["items"])

    runs = platform.wait_run(tenants.a, start_run(http, project.id)["id"])
    assert outcomes(http, runs) == dict.fromkeys(expected, "generated")
    assert sum(run["generated"] for run in runs) == len(expected)
    assert {s["status"] for s in statuses(http, project.id).values()} == {"FRESH"}


def test_target_pages_cover_every_target_once(http: httpx.Client, synced: Synced) -> None:
    whole = statuses(http, synced.id)
    assert statuses(http, synced.id, limit=3) == whole
    first = http.get(f"/projects/{synced.id}/targets", params={"limit": 3})
    assert 'rel="next"' in first.headers["link"]
    bad = http.get(f"/projects/{synced.id}/targets", params={"cursor": "x"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def test_download_with_content_types_and_ranges(http: httpx.Client, synced: Synced) -> None:
    keyframe = accepted_asset(http, synced.id, f"shot/{synced.shots[0]}/keyframe")
    clip = accepted_asset(http, synced.id, f"shot/{synced.shots[0]}/clip")
    image = http.get(f"/assets/{keyframe['id']}/content")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert len(image.content) == keyframe["size"]
    assert image.headers["x-content-type-options"] == "nosniff"
    video = http.get(f"/assets/{clip['id']}/content")
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"
    assert len(video.content) == clip["size"]

    size = len(video.content)
    part = http.get(f"/assets/{clip['id']}/content", headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.content == video.content[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{size}"
    assert part.headers["x-content-type-options"] == "nosniff"
    tail = http.get(f"/assets/{clip['id']}/content", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206
    assert tail.content == video.content[-10:]
    beyond = http.get(f"/assets/{clip['id']}/content", headers={"Range": f"bytes={size}-"})
    assert_problem(beyond, 416)


def upload_keyframe(http: httpx.Client, synced: Synced) -> tuple[str, str]:
    """Uploads a PNG as the second shot's keyframe; returns (keyframe, clip) targets."""
    shot = synced.shots[1]
    keyframe, clip = f"shot/{shot}/keyframe", f"shot/{shot}/clip"
    png = png_bytes()
    response = http.put(
        f"/projects/{synced.id}/targets/{keyframe}/upload", content=png, headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 201, response.text
    uploaded = response.json()
    assert uploaded["source"] == "upload"
    assert uploaded["size"] == len(png)
    assert http.get(f"/assets/{uploaded['id']}/content").content == png
    return keyframe, clip


def test_upload_becomes_the_accepted_fresh_version(http: httpx.Client, synced: Synced) -> None:
    before = accepted_asset(http, synced.id, f"shot/{synced.shots[1]}/keyframe")
    keyframe, _ = upload_keyframe(http, synced)
    assert statuses(http, synced.id)[keyframe]["status"] == "FRESH"
    assets = http.get(f"/projects/{synced.id}/assets", params={"target": keyframe}).json()["items"]
    assert {a["source"] for a in assets} == {"generated", "upload"}
    assert before in assets

    wrong = http.put(
        f"/projects/{synced.id}/targets/{keyframe}/upload",
        content=png_bytes(),
        headers={"Content-Type": "video/mp4"},
    )
    assert_problem(wrong, 422)


def test_an_upload_whose_bytes_are_not_its_type_is_refused_and_stores_nothing(
    http: httpx.Client, synced: Synced
) -> None:
    keyframe, clip = f"shot/{synced.shots[1]}/keyframe", f"shot/{synced.shots[1]}/clip"
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 36), (10, 10, 10)).save(jpeg, format="JPEG")
    before = {
        t: http.get(f"/projects/{synced.id}/assets", params={"target": t}).json() for t in (keyframe, clip)
    }
    for target, body, declared in [
        (keyframe, jpeg.getvalue(), "image/png"),
        (keyframe, b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
        (clip, png_bytes(), "video/mp4"),
        (keyframe, b"", "image/png"),
    ]:
        response = http.put(
            f"/projects/{synced.id}/targets/{target}/upload", content=body, headers={"Content-Type": declared}
        )
        assert_problem(response, 422)
    after = {
        t: http.get(f"/projects/{synced.id}/assets", params={"target": t}).json() for t in (keyframe, clip)
    }
    assert after == before
    assert statuses(http, synced.id)[keyframe]["status"] == "FRESH"


def test_upload_stales_what_was_made_from_the_replaced_asset(http: httpx.Client, synced: Synced) -> None:
    keyframe, clip = upload_keyframe(http, synced)
    now = statuses(http, synced.id)
    assert now[clip]["status"] == "STALE"
    assert [c["target"] for c in now[clip]["causes"] if c["type"] == "upstream"] == [keyframe]
    assert set(plan_targets(http, synced.id)) == {clip, f"project/{synced.id}/cut"}


def test_pinned_stale_target_is_kept_out_of_the_plan(http: httpx.Client, synced: Synced) -> None:
    patch_card(http, synced.id, synced.ridge, {"setting": "a ridge at dawn"})
    sheet = f"card/{synced.ridge}/sheet"
    assert sheet in plan_targets(http, synced.id)
    response = http.post(f"/projects/{synced.id}/targets/{sheet}/pin", json={"pinned": True})
    assert response.status_code == 200
    assert response.json()["pinned"] is True
    assert plan_targets(http, synced.id) == []  # downstream keeps building on the pinned sheet
    status = statuses(http, synced.id)[sheet]
    assert status["pinned"] is True
    assert status["status"] == "STALE"
    http.post(f"/projects/{synced.id}/targets/{sheet}/pin", json={"pinned": False})
    assert sheet in plan_targets(http, synced.id)


def test_another_tenant_sees_nothing(platform: Platform, tenants: Tenants, synced: Synced) -> None:
    with platform.client(tenants.a) as a:
        asset = accepted_asset(a, synced.id, f"card/{synced.mia}/sheet")
        run_id = a.get(f"/projects/{synced.id}/runs").json()[0]["id"]
    sheet = f"card/{synced.mia}/sheet"
    base = f"/projects/{synced.id}"
    requests: list[tuple[str, str, dict[str, object]]] = [
        ("GET", f"{base}/targets", {}),
        ("GET", f"{base}/plan", {}),
        ("GET", f"{base}/runs", {}),
        ("POST", f"{base}/runs", {}),
        ("GET", f"{base}/assets", {}),
        ("GET", f"{base}/targets/{sheet}/status", {}),
        ("GET", f"/runs/{run_id}", {}),
        ("GET", f"/runs/{run_id}/targets", {}),
        ("POST", f"/runs/{run_id}/cancel", {}),
        ("GET", f"/assets/{asset['id']}", {}),
        ("GET", f"/assets/{asset['id']}/content", {}),
        ("POST", f"{base}/targets/{sheet}/accept", {"json": {"asset_id": asset["id"]}}),
        ("POST", f"{base}/targets/{sheet}/pin", {"json": {"pinned": True}}),
        ("PUT", f"{base}/targets/{sheet}/upload", {"content": png_bytes(), "headers": PNG}),
    ]  # fmt: skip
    with platform.client(tenants.b) as b, platform.client() as anonymous:
        for method, path, extra in requests:
            assert_problem(b.request(method, path, **extra), 404)  # type: ignore[arg-type]
            assert_problem(anonymous.request(method, path, **extra), 401)  # type: ignore[arg-type]
    with platform.client("not-a-token") as forged:
        assert_problem(forged.get(f"{base}/plan"), 401)
    with platform.client(tenants.a) as a:  # nothing B tried changed A's project
        assert statuses(a, synced.id)[sheet]["pinned"] is False
        assert accepted_asset(a, synced.id, sheet)["id"] == asset["id"]


def test_review_mode_waits_for_acceptance(platform: Platform, tenants: Tenants, http: httpx.Client) -> None:
    project = build(http, "Reviewed", review_mode="review")
    sheets = {f"card/{project.mia}/sheet", f"card/{project.ridge}/sheet"}
    assert set(plan_targets(http, project.id)) == sheets
    runs = platform.wait_run(tenants.a, start_run(http, project.id)["id"])
    assert outcomes(http, runs) == dict.fromkeys(sheets, "generated")
    assert {s["status"] for s in statuses(http, project.id).values()} == {"MISSING"}
    assert set(plan_targets(http, project.id)) == sheets  # nothing downstream of an unaccepted sheet

    for sheet in sorted(sheets):
        asset = accepted_asset(http, project.id, sheet)
        response = http.post(f"/projects/{project.id}/targets/{sheet}/accept", json={"asset_id": asset["id"]})
        assert response.status_code == 200
        assert response.json()["accepted_asset_id"] == asset["id"]
        assert statuses(http, project.id)[sheet]["status"] == "FRESH"
    keyframes = {f"shot/{shot}/keyframe" for shot in project.shots}
    assert set(plan_targets(http, project.id)) == keyframes
