"""The collection rule and one pass over real stores: referenced kept, young kept, old orphans removed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from craftology.adapters.assets.local import LocalAssetStore
from craftology.assets.gc import collect, collect_tenant, garbage
from craftology.ports.assets import StoredBlob
from tests.assets.conftest import HOUR, Stores


def blob(name: str, modified: float) -> StoredBlob:
    return StoredBlob(hashlib.sha256(name.encode()).hexdigest(), 10, modified)


def test_the_rule_takes_only_old_unreferenced_blobs() -> None:
    referenced_old, young, old_orphan = blob("a", 100.0), blob("b", 950.0), blob("c", 100.0)
    assert garbage([referenced_old, young, old_orphan], {referenced_old.key}, cutoff=900.0) == [old_orphan]
    assert garbage([blob("d", 900.0)], set(), cutoff=900.0) == []  # exactly at the cutoff: kept


def test_a_pass_removes_old_orphans_and_keeps_the_rest(stores: Stores) -> None:
    tenant = stores.provision("acme")
    referenced_old = stores.blob(tenant, b"accepted sheet", age=5 * HOUR)
    stores.reference(tenant, referenced_old)
    young_orphan = stores.blob(tenant, b"stored, not yet recorded", age=60)
    old_orphan = stores.blob(tenant, b"left by a killed activity", age=2 * HOUR)

    done = collect_tenant(stores.assets, stores.metadata, tenant, grace_seconds=HOUR)

    assert [b.key for b in done.removed] == [old_orphan]
    assert done.bytes_freed == len(b"left by a killed activity")
    assert (done.referenced, done.young_unreferenced) == (1, 1)
    assert stores.keys(tenant) == {referenced_old, young_orphan}
    assert stores.assets.read_bytes(tenant, referenced_old) == b"accepted sheet"


def test_a_dry_run_removes_nothing_and_reports_what_it_would(stores: Stores) -> None:
    tenant = stores.provision("acme")
    old_orphan = stores.blob(tenant, b"orphan", age=2 * HOUR)
    kept = stores.blob(tenant, b"kept", age=2 * HOUR)
    stores.reference(tenant, kept)
    (stores.root / tenant / "assets" / ".tmp" / "put-999999999-dead").write_bytes(b"half")

    dry = collect(stores.assets, stores.metadata, [tenant], HOUR, dry_run=True)
    assert [b.key for t in dry.tenants for b in t.removed] == [old_orphan]
    assert (dry.removed, dry.bytes_freed, dry.temp_files_removed) == (1, 6, 0)
    assert stores.keys(tenant) == {old_orphan, kept}
    assert (stores.root / tenant / "assets" / ".tmp" / "put-999999999-dead").exists()

    real = collect(stores.assets, stores.metadata, [tenant], HOUR)
    assert (real.removed, real.temp_files_removed) == (1, 1)
    assert stores.keys(tenant) == {kept}
    again = collect(stores.assets, stores.metadata, [tenant], HOUR)  # idempotent
    assert (again.removed, again.temp_files_removed) == (0, 0)


def test_grace_zero_removes_every_unreferenced_blob_and_never_a_referenced_one(stores: Stores) -> None:
    tenant = stores.provision("acme")
    referenced = {stores.blob(tenant, f"asset {n}".encode()) for n in range(5)}
    for key in referenced:
        stores.reference(tenant, key)
    stores.reference(tenant, next(iter(referenced)), asset_id="u-second-record-same-blob")
    orphans = {stores.blob(tenant, f"orphan {n}".encode(), age=1) for n in range(3)}

    done = collect(stores.assets, stores.metadata, [tenant], grace_seconds=0)
    assert {b.key for b in done.tenants[0].removed} == orphans
    assert stores.keys(tenant) == referenced


def test_tenants_are_collected_separately(stores: Stores) -> None:
    a, b = stores.provision("acme"), stores.provision("hooli")
    shared = stores.blob(a, b"same bytes", age=2 * HOUR)
    assert stores.blob(b, b"same bytes", age=2 * HOUR) == shared
    stores.reference(a, shared)  # referenced in acme only: hooli's copy is an orphan there

    done = collect(stores.assets, stores.metadata, [a, b, "deleted-since-listed"], HOUR)
    assert [(t.tenant, len(t.removed)) for t in done.tenants] == [(a, 0), (b, 1)]
    assert stores.keys(a) == {shared}
    assert stores.keys(b) == set()


class CommitsRightAfterListing(LocalAssetStore):
    """A writer that recorded its (long-stored) blob just after the collector listed the blobs."""

    def __init__(self, stores: Stores, tenant: str, key: str) -> None:
        super().__init__(stores.root)
        self._commit = lambda: stores.reference(tenant, key)

    def list_blobs(self, tenant: str) -> Iterator[StoredBlob]:
        listed = list(super().list_blobs(tenant))
        self._commit()
        return iter(listed)


def test_references_are_read_after_the_listing(stores: Stores) -> None:
    """Reading references first would miss this commit and delete a blob that is now referenced."""
    tenant = stores.provision("acme")
    slow_writer = stores.blob(tenant, b"stored long ago, recorded now", age=2 * HOUR)
    racing = CommitsRightAfterListing(stores, tenant, slow_writer)

    done = collect_tenant(racing, stores.metadata, tenant, grace_seconds=HOUR)
    assert done.removed == []
    assert stores.keys(tenant) == {slow_writer}


def test_a_collector_asked_to_stop_stops_between_blobs(stores: Stores) -> None:
    tenant = stores.provision("acme")
    orphans = {stores.blob(tenant, f"orphan {n}".encode(), age=2 * HOUR) for n in range(3)}
    asked = iter([False, True])
    done = collect_tenant(stores.assets, stores.metadata, tenant, HOUR, should_stop=lambda: next(asked))
    assert len(done.removed) == 1
    assert len(stores.keys(tenant)) == len(orphans) - 1


@pytest.mark.parametrize("grace", [0.0, HOUR])
def test_an_empty_tenant_is_a_no_op(stores: Stores, grace: float) -> None:
    tenant = stores.provision("acme")
    done = collect(stores.assets, stores.metadata, [tenant], grace)
    assert (done.removed, done.bytes_freed, done.young_unreferenced) == (0, 0, 0)


class RetriesRightAfterListing(LocalAssetStore):
    """A deterministic retry storing the same bytes as an old orphan just after the collector listed it."""

    def __init__(self, stores: Stores, tenant: str, content: bytes) -> None:
        super().__init__(stores.root)
        self._retry = lambda: stores.assets.put_bytes(tenant, content)

    def list_blobs(self, tenant: str) -> Iterator[StoredBlob]:
        listed = list(super().list_blobs(tenant))
        self._retry()
        return iter(listed)


def test_a_writer_storing_an_old_orphans_bytes_again_keeps_it(stores: Stores) -> None:
    """The retry is about to commit a record pointing at this key: the blob must survive the pass."""
    tenant = stores.provision("acme")
    content = b"same bytes as the first attempt, which was killed before its commit"
    twin = stores.blob(tenant, content, age=2 * HOUR)
    racing = RetriesRightAfterListing(stores, tenant, content)

    done = collect_tenant(racing, stores.metadata, tenant, grace_seconds=HOUR)
    assert done.removed == []
    assert stores.assets.read_bytes(tenant, twin) == content
