"""Structural edits of the storyboard cost what they touch: deleting, moving and a reorder that moves
one shot each write exactly one record to the change feed; random edits keep the order, the pages
and an engine caught up from the feed equal to a plain list kept alongside."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.ports.metadata import Put, RecordChange
from craftology.projects.models import ProjectIn, ShotIn
from craftology.projects.order_keys import position_key
from craftology.projects.service import ProjectService
from craftology.runs.engines import record_changes
from craftology.sync import ProjectState, Status, SyncEngine, accept_everything, full_audit
from craftology.sync.order import order_digest
from tests.principals import as_owner, default_policy
from tests.projects.conftest import TENANT
from tests.sync.factory import models


def feed(store: SqliteMetadataStore, project_id: str, after: int) -> list[RecordChange]:
    return store.changes(TENANT, project_id, after=after)


def test_delete_move_and_a_one_shot_reorder_each_write_one_record(
    service: ProjectService, store: SqliteMetadataStore, project_id: str
) -> None:
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(40)
    ]
    head = store.head(TENANT)
    service.delete_shot(as_owner(TENANT), project_id, ids[20], None)
    assert [(c.collection, c.id, c.data) for c in feed(store, project_id, head)] == [("shots", ids[20], None)]
    del ids[20]

    head = store.head(TENANT)
    service.move_shot(as_owner(TENANT), project_id, ids[3], after=ids[30], expect_revision=None)
    assert [(c.collection, c.id) for c in feed(store, project_id, head)] == [("shots", ids[3])]
    ids.insert(30, ids.pop(3))

    head = store.head(TENANT)
    wanted = [ids[25], *ids[:25], *ids[26:]]
    service.reorder_shots(as_owner(TENANT), project_id, wanted)
    assert [(c.collection, c.id) for c in feed(store, project_id, head)] == [("shots", ids[25])]
    assert [s.value.id for s in service.list_shots(as_owner(TENANT), project_id, limit=100).items] == wanted


def test_a_sandbox_written_with_dense_positions_takes_sparse_edits(
    service: ProjectService, store: SqliteMetadataStore, project_id: str
) -> None:
    """Shots and a sequence record as releases before keys wrote them: integer positions, a count."""
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(4)
    ]
    legacy = [
        Put("shots", r.id, {**r.data, "order": position}, project_id=project_id)
        for position, r in enumerate(service._shots(TENANT, project_id))
    ]
    store.commit(TENANT, [*legacy, Put("shot_sequences", project_id, {"count": 4}, project_id=project_id)])
    assert [s.value.id for s in service.list_shots(as_owner(TENANT), project_id).items] == ids
    same = service.update_shot(as_owner(TENANT), project_id, ids[2], {"description": "s2"}, None)
    assert same.revision == 2  # read as its key, an old position alone changes nothing
    assert same.value.order == position_key(2)
    service.move_shot(as_owner(TENANT), project_id, ids[3], before=ids[1], expect_revision=None)
    appended = service.create_shot(as_owner(TENANT), project_id, ShotIn(description="new")).value.id
    service.delete_shot(as_owner(TENANT), project_id, ids[0], None)
    assert [s.value.id for s in service.list_shots(as_owner(TENANT), project_id).items] == [
        ids[3],
        ids[1],
        ids[2],
        appended,
    ]


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[str, int, int]]:
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(["add", "add", "delete", "after", "before", "reorder_one", "shuffle"]),
                st.integers(0, 1000),
                st.integers(0, 1000),
            ),
            max_size=25,
        )
    )


def _world() -> Iterator[tuple[ProjectService, SqliteMetadataStore, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteMetadataStore(Path(tmp))
        store.provision(TENANT)
        try:
            service = ProjectService(store, default_policy())
            yield service, store, service.create_project(as_owner(TENANT), ProjectIn(name="Board")).value.id
        finally:
            store.close()


def _listed(service: ProjectService, project_id: str) -> list[str]:
    """Every shot, walked page by page with the cursor."""
    seen: list[str] = []
    cursor = None
    while True:
        page = service.list_shots(as_owner(TENANT), project_id, cursor, limit=3)
        seen += [s.value.id for s in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def _moved_out_of_run(before: list[str], after: list[str]) -> int:
    """How many shots leave the longest run already in the new order (what a reorder must write)."""
    position = {shot_id: i for i, shot_id in enumerate(before)}
    best: list[int] = []
    for value in (position[s] for s in after):
        best.append(1 + max((best[j] for j in range(len(best)) if position[after[j]] < value), default=0))
    return len(after) - max(best, default=0)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 6), edits())
def test_random_structural_edits_match_a_list(start: int, steps: list[tuple[str, int, int]]) -> None:
    for service, store, project_id in _world():
        model = [
            service.create_shot(as_owner(TENANT), project_id, ShotIn(description="x")).value.id
            for _ in range(start)
        ]
        project, _, shots = service.load_project(as_owner(TENANT), project_id)
        state = ProjectState(project, {}, shots, {}, set(), models())
        state.accepted = accept_everything(state)  # all fresh: a changed order makes the cut stale
        engine = SyncEngine(state)
        seen, first = store.head(TENANT), list(model)
        for what, a, b in steps:
            head = store.head(TENANT)
            writes = _apply(service, project_id, model, what, a, b)
            changes = feed(store, project_id, head)
            assert len(changes) == writes, (what, changes)
            assert _listed(service, project_id) == model
            for change in feed(store, project_id, seen):
                for update in record_changes(engine, change):
                    engine.apply(update)
                seen = change.seq
            assert engine.graph.order == model
            assert engine.graph.order_digest == order_digest(model)
            _, _, stored = service.load_project(as_owner(TENANT), project_id)
            rebuilt = ProjectState(project, {}, stored, dict(engine.state.accepted), set(), models())
            assert engine.statuses() == full_audit(rebuilt)
            # The accepted cut was made from the first order: it is fresh exactly when that is back.
            assert (engine.status(engine.graph.cut).status is Status.FRESH) == (model == first)


def _apply(service: ProjectService, project_id: str, model: list[str], what: str, a: int, b: int) -> int:
    """Apply one edit through the service and to the list; returns the records it must write."""
    if what == "add" or not model:
        model.append(service.create_shot(as_owner(TENANT), project_id, ShotIn(description="x")).value.id)
        return 2  # the shot, and the tail in the sequence record
    shot_id = model[a % len(model)]
    if what == "delete":
        service.delete_shot(as_owner(TENANT), project_id, shot_id, None)
        model.remove(shot_id)
        return 1
    if what in ("after", "before"):
        others = [s for s in model if s != shot_id]
        if not others:
            return 0
        anchor = others[b % len(others)]
        service.move_shot(as_owner(TENANT), project_id, shot_id, expect_revision=None, **{what: anchor})
        at = others.index(anchor) + (what == "after")
        moved = [*others[:at], shot_id, *others[at:]]
        writes = int(moved != model)
        model[:] = moved
        return writes
    wanted = [s for s in model if s != shot_id]
    wanted.insert(b % len(model), shot_id)
    if what == "shuffle":
        wanted = list(model)
        random.Random(b).shuffle(wanted)
    writes = _moved_out_of_run(model, wanted)
    service.reorder_shots(as_owner(TENANT), project_id, wanted)
    model[:] = wanted
    return writes


def test_shots_that_raced_to_one_key_still_take_a_shot_between_them(
    service: ProjectService, store: SqliteMetadataStore, project_id: str
) -> None:
    """Two moves into the same gap at once pick the same key; the id settles their order, and a
    later move between them re-keys what it must to land there."""
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(4)
    ]
    a, b = sorted(ids[1:3])
    shared = service.get_shot(as_owner(TENANT), project_id, ids[1]).value.order
    record = store.get(TENANT, "shots", ids[2])
    store.commit(TENANT, [Put("shots", ids[2], {**record.data, "order": shared}, project_id=project_id)])
    listed = [s.value.id for s in service.list_shots(as_owner(TENANT), project_id).items]
    assert listed == [ids[0], a, b, ids[3]]
    service.move_shot(as_owner(TENANT), project_id, ids[3], after=a, expect_revision=None)
    assert _listed(service, project_id) == [ids[0], a, ids[3], b]
    service.move_shot(as_owner(TENANT), project_id, ids[0], before=b, expect_revision=None)
    assert _listed(service, project_id) == [a, ids[3], ids[0], b]
