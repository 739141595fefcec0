"""LocalAssetStore specifics: on-disk layout, atomic writes, crash leftovers, concurrent puts."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from craftology.adapters.assets.local import STALE_TEMP_SECONDS, LocalAssetStore
from craftology.ports.assets import AssetStore


class Crash(Exception):
    pass


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> LocalAssetStore:
    store = LocalAssetStore(tmp_path)
    store.provision("acme")
    return store


def test_implements_the_port_and_lays_blobs_out_by_key(store: LocalAssetStore, tmp_path: Path) -> None:
    assert isinstance(store, AssetStore)
    info = store.put_bytes("acme", b"sheet")
    blob = tmp_path / "acme" / "assets" / info.key[:2] / info.key
    assert blob.read_bytes() == b"sheet"
    assert files_under(tmp_path / "acme") == [blob]


def test_a_put_that_fails_halfway_leaves_no_blob_and_no_temp(store: LocalAssetStore, tmp_path: Path) -> None:
    half = os.urandom(2 << 20)

    def chunks() -> Iterator[bytes]:
        yield half
        yield half[:1000]
        raise Crash("upload connection dropped")

    with pytest.raises(Crash):
        store.put("acme", chunks())
    assert list(store.keys("acme")) == []
    for candidate in (half, half + half[:1000]):
        key = hashlib.sha256(candidate).hexdigest()
        assert not (tmp_path / "acme" / "assets" / key[:2] / key).exists()
    store.sweep_temp("acme")
    assert files_under(tmp_path / "acme") == []


def test_temp_files_of_a_killed_writer_are_swept(store: LocalAssetStore, tmp_path: Path) -> None:
    tmp_dir = tmp_path / "acme" / "assets" / ".tmp"
    stale = tmp_dir / "put-killed"
    stale.write_bytes(b"half a video")
    old = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    in_progress = tmp_dir / "put-running"
    in_progress.write_bytes(b"still writing")
    assert list(store.keys("acme")) == []  # temp files are never listed as blobs

    store.provision("acme")  # re-provisioning removes only what a dead writer left
    assert sorted(p.name for p in tmp_dir.iterdir()) == ["put-running"]
    assert store.sweep_temp("acme") == 1
    assert list(tmp_dir.iterdir()) == []


def test_concurrent_puts_of_the_same_content_store_one_blob(store: LocalAssetStore, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    with ThreadPoolExecutor(max_workers=8) as pool:
        infos = list(pool.map(lambda _: store.put("acme", [data[:1000], data[1000:]]), range(16)))
    assert {i.key for i in infos} == {hashlib.sha256(data).hexdigest()}
    assert len(files_under(tmp_path / "acme" / "assets")) == 1
    assert store.read_bytes("acme", infos[0].key) == data


def test_an_unconsumed_reader_holds_no_file(store: LocalAssetStore) -> None:
    key = store.put_bytes("acme", b"abc").key
    reader = store.open("acme", key)  # never iterated: nothing to leak (warnings are errors here)
    del reader
    store.delete("acme", key)
    assert list(store.keys("acme")) == []


def test_drop_keeps_a_sibling_metadata_file(store: LocalAssetStore, tmp_path: Path) -> None:
    (tmp_path / "acme" / "metadata.db").write_bytes(b"not ours")
    store.put_bytes("acme", b"x")
    store.drop("acme")
    assert files_under(tmp_path) == [tmp_path / "acme" / "metadata.db"]


def test_sweep_incomplete_removes_only_what_dead_writers_left(store: LocalAssetStore, tmp_path: Path) -> None:
    tmp_dir = tmp_path / "acme" / "assets" / ".tmp"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    (tmp_dir / f"put-{dead.stdout.strip()}-abc").write_bytes(b"killed mid-write")
    (tmp_dir / f"put-{os.getpid()}-def").write_bytes(b"this process is still writing")
    assert store.sweep_incomplete("acme") == 1
    assert [p.name for p in tmp_dir.iterdir()] == [f"put-{os.getpid()}-def"]


def _age(path: Path, seconds: float) -> float:
    old = time.time() - seconds
    os.utime(path, (old, old))
    return old


def test_putting_stored_content_again_refreshes_its_modification_time(
    store: LocalAssetStore, tmp_path: Path
) -> None:
    key = store.put_bytes("acme", b"orphan of a crashed activity").key
    old = _age(tmp_path / "acme" / "assets" / key[:2] / key, 7200)
    [listed] = store.list_blobs("acme")
    assert listed.modified == pytest.approx(old)
    store.put_bytes("acme", b"orphan of a crashed activity")  # the retry, about to commit it
    [refreshed] = store.list_blobs("acme")
    assert refreshed.modified > old + 3600
    assert store.delete("acme", key, modified_before=old + 3600) is False
    assert store.read_bytes("acme", key) == b"orphan of a crashed activity"


def test_a_put_between_listing_and_conditional_delete_keeps_its_blob(
    store: LocalAssetStore, tmp_path: Path
) -> None:
    key = store.put_bytes("acme", b"content").key
    cutoff = _age(tmp_path / "acme" / "assets" / key[:2] / key, 7200) + 60
    assert [b.key for b in store.list_blobs("acme") if b.modified < cutoff] == [key]  # a collector's pick
    store.put_bytes("acme", b"content")  # a writer lands before the collector deletes
    assert store.delete("acme", key, modified_before=cutoff) is False
    assert store.read_bytes("acme", key) == b"content"
    assert files_under(tmp_path / "acme" / "assets" / ".tmp") == []


def test_puts_racing_conditional_deletes_always_end_with_the_blob(
    store: LocalAssetStore, tmp_path: Path
) -> None:
    """A stat-then-unlink collector loses this race now and then (it unlinks the writer's fresh file)."""
    data = b"written by a retried activity"
    key = store.put_bytes("acme", data).key
    path = tmp_path / "acme" / "assets" / key[:2] / key
    for _ in range(100):
        cutoff = _age(path, 7200) + 60
        with ThreadPoolExecutor(max_workers=2) as pool:
            deleted = pool.submit(store.delete, "acme", key, modified_before=cutoff)
            pool.submit(store.put_bytes, "acme", data).result()
            deleted.result()
        assert store.read_bytes("acme", key) == data
    assert files_under(tmp_path / "acme" / "assets" / ".tmp") == []


def test_a_collector_killed_mid_delete_leaves_only_a_swept_temp_file(
    store: LocalAssetStore, tmp_path: Path
) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    detached = tmp_path / "acme" / "assets" / ".tmp" / f"gc-{dead.stdout.strip()}-{'a' * 64}-0123abcd"
    detached.write_bytes(b"an orphan being deleted")
    assert list(store.list_blobs("acme")) == []
    assert store.sweep_incomplete("acme") == 1
    assert files_under(tmp_path / "acme") == []
