from __future__ import annotations

import threading
import time
from collections.abc import Callable

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.errors import PreconditionFailed
from craftology.ports.metadata import Put
from craftology.projects.changes import Versioned
from craftology.projects.models import ShotIn
from craftology.projects.order_keys import position_key
from craftology.projects.service import ProjectService
from tests.principals import as_owner
from tests.projects.conftest import TENANT


def run_together(tasks: list[Callable[[], object]]) -> list[object]:
    """Start every task at the same moment; collect each result or exception."""
    barrier = threading.Barrier(len(tasks))
    results: list[object] = [None] * len(tasks)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = tasks[index]()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_concurrent_updates_exactly_one_wins(service: ProjectService, project_id: str) -> None:
    results = run_together(
        [
            lambda n=name: service.update_project(as_owner(TENANT), project_id, {"name": n}, 1)
            for name in ("Left", "Right")
        ]
    )
    failures = [r for r in results if isinstance(r, PreconditionFailed)]
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(failures) == 1
    assert len(winners) == 1
    current = service.get_project(as_owner(TENANT), project_id)
    assert current.revision == 2
    assert current.value.name in {"Left", "Right"}


def test_concurrent_shot_creation_hands_out_each_key_once(service: ProjectService, project_id: str) -> None:
    results = run_together(
        [
            lambda i=i: service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}"))
            for i in range(6)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(
        s.value.order for s in service.list_shots(as_owner(TENANT), project_id, limit=50).items
    ) == [position_key(i) for i in range(6)]


def test_load_project_reads_ten_thousand_shots_quickly(
    service: ProjectService, store: SqliteMetadataStore, project_id: str
) -> None:
    count = 10_000
    ops = [
        Put(
            "shots",
            f"shot-{i:05d}",
            {"id": f"shot-{i:05d}", "project_id": project_id, "order": count - 1 - i, "description": "x"},
            project_id=project_id,
        )
        for i in range(count)
    ]
    store.commit(TENANT, ops)
    started = time.perf_counter()
    project, cards, shots = service.load_project(as_owner(TENANT), project_id)
    elapsed = time.perf_counter() - started
    assert project.id == project_id
    assert cards == {}
    assert len(shots) == count
    # Written before sparse keys, with dense integer positions: read as the keys of those positions.
    assert [s.order for s in shots.values()] == [position_key(i) for i in range(count)]
    assert elapsed < 5.0, f"load_project took {elapsed:.2f}s"


def test_concurrent_moves_and_appends_keep_one_order(service: ProjectService, project_id: str) -> None:
    """Moves into one gap and appends at once: every shot is listed once, the appends come last, and
    the storyboard stays editable (a reorder afterwards lands exactly)."""
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(6)
    ]
    tasks: list[Callable[[], object]] = [
        lambda s=s: service.move_shot(as_owner(TENANT), project_id, s, after=ids[0], expect_revision=None)
        for s in ids[3:]
    ]
    tasks += [
        lambda: service.create_shot(as_owner(TENANT), project_id, ShotIn(description="new")) for _ in range(2)
    ]
    results = run_together(tasks)
    assert not [r for r in results if isinstance(r, Exception)]
    appended = {r.value.id for r in results[3:] if isinstance(r, Versioned)}
    first = service.list_shots(as_owner(TENANT), project_id, limit=3)
    walked = [s.value.id for s in first.items]
    walked += [
        s.value.id for s in service.list_shots(as_owner(TENANT), project_id, first.next_cursor, 50).items
    ]
    assert sorted(walked) == sorted({*ids, *appended})
    assert walked[0] == ids[0]
    assert set(walked[1:4]) == set(ids[3:])  # the moved shots, in whatever order they landed
    assert set(walked[-2:]) == appended
    wanted = list(reversed(walked))
    service.reorder_shots(as_owner(TENANT), project_id, wanted)
    assert [s.value.id for s in service.list_shots(as_owner(TENANT), project_id, limit=50).items] == wanted
