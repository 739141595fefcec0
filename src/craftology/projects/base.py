"""Plumbing shared by the projects service: batched commits with retries, scoped reads.

Every write is one atomic store commit whose `expect` revisions cover everything the write read, so a
concurrent edit makes the commit fail instead of being overwritten. A per-project sequence record
("shot_sequences") is bumped by every write that depends on card references (shot create, shot card
changes, card delete), which serialises those writes without locking; it also holds the storyboard's
`tail`, the last key an append handed out, so appending never reads the other shots. Deleting,
moving and reordering shots leave it alone: each writes only the shots whose place changes.
Conflicts on internal records are retried; a stale client revision is PreconditionFailed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from craftology.errors import BadInput, Conflict, NotFound, PreconditionFailed
from craftology.policy.guard import Guard
from craftology.ports.metadata import MUST_NOT_EXIST, Delete, MetadataStore, Op, Put, Record
from craftology.ports.policy import PolicyPort
from craftology.projects.changes import Change, Listener, Versioned, notify
from craftology.projects.models import CardIn, ProjectIn, ShotIn
from craftology.projects.order_keys import as_key

PROJECTS, CARDS, SHOTS = "projects", "cards", "shots"
SEQUENCES = "shot_sequences"
COLLECTIONS = (PROJECTS, CARDS, SHOTS)
_ATTEMPTS = 5  # retries only ever happen on races between writers of one project
SINGULAR = {PROJECTS: "project", CARDS: "card", SHOTS: "shot", SEQUENCES: "project"}

Patch = Mapping[str, Any]


@dataclass
class Batch:
    """The ops of one commit and the changes to announce once it succeeded."""

    tenant: str
    project_id: str
    ops: list[Op] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def put(self, collection: str, record_id: str, data: dict[str, Any], before: Record | None) -> None:
        expect = before.revision if before else MUST_NOT_EXIST
        self.ops.append(Put(collection, record_id, data, project_id=self.project_id, expect=expect))
        if collection != SEQUENCES:
            old = before.data if before else None
            self.changes.append(Change(self.tenant, self.project_id, collection, record_id, old, data))

    def delete(self, record: Record) -> None:
        self.ops.append(Delete(record.collection, record.id, expect=record.revision))
        if record.collection != SEQUENCES:
            self.changes.append(
                Change(self.tenant, self.project_id, record.collection, record.id, record.data, None)
            )

    def bump_sequence(self, sequence: Record, **fields: Any) -> None:
        self.put(SEQUENCES, sequence.id, {**sequence.data, **fields}, sequence)


def order_key(record: Record) -> str:
    """A stored shot's order key (a pre-key integer position read as its key)."""
    return str(as_key(record.data["order"]))


def shot_position(record: Record) -> tuple[str, str]:
    return (order_key(record), record.id)


def check_revision(record: Record, expect_revision: int | None) -> None:
    if expect_revision is not None and record.revision != expect_revision:
        raise PreconditionFailed(
            f"{SINGULAR.get(record.collection, record.collection)} {record.id!r} is at revision "
            f"{record.revision}, not {expect_revision}: reload it and apply the change again",
            current_revision=record.revision,
        )


def versioned(model: type[Any], record: Record) -> Versioned[Any]:
    return Versioned(model.model_validate(record.data), record.revision, record.updated_at)


def editable(model: type[ProjectIn | CardIn | ShotIn], data: Mapping[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in model.model_fields if name in data}


class ServiceBase:
    """Store access and the commit-notify-retry loop; the public methods live in subclasses."""

    def __init__(
        self, metadata: MetadataStore, policy: PolicyPort, listeners: Sequence[Listener] = ()
    ) -> None:
        self._store = metadata
        self._guard = Guard(policy)
        self.listeners: list[Listener] = list(listeners)

    def _write(self, tenant: str, build: Callable[[], Batch]) -> list[Record]:
        for attempt in range(_ATTEMPTS):
            batch = build()  # raises PreconditionFailed itself when the client's revision is stale
            if not batch.ops:
                return []
            try:
                records = self._store.commit(tenant, batch.ops)
            except (PreconditionFailed, Conflict):
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            notify(self.listeners, batch.changes)
            return records
        raise AssertionError("unreachable")

    def _get(self, tenant: str, collection: str, record_id: str, project_id: str | None = None) -> Record:
        try:
            record = self._store.get(tenant, collection, record_id)
        except (NotFound, BadInput):  # an id the store cannot even hold names nothing: 404, not 422
            record = None
        if record is None or (project_id is not None and record.data.get("project_id") != project_id):
            where = f" in project {project_id!r}" if project_id and collection != SEQUENCES else ""
            raise NotFound(f"no {SINGULAR.get(collection, collection)} {record_id!r}{where}")
        return record

    def _shots(self, tenant: str, project_id: str) -> list[Record]:
        """The project's shots in storyboard order."""
        return sorted(self._store.scan(tenant, SHOTS, project_id), key=shot_position)

    def _check_card_refs(self, tenant: str, project_id: str, card_ids: Sequence[str]) -> None:
        unknown = []
        for card_id in dict.fromkeys(card_ids):
            try:
                self._get(tenant, CARDS, card_id, project_id)
            except NotFound:
                unknown.append(card_id)
        if unknown:
            raise BadInput(
                f"cards: unknown card ids in this project: {', '.join(unknown)}", unknown_cards=unknown
            )

    def _write_one(
        self, tenant: str, collection: str, record_id: str, model: type[Any], build: Callable[[], Batch]
    ) -> Versioned[Any]:
        """Write a batch whose subject is one record; an unchanged record is returned as it is."""
        for record in self._write(tenant, build):
            if record.collection == collection and record.id == record_id:
                return versioned(model, record)
        return versioned(model, self._get(tenant, collection, record_id))
