"""Every adapter of a port, as a factory. Adding an engine (PocketBase, S3, Kafka) is one line in a list."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from craftology.adapters.assets.local import LocalAssetStore
from craftology.adapters.events.local import LocalEventLog
from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.ports.assets import AssetStore
from craftology.ports.events import EventBus
from craftology.ports.metadata import MetadataStore


@contextmanager
def sqlite_metadata(tmp_path: Path) -> Iterator[MetadataStore]:
    store = SqliteMetadataStore(tmp_path / "tenants")
    yield store
    store.close()


@contextmanager
def local_assets(tmp_path: Path) -> Iterator[AssetStore]:
    yield LocalAssetStore(tmp_path / "tenants")


@contextmanager
def local_event_log(tmp_path: Path) -> Iterator[EventBus]:
    bus = LocalEventLog(tmp_path / "events.db")
    yield bus
    bus.close()


METADATA_ADAPTERS = [pytest.param(sqlite_metadata, id="sqlite")]
ASSET_ADAPTERS = [pytest.param(local_assets, id="local")]
EVENT_BUS_ADAPTERS = [pytest.param(local_event_log, id="local")]


def new_tenant() -> str:
    """A fresh tenant id per test, so suites can run against shared servers."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=METADATA_ADAPTERS)
def metadata_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetadataStore]:
    with request.param(tmp_path) as store:
        yield store


@pytest.fixture(params=ASSET_ADAPTERS)
def asset_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AssetStore]:
    with request.param(tmp_path) as store:
        yield store


@pytest.fixture(params=EVENT_BUS_ADAPTERS)
def event_bus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventBus]:
    with request.param(tmp_path) as bus:
        yield bus
