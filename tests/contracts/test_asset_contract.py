"""AssetStore contract: run against every adapter listed in conftest.ASSET_ADAPTERS."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator

import pytest

from craftology.errors import BadInput, NotFound, RangeNotSatisfiable
from craftology.ports.assets import AssetStore
from tests.contracts.conftest import new_tenant


@pytest.fixture
def tenant(asset_store: AssetStore) -> str:
    name = new_tenant()
    asset_store.provision(name)
    return name


@pytest.fixture
def other_tenant(asset_store: AssetStore) -> str:
    name = new_tenant()
    asset_store.provision(name)
    return name


def irregular_chunks(data: bytes, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    position = 0
    while position < len(data):
        size = rng.choice([1, 17, 4096, 65_537, 1 << 20, 1_300_000])
        yield data[position : position + size]
        position += size


def test_key_is_the_sha256_and_same_bytes_are_stored_once(asset_store: AssetStore, tenant: str) -> None:
    data = b"keyframe png bytes"
    first = asset_store.put_bytes(tenant, data)
    second = asset_store.put(tenant, [data[:5], data[5:]])
    assert first.key == second.key == hashlib.sha256(data).hexdigest()
    assert first.size == second.size == len(data)
    assert list(asset_store.keys(tenant)) == [first.key]
    assert asset_store.read_bytes(tenant, first.key) == data


def test_streaming_put_of_several_mebibytes(asset_store: AssetStore, tenant: str) -> None:
    data = random.Random(1).randbytes(3 * (1 << 20) + 123_457)
    info = asset_store.put(tenant, irregular_chunks(data, seed=2))
    assert info.key == hashlib.sha256(data).hexdigest()
    assert asset_store.stat(tenant, info.key).size == len(data)
    chunks = list(asset_store.open(tenant, info.key))
    assert len(chunks) > 1  # streamed, not one buffer
    assert b"".join(chunks) == data


def test_range_reads(asset_store: AssetStore, tenant: str) -> None:
    data = bytes(range(256)) * 9_000  # ~2.2 MiB so ranges cross chunk boundaries
    key = asset_store.put_bytes(tenant, data).key
    size = len(data)
    for start, end in [
        (0, None),
        (0, 1),
        (10, 20),
        (1_048_570, 1_048_590),
        (size - 3, None),
        (5, size + 50),
        (7, 7),
        (size, None),
    ]:
        got = b"".join(asset_store.open(tenant, key, start, end))
        assert got == data[start:end], (start, end)
    for start, end in [(-1, None), (10, 5), (0, -1)]:
        with pytest.raises(BadInput):
            asset_store.open(tenant, key, start, end)
    with pytest.raises(RangeNotSatisfiable):
        asset_store.open(tenant, key, size + 1)


def test_bad_keys_are_rejected(asset_store: AssetStore, tenant: str) -> None:
    good = asset_store.put_bytes(tenant, b"x").key
    for bad in ["../../etc/passwd", good.upper(), good[:-1], good + "0", "", f"../{good[2:]}xx", "z" * 64]:
        with pytest.raises(BadInput):
            asset_store.stat(tenant, bad)
        with pytest.raises(BadInput):
            asset_store.open(tenant, bad)
        with pytest.raises(BadInput):
            asset_store.delete(tenant, bad)


def test_unknown_keys_and_tenants_are_not_found(asset_store: AssetStore, tenant: str) -> None:
    missing = hashlib.sha256(b"never stored").hexdigest()
    with pytest.raises(NotFound):
        asset_store.stat(tenant, missing)
    with pytest.raises(NotFound):
        asset_store.open(tenant, missing)
    with pytest.raises(NotFound, match="no sandbox"):
        asset_store.put_bytes(new_tenant(), b"x")
    with pytest.raises(BadInput):
        asset_store.provision("../escape")


def test_tenants_are_isolated(asset_store: AssetStore, tenant: str, other_tenant: str) -> None:
    private = asset_store.put_bytes(tenant, b"tenant a only").key
    with pytest.raises(NotFound):
        asset_store.stat(other_tenant, private)
    with pytest.raises(NotFound):
        asset_store.read_bytes(other_tenant, private)
    assert list(asset_store.keys(other_tenant)) == []
    # The same content in two tenants: two independent copies.
    shared = asset_store.put_bytes(tenant, b"both").key
    assert asset_store.put_bytes(other_tenant, b"both").key == shared
    asset_store.delete(tenant, shared)
    assert asset_store.read_bytes(other_tenant, shared) == b"both"
    assert sorted(asset_store.keys(tenant)) == [private]


def test_delete_is_idempotent(asset_store: AssetStore, tenant: str) -> None:
    key = asset_store.put_bytes(tenant, b"gone soon").key
    asset_store.delete(tenant, key)
    asset_store.delete(tenant, key)
    with pytest.raises(NotFound):
        asset_store.stat(tenant, key)
    assert list(asset_store.keys(tenant)) == []


def test_keys_lists_every_blob(asset_store: AssetStore, tenant: str) -> None:
    expected = {asset_store.put_bytes(tenant, f"blob {i}".encode()).key for i in range(40)}
    assert sorted(asset_store.keys(tenant)) == sorted(expected)


def test_drop_removes_every_blob(asset_store: AssetStore, tenant: str, other_tenant: str) -> None:
    key = asset_store.put_bytes(tenant, b"doomed").key
    asset_store.put_bytes(other_tenant, b"doomed")
    asset_store.drop(tenant)
    asset_store.drop(tenant)
    with pytest.raises(NotFound):
        asset_store.stat(tenant, key)
    asset_store.provision(tenant)
    assert list(asset_store.keys(tenant)) == []
    assert asset_store.read_bytes(other_tenant, key) == b"doomed"


def test_list_blobs_gives_size_and_modification_time(asset_store: AssetStore, tenant: str) -> None:
    before = time.time()
    small = asset_store.put_bytes(tenant, b"small")
    large = asset_store.put_bytes(tenant, b"l" * 70_000)
    after = time.time()
    listed = list(asset_store.list_blobs(tenant))
    assert [b.key for b in listed] == sorted([small.key, large.key])
    assert {b.key: b.size for b in listed} == {small.key: 5, large.key: 70_000}
    # Stores keep modification times at second precision at worst.
    assert all(before - 2 <= b.modified <= after + 2 for b in listed)


def test_list_blobs_is_per_tenant(asset_store: AssetStore, tenant: str, other_tenant: str) -> None:
    asset_store.put_bytes(tenant, b"mine")
    assert list(asset_store.list_blobs(other_tenant)) == []
    with pytest.raises(NotFound):
        list(asset_store.list_blobs(new_tenant()))


def test_delete_says_whether_it_removed(asset_store: AssetStore, tenant: str) -> None:
    key = asset_store.put_bytes(tenant, b"removed once").key
    assert asset_store.delete(tenant, key) is True
    assert asset_store.delete(tenant, key) is False
    assert asset_store.delete(tenant, key, modified_before=time.time() + 60) is False


def test_conditional_delete_keeps_a_blob_put_since(asset_store: AssetStore, tenant: str) -> None:
    key = asset_store.put_bytes(tenant, b"young").key
    assert asset_store.delete(tenant, key, modified_before=time.time() - 60) is False
    assert asset_store.read_bytes(tenant, key) == b"young"
    assert asset_store.delete(tenant, key, modified_before=time.time() + 60) is True
    with pytest.raises(NotFound):
        asset_store.stat(tenant, key)
    with pytest.raises(BadInput):
        asset_store.delete(tenant, "../" + key[3:], modified_before=time.time())


def test_putting_stored_content_again_refreshes_its_modification_time(
    asset_store: AssetStore, tenant: str
) -> None:
    """The writer of a blob that already exists (a deterministic retry, an orphan's twin) is about to
    reference it: it must start a new grace period, or a collector could take it before the commit."""
    key = asset_store.put_bytes(tenant, b"stored twice").key
    [first] = asset_store.list_blobs(tenant)
    time.sleep(1.1)  # stores keep modification times at second precision at worst
    asset_store.put_bytes(tenant, b"stored twice")
    [second] = asset_store.list_blobs(tenant)
    assert second.modified > first.modified
    assert asset_store.delete(tenant, key, modified_before=first.modified + 1.0) is False
    assert asset_store.read_bytes(tenant, key) == b"stored twice"
