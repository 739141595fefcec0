"""Tenant metadata store: small JSON records per tenant (projects, cards, shots, assets, runs).

Every method takes the tenant: there is no unscoped query. The embedded adapter is one SQLite file
per tenant; a PocketBase adapter maps collections to PocketBase collections and `commit` to its
transactional batch API.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# `expect` values of a Put: any revision, or "must not exist yet".
ANY_REVISION = -1
MUST_NOT_EXIST = 0


@dataclass(frozen=True)
class Record:
    collection: str
    id: str
    revision: int  # 1 on create, +1 on every put; the ETag of the record
    data: dict[str, Any]
    project_id: str | None = None
    updated_at: str = ""  # ISO 8601, UTC


@dataclass(frozen=True)
class Put:
    collection: str
    id: str
    data: dict[str, Any]
    project_id: str | None = None
    expect: int = ANY_REVISION  # else the current revision must equal it (0: must not exist)


@dataclass(frozen=True)
class Delete:
    collection: str
    id: str
    expect: int = ANY_REVISION


Op = Put | Delete


@dataclass(frozen=True)
class Page:
    records: list[Record]
    next_cursor: str | None = None


@dataclass(frozen=True)
class RecordChange:
    """One committed write of one record, as the change feed tells it. `seq` increases in commit
    order within a tenant (and in op order within a commit); `data` is None for a deletion."""

    seq: int
    collection: str
    id: str
    project_id: str | None
    data: dict[str, Any] | None


@dataclass(frozen=True)
class OutboxEntry:
    """An event waiting in a tenant's outbox to be relayed to the bus (craftology.events.outbox).
    Ids sort in write order. Entries are not records: no revisions, no history, no change feed."""

    id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Query:
    collection: str
    project_id: str | None = None
    cursor: str | None = None  # opaque; from Page.next_cursor
    limit: int = 100
    where: dict[str, Any] = field(default_factory=dict)  # equality on top-level data fields
    # Ordered paging: by one top-level data field's value, ties by id (records where it is missing
    # or null are left out; numbers sort before strings); `descending` reverses both. The cursor
    # then resumes after the last record's (value, id), and `after` starts after a (value, id) the
    # caller knows, so the record next to a given one is a one-record query.
    order_by: str | None = None
    descending: bool = False
    after: tuple[str | int | float, str] | None = None  # with order_by only


@runtime_checkable
class MetadataStore(Protocol):
    def provision(self, tenant: str) -> None:
        """Create the tenant's sandbox store. Idempotent."""

    def drop(self, tenant: str) -> None:
        """Remove the tenant's store and everything in it. Idempotent."""

    def get(self, tenant: str, collection: str, record_id: str) -> Record:
        """The current record; raises NotFound."""

    def find(self, tenant: str, query: Query) -> Page:
        """Records in id order (or by `order_by`, see Query), one page at a time."""

    def scan(self, tenant: str, collection: str, project_id: str | None = None) -> Iterator[Record]:
        """Every record of a collection (optionally of one project), in id order."""

    def commit(self, tenant: str, ops: Sequence[Op], outbox: Sequence[OutboxEntry] = ()) -> list[Record]:
        """Apply all ops, and add the `outbox` entries, atomically or none. A failed `expect` raises
        PreconditionFailed (or Conflict when the record must not exist but does) and writes nothing.
        Returns the records written, in op order (deleted records are returned with their last
        revision). An entry id already in the outbox is kept as it is."""

    def outbox(self, tenant: str, after: str | None = None, limit: int = 100) -> list[OutboxEntry]:
        """Outbox entries with ids after `after`, in id order, at most `limit`."""

    def dequeue(self, tenant: str, entry_ids: Sequence[str]) -> None:
        """Remove relayed outbox entries (ids not there are ignored)."""

    def history(self, tenant: str, collection: str, record_id: str) -> list[Record]:
        """Every revision of a record, oldest first (deletions included, with empty data)."""

    def changes(self, tenant: str, project_id: str, after: int = 0, limit: int = 1000) -> list[RecordChange]:
        """The change feed of one project: writes with seq > `after`, oldest first, at most `limit`.
        Every process catches up from it, so what one process commits, every other one sees."""

    def head(self, tenant: str) -> int:
        """The seq of the tenant's latest write (0 when there is none): a reader that has caught up
        to it has seen every committed write."""
