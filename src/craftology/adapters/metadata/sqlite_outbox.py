"""The outbox of a tenant's SQLite store: events committed with the records they describe.

A table of its own, not records: an entry needs no revision, no history row and no place in the
change feed, and it is deleted once relayed, so writing one is a single INSERT in the commit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from craftology.ports.metadata import OutboxEntry

OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL
) WITHOUT ROWID;
"""

# Releases before the outbox table kept entries as records of collection "outbox"; move them over.
ADOPT_OLD_ENTRIES = """
INSERT OR IGNORE INTO outbox (id, payload) SELECT id, data FROM records WHERE collection = 'outbox';
DELETE FROM records WHERE collection = 'outbox';
"""


def encode(entries: Sequence[OutboxEntry]) -> list[tuple[str, str]]:
    return [(entry.id, json.dumps(entry.payload, separators=(",", ":"))) for entry in entries]


def insert(conn: sqlite3.Connection, rows: list[tuple[str, str]]) -> None:
    """Inside the caller's transaction."""
    conn.executemany("INSERT OR IGNORE INTO outbox (id, payload) VALUES (?, ?)", rows)


def read(conn: sqlite3.Connection, after: str | None, limit: int) -> list[OutboxEntry]:
    rows = conn.execute(
        "SELECT id, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
    ).fetchall()
    return [OutboxEntry(entry_id, json.loads(payload)) for entry_id, payload in rows]


def delete(conn: sqlite3.Connection, entry_ids: Sequence[str]) -> None:
    conn.executemany("DELETE FROM outbox WHERE id = ?", [(entry_id,) for entry_id in entry_ids])
