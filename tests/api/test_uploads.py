"""Uploads are checked by their bytes against their declared type before anything is stored, and
downloads tell browsers not to guess another type. Runs on the production container (real stores)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.api.asgi_stream import Streamed, stream_to
from tests.api.conftest import TestClient, assert_problem
from tests.api.fuzz_app import FuzzWorld, fuzz_world

MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 9), (30, 90, 160)).save(out, format=kind)
    return out.getvalue()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[FuzzWorld]:
    with fuzz_world(tmp_path / "data") as made:
        yield made


@pytest.fixture
def client(world: FuzzWorld) -> Iterator[TestClient]:
    with TestClient(world.app, raise_server_exceptions=False) as test_client:
        yield test_client


def stored(world: FuzzWorld) -> tuple[set[str], int]:
    """Every blob key of the tenant and how many asset records it has."""
    keys = set(world.container.assets.keys(world.tenant_id))
    listing = TestClient(world.app).get(f"/v1/projects/{world.project_id}/assets", headers=world.auth)
    return keys, len(listing.json()["items"])


@pytest.mark.parametrize(
    ("target_kind", "declared", "body"),
    [
        ("sheet", "image/png", image("JPEG")),  # a JPEG claiming to be a PNG
        ("sheet", "image/jpeg", image("PNG")),
        ("sheet", "image/webp", b"RIFF\x00\x00\x00\x00AVI LIST"),  # RIFF, but not WebP
        ("sheet", "image/png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("sheet", "image/png", b"\x89PN"),  # cut short inside the signature
        ("sheet", "image/png", b""),
        ("keyframe", "video/mp4", MP4_HEAD),  # a keyframe is an image
        ("keyframe", "text/html", b"<html><script>alert(1)</script></html>"),
        ("keyframe", "", image("PNG")),
    ],
)
def test_a_refused_upload_is_422_and_stores_nothing(
    world: FuzzWorld, client: TestClient, target_kind: str, declared: str, body: bytes
) -> None:
    target = world.sheet_target if target_kind == "sheet" else f"shot/{world.shot_id}/keyframe"
    before = stored(world)
    response = client.put(
        f"/v1/projects/{world.project_id}/targets/{target}/upload",
        content=body,
        headers={**world.auth, "Content-Type": declared},
    )
    assert_problem(response, 422)
    assert stored(world) == before


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_an_image_that_is_what_it_claims_is_stored_and_served_with_nosniff(
    world: FuzzWorld, client: TestClient, kind: str
) -> None:
    body = image(kind)
    declared = f"image/{kind.lower()}"
    keys_before, assets_before = stored(world)
    response = client.put(
        f"/v1/projects/{world.project_id}/targets/{world.sheet_target}/upload",
        content=body,
        headers={**world.auth, "Content-Type": declared},
    )
    assert response.status_code == 201, response.text
    keys, assets = stored(world)
    assert len(keys - keys_before) == 1
    assert assets == assets_before + 1

    download = client.get(f"/v1/assets/{response.json()['id']}/content", headers=world.auth)
    assert download.status_code == 200
    assert download.content == body
    assert download.headers["content-type"] == declared
    assert download.headers["x-content-type-options"] == "nosniff"
    extension = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[kind]
    assert f'.{extension}"' in download.headers["content-disposition"]
    part = client.get(
        f"/v1/assets/{response.json()['id']}/content", headers={**world.auth, "Range": "bytes=0-3"}
    )
    assert part.status_code == 206
    assert part.headers["x-content-type-options"] == "nosniff"


def test_an_upload_to_another_project_reads_no_body(world: FuzzWorld, client: TestClient) -> None:
    before = stored(world)
    response = client.put(
        f"/v1/projects/nope/targets/{world.sheet_target}/upload",
        content=image("PNG"),
        headers={**world.auth, "Content-Type": "image/png"},
    )
    assert_problem(response, 404)
    assert stored(world) == before


def send_in_chunks(world: FuzzWorld, target: str, declared: str, chunks: list[bytes]) -> Streamed:
    path = f"/v1/projects/{world.project_id}/targets/{target}/upload"
    return stream_to(world.app, "PUT", path, {**world.auth, "Content-Type": declared}, chunks)


def test_bytes_of_the_wrong_type_are_refused_before_the_rest_is_read(world: FuzzWorld) -> None:
    rest = [b"\0" * 65536] * 50
    refused = send_in_chunks(world, world.sheet_target, "image/png", [image("JPEG")[:64], *rest])
    assert refused.status == 422
    assert refused.pulled <= 2
    body = image("PNG")
    stored = send_in_chunks(world, world.sheet_target, "image/png", [body[:5], body[5:20], body[20:]])
    assert stored == Streamed(201, 3)
