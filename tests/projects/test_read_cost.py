"""Reads cost what an edit or a page touches: a list page and a move read a few records around the
place they work on (ranges of the store's order index), never every shot of the project. A project
that still holds pre-key integer positions is read whole and still comes out in storyboard order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.ports.metadata import Page, Put, Query, Record
from craftology.projects.models import ShotIn
from craftology.projects.service import ProjectService
from tests.principals import as_owner, default_policy
from tests.projects.conftest import TENANT

SHOTS = 300


class CountingStore:
    """The real store, counting every record it hands back to the service."""

    def __init__(self, inner: SqliteMetadataStore) -> None:
        self.inner = inner
        self.records_read = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, tenant: str, collection: str, record_id: str) -> Record:
        self.records_read += 1
        return self.inner.get(tenant, collection, record_id)

    def find(self, tenant: str, query: Query) -> Page:
        page = self.inner.find(tenant, query)
        self.records_read += len(page.records)
        return page

    def scan(self, tenant: str, collection: str, project_id: str | None = None) -> Iterator[Record]:
        for record in self.inner.scan(tenant, collection, project_id):
            self.records_read += 1
            yield record


def _board(store: SqliteMetadataStore, project_id: str) -> tuple[CountingStore, ProjectService, list[str]]:
    writer = ProjectService(store, default_policy())
    ids = [
        writer.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(SHOTS)
    ]
    counting = CountingStore(store)
    return counting, ProjectService(counting, default_policy()), ids  # type: ignore[arg-type]


def _listed(service: ProjectService, project_id: str, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        page = service.list_shots(as_owner(TENANT), project_id, cursor, limit=limit)
        seen += [s.value.id for s in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_a_list_page_reads_the_page_not_the_project(store: SqliteMetadataStore, project_id: str) -> None:
    counting, service, ids = _board(store, project_id)
    first = service.list_shots(as_owner(TENANT), project_id, limit=10)
    counting.records_read = 0
    second = service.list_shots(as_owner(TENANT), project_id, first.next_cursor, limit=10)
    assert [s.value.id for s in second.items] == ids[10:20]
    assert counting.records_read <= 10 + 3  # the page, the sequence record, the first shot


def test_a_move_reads_the_anchor_and_one_neighbour(store: SqliteMetadataStore, project_id: str) -> None:
    counting, service, ids = _board(store, project_id)
    for shot, where in [
        (ids[10], {"after": ids[200]}),
        (ids[250], {"before": ids[5]}),
        (ids[7], {"after": ids[-1]}),
    ]:
        counting.records_read = 0
        service.move_shot(as_owner(TENANT), project_id, shot, expect_revision=None, **where)
        assert counting.records_read <= 8, where  # the moving shot, the anchor, its neighbour, a check
        anchor = next(iter(where.values()))
        ids.remove(shot)
        ids.insert(ids.index(anchor) + ("after" in where), shot)
    counting.records_read = 0
    service.move_shot(
        as_owner(TENANT), project_id, ids[1], after=ids[0], expect_revision=None
    )  # already there
    assert counting.records_read <= 8
    assert _listed(service, project_id, limit=37) == ids


def test_a_project_with_pre_key_positions_still_lists_and_moves_in_order(
    store: SqliteMetadataStore, project_id: str
) -> None:
    """Integer positions sort before every key in the store, so such a project is read whole."""
    _, service, ids = _board(store, project_id)
    # The first half as an old release wrote it (dense positions), the rest appended since (keys).
    store.commit(
        TENANT,
        [
            Put("shots", r.id, {**r.data, "order": n}, project_id=project_id)
            for n, r in enumerate(store.get(TENANT, "shots", i) for i in ids[: SHOTS // 2])
        ],
    )
    assert _listed(service, project_id, limit=7) == ids
    service.move_shot(as_owner(TENANT), project_id, ids[0], after=ids[-1], expect_revision=None)
    service.move_shot(as_owner(TENANT), project_id, ids[-1], before=ids[3], expect_revision=None)
    expected = [*ids[1:3], ids[-1], *ids[3:-1], ids[0]]
    assert _listed(service, project_id, limit=7) == expected
