"""Embedded tenant metadata store: one SQLite file per tenant at `<root>/<tenant>/metadata.db`.

WAL mode lets readers run while one writer commits; writers from several threads and processes queue on
SQLite's lock (busy timeout). Every record change also appends a history row in the same transaction.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from craftology.adapters._sqlite import ThreadConnections, connect, translate_errors
from craftology.adapters._tenant import check_tenant
from craftology.adapters.metadata import sqlite_outbox
from craftology.adapters.metadata.sqlite_query import (
    Position,
    check_position,
    decode_cursor,
    decode_position,
    encode_cursor,
    encode_position,
    order_value_sql,
    where_sql,
)
from craftology.errors import BadInput, Conflict, NotFound, PreconditionFailed, StorageError
from craftology.ports.metadata import (
    ANY_REVISION,
    MUST_NOT_EXIST,
    Delete,
    Op,
    OutboxEntry,
    Page,
    Put,
    Query,
    Record,
    RecordChange,
)

DB_NAME = "metadata.db"
SCHEMA_VERSION = 4
SCAN_PAGE = 1000
MAX_LIMIT = 1000
COLLECTION = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_ID = 255

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS records (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    project_id TEXT,
    revision INTEGER NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS records_by_project ON records (collection, project_id, id);
-- Serves `find` ordered by `order` (a shot's place): a page or a neighbour is a range of this index.
CREATE INDEX IF NOT EXISTS records_by_order
    ON records (collection, project_id, json_extract(data, '$.order'), id);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    project_id TEXT,
    revision INTEGER NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS history_by_record ON history (collection, id, seq);
CREATE INDEX IF NOT EXISTS history_by_project ON history (project_id, seq);
"""
    + sqlite_outbox.OUTBOX_SCHEMA
)

_COLUMNS = "collection, id, project_id, revision, data, updated_at"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _record(row: tuple[Any, ...]) -> Record:
    collection, record_id, project_id, revision, data, updated_at = row
    return Record(collection, record_id, revision, json.loads(data), project_id, updated_at)


def _check_name(collection: str, record_id: str | None = None) -> None:
    if not isinstance(collection, str) or not COLLECTION.fullmatch(collection):
        raise BadInput(f"invalid collection name {collection!r}")
    if record_id is not None and (not isinstance(record_id, str) or not 0 < len(record_id) <= MAX_ID):
        raise BadInput(f"invalid record id {record_id!r}")


def _encode_data(op: Put) -> str:
    if not isinstance(op.data, dict):
        raise BadInput(f"{op.collection}/{op.id}: data must be a JSON object")
    try:
        return json.dumps(op.data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{op.collection}/{op.id}: data is not JSON: {exc}") from exc


class SqliteMetadataStore:
    """MetadataStore on one SQLite file per tenant under `root`; safe across threads and processes."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._conns = ThreadConnections(self._open)

    def _path(self, tenant: str) -> Path:
        return self._root / check_tenant(tenant) / DB_NAME

    def _open(self, tenant: str) -> sqlite3.Connection:
        path = self._path(tenant)
        try:
            conn = connect(path, create=False)
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version < SCHEMA_VERSION:  # a sandbox made by an older release: add what it lacks
                conn.executescript(SCHEMA)
                conn.executescript(f"BEGIN; {sqlite_outbox.ADOPT_OLD_ENTRIES} COMMIT;")
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            return conn
        except sqlite3.Error as exc:
            if not path.exists():
                raise NotFound(f"tenant {tenant} has no sandbox", tenant=tenant) from exc
            raise StorageError(f"open metadata of {tenant}: {exc}") from exc

    def _conn(self, tenant: str) -> sqlite3.Connection:
        check_tenant(tenant)
        return self._conns.get(tenant)

    def provision(self, tenant: str) -> None:
        """Create the tenant's database file and schema. Idempotent."""
        path = self._path(tenant)
        with translate_errors(f"provision {tenant}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(path, create=True)
            try:
                conn.execute("PRAGMA journal_mode=WAL")  # persistent: recorded in the file
                conn.executescript(SCHEMA)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            finally:
                conn.close()

    def drop(self, tenant: str) -> None:
        """Delete the tenant's database (and its WAL files). Idempotent."""
        path = self._path(tenant)
        self._conns.close_all(tenant)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only if the asset store left nothing there

    def close(self) -> None:
        """Close every cached connection (threads reopen on their next call)."""
        self._conns.close_all()

    def get(self, tenant: str, collection: str, record_id: str) -> Record:
        _check_name(collection, record_id)
        conn = self._conn(tenant)
        with translate_errors(f"get {collection}/{record_id}"):
            row = conn.execute(
                "SELECT collection, id, project_id, revision, data, updated_at FROM records "
                "WHERE collection = ? AND id = ?",
                (collection, record_id),
            ).fetchone()
        if row is None:
            raise NotFound(f"{collection}/{record_id} not found", collection=collection, id=record_id)
        return _record(row)

    def find(self, tenant: str, query: Query) -> Page:
        _check_name(query.collection)
        if not 1 <= query.limit <= MAX_LIMIT:
            raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
        clauses, params = where_sql(query.where)
        if query.order_by is not None:
            return self._find_ordered(tenant, query, clauses, params)
        if query.after is not None or query.descending:
            raise BadInput("`after` and `descending` need `order_by`")
        after = decode_cursor(query.cursor) if query.cursor else None
        rows = self._page(tenant, query.collection, query.project_id, after, query.limit + 1, clauses, params)
        if len(rows) > query.limit:  # one extra row tells whether another page exists
            rows = rows[: query.limit]
            return Page([_record(r) for r in rows], encode_cursor(rows[-1][1]))
        return Page([_record(r) for r in rows], None)

    def _find_ordered(self, tenant: str, query: Query, clauses: list[str], params: list[Any]) -> Page:
        assert query.order_by is not None
        value = order_value_sql(query.order_by)
        if query.cursor is not None and query.after is not None:
            raise BadInput("give a cursor or `after`, not both")
        after: Position | None = None
        if query.cursor is not None:
            after = decode_position(query.cursor)
        elif query.after is not None:
            after = check_position(query.after, "after")
        conditions = ["collection = ?", f"{value} IS NOT NULL"]
        values: list[Any] = [query.collection]
        if query.project_id is not None:
            conditions.append("project_id = ?")
            values.append(query.project_id)
        if after is not None:
            # The plain bound on the value is what SQLite turns into an index range (it does not for
            # the row value), so the search starts at the position: O(log n), plus the ties it skips.
            op = "<" if query.descending else ">"
            conditions.append(f"{value} {op}= ? AND ({value}, id) {op} (?, ?)")
            values += [after[0], *after]
        direction = "DESC" if query.descending else "ASC"
        # Only constant fragments and the checked field name are joined; values are bound parameters.
        sql = (
            f"SELECT {_COLUMNS}, {value} FROM records WHERE {' AND '.join(conditions + clauses)} "  # noqa: S608
            f"ORDER BY {value} {direction}, id {direction} LIMIT ?"
        )
        with translate_errors(f"find {query.collection}"):
            rows = self._conn(tenant).execute(sql, [*values, *params, query.limit + 1]).fetchall()
        if len(rows) > query.limit:  # one extra row tells whether another page exists
            rows = rows[: query.limit]
            last = rows[-1]
            return Page([_record(r[:6]) for r in rows], encode_position((last[6], last[1])))
        return Page([_record(r[:6]) for r in rows], None)

    def scan(self, tenant: str, collection: str, project_id: str | None = None) -> Iterator[Record]:
        _check_name(collection)
        self._conn(tenant)  # fail now on an unknown tenant, not at the first next()
        return self._scan(tenant, collection, project_id)

    def _scan(self, tenant: str, collection: str, project_id: str | None) -> Iterator[Record]:
        # Keyset pages keep memory flat and hold no read transaction while the caller works.
        after: str | None = None
        while True:
            rows = self._page(tenant, collection, project_id, after, SCAN_PAGE, [], [])
            for row in rows:
                yield _record(row)
            if len(rows) < SCAN_PAGE:
                return
            after = rows[-1][1]

    def _page(
        self,
        tenant: str,
        collection: str,
        project_id: str | None,
        after: str | None,
        limit: int,
        clauses: list[str],
        params: list[Any],
    ) -> list[tuple[Any, ...]]:
        conditions = ["collection = ?"]
        values: list[Any] = [collection]
        if project_id is not None:
            conditions.append("project_id = ?")
            values.append(project_id)
        if after is not None:
            conditions.append("id > ?")
            values.append(after)
        # Only constant fragments are joined here; every value is a bound parameter.
        where = " AND ".join(conditions + clauses)
        sql = f"SELECT {_COLUMNS} FROM records WHERE {where} ORDER BY id LIMIT ?"  # noqa: S608
        conn = self._conn(tenant)
        with translate_errors(f"find {collection}"):
            return conn.execute(sql, [*values, *params, limit]).fetchall()

    def commit(self, tenant: str, ops: Sequence[Op], outbox: Sequence[OutboxEntry] = ()) -> list[Record]:
        """Apply every op (and add the outbox entries) in one `BEGIN IMMEDIATE` transaction; any failure
        rolls all of it back."""
        payloads = [self._validate(op) for op in ops]
        entries = sqlite_outbox.encode(outbox)
        if not ops and not entries:
            return []
        conn = self._conn(tenant)
        now = _now()
        with translate_errors("commit"):
            conn.execute("BEGIN IMMEDIATE")
            try:
                written = [
                    self._apply(conn, op, payload, now) for op, payload in zip(ops, payloads, strict=True)
                ]
                sqlite_outbox.insert(conn, entries)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return written

    def outbox(self, tenant: str, after: str | None = None, limit: int = 100) -> list[OutboxEntry]:
        if not 1 <= limit <= MAX_LIMIT:
            raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
        with translate_errors("read the outbox"):
            return sqlite_outbox.read(self._conn(tenant), after, limit)

    def dequeue(self, tenant: str, entry_ids: Sequence[str]) -> None:
        if not entry_ids:
            return
        conn = self._conn(tenant)
        with translate_errors("dequeue outbox entries"):
            conn.execute("BEGIN IMMEDIATE")
            try:
                sqlite_outbox.delete(conn, entry_ids)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _validate(op: Op) -> str | None:
        if not isinstance(op, Put | Delete):
            raise BadInput(f"unknown operation {type(op).__name__}")
        _check_name(op.collection, op.id)
        if not isinstance(op.expect, int) or op.expect < ANY_REVISION:
            raise BadInput(f"{op.collection}/{op.id}: invalid expected revision {op.expect!r}")
        return _encode_data(op) if isinstance(op, Put) else None

    @staticmethod
    def _check_expect(op: Op, current: int | None) -> None:
        name = f"{op.collection}/{op.id}"
        if op.expect == ANY_REVISION:
            return
        if op.expect == MUST_NOT_EXIST:
            if current is not None:
                raise Conflict(f"{name} already exists", collection=op.collection, id=op.id)
            return
        if current != op.expect:
            raise PreconditionFailed(
                f"{name} is at revision {current or 0}, not {op.expect}", current_revision=current or 0
            )

    def _apply(self, conn: sqlite3.Connection, op: Op, payload: str | None, now: str) -> Record:
        key = (op.collection, op.id)
        row = conn.execute(
            "SELECT revision, project_id FROM records WHERE collection = ? AND id = ?", key
        ).fetchone()
        current: int | None = row[0] if row else None
        self._check_expect(op, current)
        if isinstance(op, Delete):
            if row is None:  # deleting what is not there is a no-op (revision 0)
                return Record(op.collection, op.id, 0, {}, None, now)
            conn.execute("DELETE FROM records WHERE collection = ? AND id = ?", key)
            conn.execute(
                "INSERT INTO history (collection, id, project_id, revision, data, updated_at, deleted) "
                "VALUES (?, ?, ?, ?, '{}', ?, 1)",
                (*key, row[1], current, now),
            )
            return Record(op.collection, op.id, current or 0, {}, row[1], now)
        assert payload is not None
        if current is None:
            # A re-created record continues after its deleted incarnation, so an old ETag never matches.
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(revision), 0) FROM history WHERE collection = ? AND id = ?", key
            ).fetchone()
            revision = last + 1
        else:
            revision = current + 1
        values = (*key, op.project_id, revision, payload, now)
        conn.execute(
            "INSERT INTO records (collection, id, project_id, revision, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (collection, id) DO UPDATE "
            "SET project_id = excluded.project_id, revision = excluded.revision, data = excluded.data, "
            "updated_at = excluded.updated_at",
            values,
        )
        conn.execute(
            "INSERT INTO history (collection, id, project_id, revision, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            values,
        )
        return Record(op.collection, op.id, revision, json.loads(payload), op.project_id, now)

    def history(self, tenant: str, collection: str, record_id: str) -> list[Record]:
        _check_name(collection, record_id)
        conn = self._conn(tenant)
        with translate_errors(f"history {collection}/{record_id}"):
            rows = conn.execute(
                "SELECT collection, id, project_id, revision, data, updated_at FROM history "
                "WHERE collection = ? AND id = ? ORDER BY seq",
                (collection, record_id),
            ).fetchall()
        return [_record(r) for r in rows]

    def changes(self, tenant: str, project_id: str, after: int = 0, limit: int = 1000) -> list[RecordChange]:
        # History rows are appended under SQLite's single-writer lock, so seq order is commit order
        # and a reader resuming after the last seq it saw never skips a write.
        if not 1 <= limit <= MAX_LIMIT:
            raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
        conn = self._conn(tenant)
        with translate_errors(f"changes of {project_id}"):
            rows = conn.execute(
                "SELECT seq, collection, id, project_id, data, deleted FROM history "
                "WHERE project_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (project_id, after, limit),
            ).fetchall()
        return [
            RecordChange(seq, collection, record_id, project, None if deleted else json.loads(data))
            for seq, collection, record_id, project, data, deleted in rows
        ]

    def head(self, tenant: str) -> int:
        conn = self._conn(tenant)
        with translate_errors("head"):
            (seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM history").fetchone()
        return int(seq)
