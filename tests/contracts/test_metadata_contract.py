"""MetadataStore contract: run against every adapter listed in conftest.METADATA_ADAPTERS."""

from __future__ import annotations

import random
from typing import Any

import pytest

from craftology.errors import BadInput, Conflict, NotFound, PreconditionFailed
from craftology.ports.metadata import (
    ANY_REVISION,
    MUST_NOT_EXIST,
    Delete,
    MetadataStore,
    Op,
    OutboxEntry,
    Put,
    Query,
)
from tests.contracts.conftest import new_tenant


@pytest.fixture
def tenant(metadata_store: MetadataStore) -> str:
    name = new_tenant()
    metadata_store.provision(name)
    return name


@pytest.fixture
def other_tenant(metadata_store: MetadataStore) -> str:
    name = new_tenant()
    metadata_store.provision(name)
    return name


def put(store: MetadataStore, tenant: str, rid: str, expect: int = ANY_REVISION, **data: object) -> int:
    (record,) = store.commit(tenant, [Put("shots", rid, dict(data), project_id="p1", expect=expect)])
    return record.revision


def test_put_then_get_round_trips(metadata_store: MetadataStore, tenant: str) -> None:
    data = {"title": "Dusk run", "n": 3, "tags": ["trail", "shoe"], "nested": {"a": None, "ü": 1.5}}
    (written,) = metadata_store.commit(tenant, [Put("shots", "s1", data, project_id="p1", expect=0)])
    got = metadata_store.get(tenant, "shots", "s1")
    assert (got.revision, got.data, got.project_id) == (1, data, "p1")
    assert got == written
    assert got.updated_at.startswith("20")


def test_revisions_and_stale_expect(metadata_store: MetadataStore, tenant: str) -> None:
    assert put(metadata_store, tenant, "s1", MUST_NOT_EXIST, v=1) == 1
    assert put(metadata_store, tenant, "s1", 1, v=2) == 2
    with pytest.raises(PreconditionFailed):
        put(metadata_store, tenant, "s1", 1, v=3)
    assert metadata_store.get(tenant, "shots", "s1").data == {"v": 2}
    assert put(metadata_store, tenant, "s1", ANY_REVISION, v=4) == 3


def test_must_not_exist_conflicts_with_an_existing_record(metadata_store: MetadataStore, tenant: str) -> None:
    put(metadata_store, tenant, "s1", v=1)
    with pytest.raises(Conflict):
        put(metadata_store, tenant, "s1", MUST_NOT_EXIST, v=2)
    assert metadata_store.get(tenant, "shots", "s1").data == {"v": 1}


def test_expected_revision_of_a_missing_record_is_a_failed_precondition(
    metadata_store: MetadataStore, tenant: str
) -> None:
    with pytest.raises(PreconditionFailed):
        put(metadata_store, tenant, "ghost", 3, v=1)
    with pytest.raises(PreconditionFailed):
        metadata_store.commit(tenant, [Delete("shots", "ghost", expect=2)])
    with pytest.raises(NotFound):
        metadata_store.get(tenant, "shots", "ghost")


def test_failed_last_op_rolls_back_the_whole_commit(metadata_store: MetadataStore, tenant: str) -> None:
    put(metadata_store, tenant, "kept", v="old")
    ops: list[Op] = [
        Put("shots", "new", {"v": 1}, expect=MUST_NOT_EXIST),
        Put("shots", "kept", {"v": "new"}, expect=1),
        Delete("shots", "kept", expect=ANY_REVISION),
        Put("cards", "c1", {"v": 1}, expect=7),  # fails: the record does not exist
    ]
    with pytest.raises(PreconditionFailed):
        metadata_store.commit(tenant, ops)
    with pytest.raises(NotFound):
        metadata_store.get(tenant, "shots", "new")
    kept = metadata_store.get(tenant, "shots", "kept")
    assert (kept.revision, kept.data) == (1, {"v": "old"})
    assert metadata_store.history(tenant, "shots", "new") == []
    assert len(metadata_store.history(tenant, "shots", "kept")) == 1


def test_commit_applies_ops_in_order_and_returns_them(metadata_store: MetadataStore, tenant: str) -> None:
    written = metadata_store.commit(
        tenant,
        [
            Put("cards", "mia", {"hair": "brown"}, project_id="p1", expect=0),
            Put("cards", "mia", {"hair": "red"}, project_id="p1", expect=1),
            Put("shots", "s1", {"cards": ["mia"]}, project_id="p1"),
        ],
    )
    assert [(r.collection, r.id, r.revision) for r in written] == [
        ("cards", "mia", 1),
        ("cards", "mia", 2),
        ("shots", "s1", 1),
    ]
    assert metadata_store.get(tenant, "cards", "mia").data == {"hair": "red"}
    assert metadata_store.commit(tenant, []) == []


def test_delete_returns_last_revision_and_history_keeps_order(
    metadata_store: MetadataStore, tenant: str
) -> None:
    for value in ("a", "b", "c"):
        put(metadata_store, tenant, "s1", v=value)
    with pytest.raises(PreconditionFailed):
        metadata_store.commit(tenant, [Delete("shots", "s1", expect=2)])
    (deleted,) = metadata_store.commit(tenant, [Delete("shots", "s1", expect=3)])
    assert (deleted.revision, deleted.data) == (3, {})
    with pytest.raises(NotFound):
        metadata_store.get(tenant, "shots", "s1")
    again = put(metadata_store, tenant, "s1", MUST_NOT_EXIST, v="d")
    assert again > 3  # an ETag of the deleted incarnation never matches the new one
    history = metadata_store.history(tenant, "shots", "s1")
    assert [r.data for r in history] == [{"v": "a"}, {"v": "b"}, {"v": "c"}, {}, {"v": "d"}]
    assert [r.revision for r in history] == [1, 2, 3, 3, again]


def test_tenants_are_isolated(metadata_store: MetadataStore, tenant: str, other_tenant: str) -> None:
    put(metadata_store, tenant, "s1", owner="a")
    with pytest.raises(NotFound):
        metadata_store.get(other_tenant, "shots", "s1")
    assert metadata_store.find(other_tenant, Query("shots")).records == []
    assert list(metadata_store.scan(other_tenant, "shots")) == []
    assert metadata_store.history(other_tenant, "shots", "s1") == []
    # The same id in two tenants: independent records and revisions.
    assert put(metadata_store, tenant, "s1", 1, owner="a2") == 2
    assert put(metadata_store, other_tenant, "s1", MUST_NOT_EXIST, owner="b") == 1
    metadata_store.commit(tenant, [Delete("shots", "s1")])
    assert metadata_store.get(other_tenant, "shots", "s1").data == {"owner": "b"}


def test_collections_are_independent(metadata_store: MetadataStore, tenant: str) -> None:
    metadata_store.commit(tenant, [Put("cards", "x", {"k": "card"}), Put("shots", "x", {"k": "shot"})])
    assert metadata_store.get(tenant, "cards", "x").data == {"k": "card"}
    assert [r.collection for r in metadata_store.scan(tenant, "shots")] == ["shots"]


def test_unknown_and_invalid_tenants(metadata_store: MetadataStore) -> None:
    with pytest.raises(NotFound, match="no sandbox"):
        metadata_store.get(new_tenant(), "shots", "s1")
    with pytest.raises(NotFound):
        metadata_store.commit(new_tenant(), [Put("shots", "s1", {})])
    for bad in ("../etc", "Acme", "", "a/b", "x" * 65):
        with pytest.raises(BadInput):
            metadata_store.provision(bad)


def test_drop_removes_everything_and_is_idempotent(metadata_store: MetadataStore, tenant: str) -> None:
    put(metadata_store, tenant, "s1", v=1)
    metadata_store.provision(tenant)  # idempotent: keeps data
    assert metadata_store.get(tenant, "shots", "s1").revision == 1
    metadata_store.drop(tenant)
    metadata_store.drop(tenant)
    with pytest.raises(NotFound):
        metadata_store.get(tenant, "shots", "s1")
    metadata_store.provision(tenant)
    assert list(metadata_store.scan(tenant, "shots")) == []


@pytest.mark.parametrize("limit", [1, 7, 1000])
def test_pagination_covers_every_record_exactly_once(
    metadata_store: MetadataStore, tenant: str, limit: int
) -> None:
    rng = random.Random(limit)
    ids = [f"s{rng.randrange(10**9):09d}-{i}" for i in range(230)]
    metadata_store.commit(
        tenant, [Put("shots", i, {"i": i}, project_id=f"p{n % 3}") for n, i in enumerate(ids)]
    )
    for project, expected in [(None, sorted(ids)), ("p1", sorted(ids[1::3]))]:
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            page = metadata_store.find(tenant, Query("shots", project_id=project, cursor=cursor, limit=limit))
            assert len(page.records) <= limit
            seen += [r.id for r in page.records]
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == expected
        assert pages == max(1, -(-len(expected) // limit))


def test_find_rejects_bad_limits_and_cursors(metadata_store: MetadataStore, tenant: str) -> None:
    for limit in (0, 1001, -5):
        with pytest.raises(BadInput):
            metadata_store.find(tenant, Query("shots", limit=limit))
    with pytest.raises(BadInput):
        metadata_store.find(tenant, Query("shots", cursor="%%%not a cursor"))


def test_where_filters_by_json_equality(metadata_store: MetadataStore, tenant: str) -> None:
    rows: dict[str, dict[str, Any]] = {
        "a": {"status": "final", "n": 1, "ok": True},
        "b": {"status": "draft", "n": "1", "ok": 1},
        "c": {"status": "final", "n": 1.0, "ok": False, "note": None},
        "d": {"other": "x"},
    }
    metadata_store.commit(
        tenant, [Put("shots", k, v, project_id="p2" if k == "c" else "p1") for k, v in rows.items()]
    )

    def ids(where: dict[str, object], project: str | None = None) -> list[str]:
        return [
            r.id for r in metadata_store.find(tenant, Query("shots", project_id=project, where=where)).records
        ]

    assert ids({"status": "final"}) == ["a", "c"]
    assert ids({"status": "final"}, project="p2") == ["c"]
    assert ids({"n": 1}) == ["a", "c"]
    assert ids({"n": "1"}) == ["b"]
    assert ids({"ok": True}) == ["a"]
    assert ids({"ok": 1}) == ["b"]
    assert ids({"note": None}) == ["c"]
    assert ids({"status": "final", "ok": False}) == ["c"]
    assert ids({"status": "missing"}) == []


def test_scan_streams_every_record_in_id_order(metadata_store: MetadataStore, tenant: str) -> None:
    ids = [f"shot-{i:05d}" for i in range(2_345)]
    shuffled = ids[:]
    random.Random(7).shuffle(shuffled)
    for start in range(0, len(shuffled), 500):
        metadata_store.commit(
            tenant,
            [
                Put("shots", i, {"i": i}, project_id="big" if int(i[5:]) % 2 else "small")
                for i in shuffled[start : start + 500]
            ],
        )
    scanned = [r.id for r in metadata_store.scan(tenant, "shots")]
    assert scanned == ids
    odd = [r.id for r in metadata_store.scan(tenant, "shots", project_id="big")]
    assert odd == ids[1::2]
    assert all(r.data == {"i": r.id} for r in metadata_store.scan(tenant, "shots", project_id="small"))


def test_change_feed_lists_a_projects_writes_in_commit_order(
    metadata_store: MetadataStore, tenant: str
) -> None:
    assert metadata_store.head(tenant) == 0
    metadata_store.commit(tenant, [Put("shots", "a", {"v": 1}, project_id="p1"),
                                   Put("shots", "x", {"v": 1}, project_id="p2")])  # fmt: skip
    mark = metadata_store.head(tenant)
    metadata_store.commit(tenant, [Put("shots", "a", {"v": 2}, project_id="p1"), Delete("shots", "x")])
    metadata_store.commit(tenant, [Delete("shots", "a"), Put("cards", "b", {"v": 3}, project_id="p1")])
    feed = metadata_store.changes(tenant, "p1")
    assert [(c.collection, c.id, c.data) for c in feed] == [
        ("shots", "a", {"v": 1}), ("shots", "a", {"v": 2}), ("shots", "a", None), ("cards", "b", {"v": 3})
    ]  # fmt: skip
    assert [c.seq for c in feed] == sorted({c.seq for c in feed})
    assert feed[-1].seq == metadata_store.head(tenant)
    assert [c.data for c in metadata_store.changes(tenant, "p1", after=mark)] == [{"v": 2}, None, {"v": 3}]
    assert [c.id for c in metadata_store.changes(tenant, "p1", after=feed[1].seq, limit=1)] == ["a"]
    assert [c.data for c in metadata_store.changes(tenant, "p2")] == [{"v": 1}, None]
    assert metadata_store.changes(tenant, "p1", after=metadata_store.head(tenant)) == []


def test_change_feed_is_per_tenant(metadata_store: MetadataStore, tenant: str, other_tenant: str) -> None:
    metadata_store.commit(tenant, [Put("shots", "a", {"v": 1}, project_id="p1")])
    assert metadata_store.changes(other_tenant, "p1") == []
    assert metadata_store.head(other_tenant) == 0


def test_outbox_entries_commit_with_the_records_or_not_at_all(
    metadata_store: MetadataStore, tenant: str, other_tenant: str
) -> None:
    head = metadata_store.head(tenant)
    entries = [OutboxEntry(f"000{n}.e{n}", {"n": n, "ü": [1, None]}) for n in (2, 1, 3)]
    metadata_store.commit(tenant, [Put("shots", "s1", {}, project_id="p1")], outbox=entries)
    assert metadata_store.outbox(tenant) == sorted(entries, key=lambda e: e.id)
    assert metadata_store.outbox(tenant, after="0001.e1", limit=1) == [entries[0]]
    assert metadata_store.outbox(other_tenant) == []
    # Entries are not records: the change feed and history tell of the shot only.
    assert [c.id for c in metadata_store.changes(tenant, "p1", after=head)] == ["s1"]
    with pytest.raises(PreconditionFailed):
        metadata_store.commit(tenant, [Put("shots", "s1", {}, expect=7)], outbox=[OutboxEntry("0009.x", {})])
    assert [e.id for e in metadata_store.outbox(tenant)] == ["0001.e1", "0002.e2", "0003.e3"]
    metadata_store.dequeue(tenant, ["0001.e1", "0003.e3", "never-there"])
    metadata_store.dequeue(tenant, ["0001.e1"])
    assert metadata_store.outbox(tenant) == [entries[0]]
    metadata_store.commit(tenant, [], outbox=[OutboxEntry("0004.e4", {})])  # events of no record change
    assert [e.id for e in metadata_store.outbox(tenant)] == ["0002.e2", "0004.e4"]
    with pytest.raises(BadInput):
        metadata_store.outbox(tenant, limit=0)


def ordered_ids(store: MetadataStore, tenant: str, limit: int, **options: Any) -> tuple[list[str], int]:
    """Every record of an ordered query, page by page through the cursor; also the page count."""
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = store.find(tenant, Query("shots", project_id="p1", cursor=cursor, limit=limit, **options))
        assert len(page.records) <= limit
        seen += [r.id for r in page.records]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return seen, pages


@pytest.mark.parametrize("limit", [1, 4, 50])
def test_ordered_pages_follow_the_field_then_the_id(
    metadata_store: MetadataStore, tenant: str, limit: int
) -> None:
    rng = random.Random(limit)
    # Few distinct values, so most records tie on the field and the id must break the ties.
    rows = {f"s{n:03d}": rng.choice(["b", "a", "c"]) for n in rng.sample(range(1000), 40)}
    ops: list[Op] = [Put("shots", i, {"order": v}, project_id="p1") for i, v in rows.items()]
    ops += [
        Put("shots", "x-other", {"order": "a"}, project_id="p2"),
        Put("shots", "x-none", {}, project_id="p1"),
    ]
    metadata_store.commit(tenant, ops)
    ascending = sorted(rows, key=lambda i: (rows[i], i))
    seen, pages = ordered_ids(metadata_store, tenant, limit, order_by="order")
    assert seen == ascending  # a record without the field is left out, another project's too
    assert pages == max(1, -(-len(ascending) // limit))
    assert ordered_ids(metadata_store, tenant, limit, order_by="order", descending=True)[0] == ascending[::-1]


def test_ordered_cursor_resumes_after_the_last_record_even_when_it_moved(
    metadata_store: MetadataStore, tenant: str
) -> None:
    metadata_store.commit(
        tenant,
        [Put("shots", i, {"order": v}, project_id="p1") for i, v in [("a", "m"), ("b", "m"), ("c", "z")]],
    )
    first = metadata_store.find(tenant, Query("shots", project_id="p1", limit=1, order_by="order"))
    assert [r.id for r in first.records] == ["a"]
    assert first.next_cursor is not None
    metadata_store.commit(tenant, [Put("shots", "a", {"order": "zz"}, project_id="p1")])  # moves to the end
    rest = metadata_store.find(
        tenant, Query("shots", project_id="p1", cursor=first.next_cursor, order_by="order")
    )
    assert [r.id for r in rest.records] == ["b", "c", "a"]  # resumes after ("m", "a"), not after a place


def test_ordered_find_gives_the_neighbour_of_a_position(metadata_store: MetadataStore, tenant: str) -> None:
    rows = [("a", 3), ("b", 1), ("c", 2), ("d", 2), ("e", 2.5)]
    metadata_store.commit(tenant, [Put("shots", i, {"order": v}, project_id="p1") for i, v in rows])

    def next_to(position: tuple[str | int | float, str], descending: bool = False) -> list[str]:
        query = Query(
            "shots", project_id="p1", limit=1, order_by="order", after=position, descending=descending
        )
        return [r.id for r in metadata_store.find(tenant, query).records]

    assert next_to((2, "c")) == ["d"]
    assert next_to((2, "d")) == ["e"]
    assert next_to((2, "d"), descending=True) == ["c"]
    assert next_to((2, "c"), descending=True) == ["b"]
    assert next_to((1, "b"), descending=True) == []
    assert next_to((3, "a")) == []
    assert next_to((2.2, "")) == ["e"]  # a position needs no record at it


def test_ordered_find_rejects_bad_fields_positions_and_cursors(
    metadata_store: MetadataStore, tenant: str
) -> None:
    put(metadata_store, tenant, "s1", order="a")
    bad: list[Query] = [
        *(
            Query("shots", order_by=f)
            for f in ("", "or der", "a.b", "x'); DROP TABLE records; --", "1st", "ü")
        ),
        Query("shots", order_by="order", cursor="%%%not a cursor"),
        Query("shots", order_by="order", cursor="czE="),  # an id-order cursor ("s1") is not a position
        Query("shots", order_by="order", after=("a",)),  # type: ignore[arg-type]
        Query("shots", order_by="order", after=(None, "s1")),  # type: ignore[arg-type]
        Query("shots", after=("a", "s1")),  # a position needs an order
        Query("shots", descending=True),
    ]
    for query in bad:
        with pytest.raises(BadInput):
            metadata_store.find(tenant, query)
    assert metadata_store.get(tenant, "shots", "s1").data == {"order": "a"}
