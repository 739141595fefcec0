from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Header
from fastapi.responses import StreamingResponse

from craftology.adapters.assets.local import LocalAssetStore
from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.api import ApiDeps, Tenant, create_app
from craftology.api.ranges import blob_response
from craftology.projects.service import ProjectService
from tests.api.conftest import A, TestClient, assert_problem, authenticate
from tests.principals import default_policy

CONTENT = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def blob_client(tmp_path: Path, store: SqliteMetadataStore) -> Iterator[tuple[TestClient, str]]:
    assets = LocalAssetStore(tmp_path / "assets")
    assets.provision("acme")
    key = assets.put_bytes("acme", CONTENT).key
    router = APIRouter()

    @router.get("/blob/{blob_key}")
    def download(
        blob_key: str, tenant: Tenant, range_header: Annotated[str | None, Header(alias="range")] = None
    ) -> StreamingResponse:
        """Download a blob."""
        size = assets.stat(tenant, blob_key).size
        return blob_response(
            assets, tenant, blob_key, size, "application/octet-stream", range_header, "clip ü.mp4"
        )

    deps = ApiDeps(
        projects=ProjectService(store, default_policy()), authenticate=authenticate, routers=[router]
    )
    with TestClient(create_app(deps)) as client:
        yield client, key


def test_whole_blob_and_ranges(blob_client: tuple[TestClient, str]) -> None:
    client, key = blob_client
    whole = client.get(f"/v1/blob/{key}", headers=A)
    assert whole.status_code == 200
    assert whole.content == CONTENT
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["etag"] == f'"{key}"'
    assert "filename*=UTF-8''clip%20%C3%BC.mp4" in whole.headers["content-disposition"]

    part = client.get(f"/v1/blob/{key}", headers={**A, "Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == CONTENT[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(CONTENT)}"
    assert part.headers["content-length"] == "100"

    tail = client.get(f"/v1/blob/{key}", headers={**A, "Range": "bytes=-10"})
    assert tail.content == CONTENT[-10:]

    beyond = client.get(f"/v1/blob/{key}", headers={**A, "Range": f"bytes={len(CONTENT)}-"})
    assert_problem(beyond, 416)
    assert beyond.headers["content-range"] == f"bytes */{len(CONTENT)}"
