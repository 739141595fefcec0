"""SqliteMetadataStore specifics: file layout, concurrency across threads and processes, speed, errors."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from craftology.adapters.metadata.sqlite import SCHEMA_VERSION, SqliteMetadataStore
from craftology.errors import NotFound, PreconditionFailed, StorageError, TransientError
from craftology.ports.metadata import MetadataStore, OutboxEntry, Put, Query

PER_PROCESS = 60


@pytest.fixture
def store(tmp_path: Path) -> SqliteMetadataStore:
    store = SqliteMetadataStore(tmp_path)
    store.provision("acme")
    return store


def test_one_wal_database_file_per_tenant(store: SqliteMetadataStore, tmp_path: Path) -> None:
    assert isinstance(store, MetadataStore)
    path = tmp_path / "acme" / "metadata.db"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    store.drop("acme")
    assert not (tmp_path / "acme").exists()


def test_same_expect_from_two_threads_exactly_one_wins(store: SqliteMetadataStore) -> None:
    store.commit("acme", [Put("shots", "s1", {"v": 0})])
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def edit(n: int) -> None:
        barrier.wait()
        try:
            store.commit("acme", [Put("shots", "s1", {"v": n}, expect=1)])
            outcomes.append(f"won {n}")
        except PreconditionFailed:
            outcomes.append("lost")

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(winners) == 1
    assert outcomes.count("lost") == 5
    record = store.get("acme", "shots", "s1")
    assert record.revision == 2
    assert winners == [f"won {record.data['v']}"]


def increment_many(root: str, worker: int) -> None:
    store = SqliteMetadataStore(Path(root))
    for i in range(PER_PROCESS):
        store.commit("acme", [Put("events", f"w{worker}-{i}", {"i": i})])
        while True:  # optimistic read-modify-write of one shared counter
            counter = store.get("acme", "counters", "total")
            try:
                store.commit(
                    "acme", [Put("counters", "total", {"n": counter.data["n"] + 1}, expect=counter.revision)]
                )
                break
            except (PreconditionFailed, TransientError):
                continue
    store.close()


def test_two_processes_writing_one_tenant_lose_nothing(store: SqliteMetadataStore, tmp_path: Path) -> None:
    store.commit("acme", [Put("counters", "total", {"n": 0})])
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=increment_many, args=(str(tmp_path), w)) for w in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert len(list(store.scan("acme", "events"))) == 2 * PER_PROCESS
    total = store.get("acme", "counters", "total")
    assert total.data["n"] == 2 * PER_PROCESS
    assert total.revision == 2 * PER_PROCESS + 1
    assert len(store.history("acme", "counters", "total")) == 2 * PER_PROCESS + 1


def test_loading_ten_thousand_shots_is_fast(store: SqliteMetadataStore) -> None:
    shots = [
        Put("shots", f"shot-{i:05d}", {"number": i, "description": "dusk, handheld, trail shoes " * 4}, "p1")
        for i in range(10_000)
    ]
    store.commit("acme", shots)
    started = time.perf_counter()
    loaded = list(store.scan("acme", "shots", project_id="p1"))
    elapsed = time.perf_counter() - started
    assert len(loaded) == 10_000
    assert loaded[-1].data["number"] == 9_999
    assert elapsed < 1.0, elapsed
    started = time.perf_counter()
    for i in range(50):
        store.commit("acme", [Put("shots", "shot-00001", {"number": i}, "p1")])
    assert (time.perf_counter() - started) / 50 < 0.05


def test_drop_invalidates_connections_cached_by_other_threads(store: SqliteMetadataStore) -> None:
    store.commit("acme", [Put("shots", "s1", {})])
    go_on = threading.Event()
    results: list[object] = []

    def reader() -> None:
        results.append(store.get("acme", "shots", "s1").revision)  # caches this thread's connection
        go_on.wait()
        try:
            store.get("acme", "shots", "s1")
        except NotFound as exc:
            results.append(type(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    while not results:
        time.sleep(0.01)
    store.drop("acme")
    store.provision("acme")  # a fresh, empty sandbox
    go_on.set()
    thread.join()
    assert results == [1, NotFound]


def test_sqlite_errors_become_storage_errors(store: SqliteMetadataStore, tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "metadata.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError):
        store.get("broken", "shots", "s1")
    with pytest.raises(StorageError):
        store.commit("broken", [Put("shots", "s1", {})])


def test_a_sandbox_from_before_the_change_feed_gets_its_index_on_open(tmp_path: Path) -> None:
    old = SqliteMetadataStore(tmp_path)
    old.provision("acme")
    old.commit("acme", [Put("shots", "s1", {"v": 1}, project_id="p1")])
    old.close()
    with sqlite3.connect(tmp_path / "acme" / "metadata.db") as conn:
        conn.execute("DROP INDEX history_by_project")
        conn.execute("PRAGMA user_version=1")
    store = SqliteMetadataStore(tmp_path)
    assert [c.id for c in store.changes("acme", "p1")] == ["s1"]
    with sqlite3.connect(tmp_path / "acme" / "metadata.db") as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "history_by_project" in names
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    store.close()


def test_a_sandbox_with_outbox_records_from_before_the_outbox_table_keeps_its_events(tmp_path: Path) -> None:
    """Releases before schema 3 kept outbox entries as records of collection "outbox"."""
    old = SqliteMetadataStore(tmp_path)
    old.provision("acme")
    entry = {"id": "e1", "type": "target.pinned"}
    old.commit("acme", [Put("outbox", "0001.0000.e1", entry), Put("shots", "s1", {}, project_id="p1")])
    old.close()
    with sqlite3.connect(tmp_path / "acme" / "metadata.db") as conn:
        conn.execute("DROP TABLE outbox")
        conn.execute("PRAGMA user_version=2")
    store = SqliteMetadataStore(tmp_path)
    assert store.outbox("acme") == [OutboxEntry("0001.0000.e1", entry)]
    assert list(store.scan("acme", "outbox")) == []
    assert [r.id for r in store.scan("acme", "shots")] == ["s1"]
    store.close()


def test_a_sandbox_from_before_ordered_queries_gets_the_order_index_on_open(tmp_path: Path) -> None:
    old = SqliteMetadataStore(tmp_path)
    old.provision("acme")
    old.commit("acme", [Put("shots", f"s{i}", {"order": f"k{9 - i}"}, project_id="p1") for i in range(10)])
    old.close()
    with sqlite3.connect(tmp_path / "acme" / "metadata.db") as conn:
        conn.execute("DROP INDEX records_by_order")
        conn.execute("PRAGMA user_version=3")
    store = SqliteMetadataStore(tmp_path)
    page = store.find("acme", Query("shots", "p1", limit=3, order_by="order", after=("k5", "s4")))
    assert [r.id for r in page.records] == ["s3", "s2", "s1"]
    with sqlite3.connect(tmp_path / "acme" / "metadata.db") as conn:
        # The neighbour query walks the index from the position instead of reading the project.
        (plan,) = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM records WHERE collection = 'shots' AND project_id = 'p1' "
            "AND json_extract(data, '$.order') > 'k5' ORDER BY json_extract(data, '$.order'), id LIMIT 2"
        ).fetchall()
        assert "records_by_order" in plan[3]
        assert "<expr>>?" in plan[3]
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    store.close()
