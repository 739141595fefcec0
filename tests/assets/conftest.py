"""Real embedded stores (local blobs, SQLite metadata) in a temporary directory, and a way to age a blob."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from craftology.adapters.assets.local import LocalAssetStore
from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.assets.records import ASSETS
from craftology.ports.metadata import Put

HOUR = 3600.0


@dataclass
class Stores:
    root: Path
    assets: LocalAssetStore
    metadata: SqliteMetadataStore

    def provision(self, tenant: str) -> str:
        self.metadata.provision(tenant)
        self.assets.provision(tenant)
        return tenant

    def blob(self, tenant: str, content: bytes, age: float = 0.0) -> str:
        """Stores a blob last written `age` seconds ago."""
        key = self.assets.put_bytes(tenant, content).key
        if age:
            when = time.time() - age
            os.utime(self.root / tenant / "assets" / key[:2] / key, (when, when))
        return key

    def reference(self, tenant: str, key: str, asset_id: str | None = None) -> None:
        """Records an asset pointing at the blob, as an activity or an upload does after storing it."""
        data = {"target": "card/c1/sheet", "blob_key": key, "size": 1, "source": "generated"}
        self.metadata.commit(tenant, [Put(ASSETS, asset_id or f"g{key[:31]}", data, project_id="p1")])

    def keys(self, tenant: str) -> set[str]:
        return set(self.assets.keys(tenant))


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Stores]:
    metadata = SqliteMetadataStore(tmp_path / "tenants")
    yield Stores(tmp_path / "tenants", LocalAssetStore(tmp_path / "tenants"), metadata)
    metadata.close()
