"""Embedded event bus: a durable append-only log in one SQLite file, with consumer groups.

Offsets come from an AUTOINCREMENT key assigned under SQLite's single-writer lock, so they increase in
commit order and a reader tailing by offset never skips an event. Publishing is idempotent by event id:
a redelivered event is ignored, which turns at-least-once publishers into a log without duplicates.
Consumer groups keep their committed offsets in a table of the same file (see LocalConsumer).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from craftology.adapters._sqlite import ThreadConnections, connect, translate_errors
from craftology.adapters.events.local_consumer import LocalConsumer, check_group
from craftology.errors import BadInput
from craftology.ports.events import Delivered, Event

MAX_READ = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    "offset" INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    subject TEXT NOT NULL,
    tenant TEXT NOT NULL,
    time TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS group_offsets (
    group_name TEXT PRIMARY KEY,
    "offset" INTEGER NOT NULL
);
"""


class LocalEventLog:
    """EventBus on one SQLite file; safe to publish, read and consume from several threads and
    processes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        with translate_errors(f"open event log {path.name}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(path, create=True)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)
            finally:
                conn.close()
        self._conns = ThreadConnections(self._open)

    def _open(self, _key: str) -> sqlite3.Connection:
        return connect(self._path, create=False)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection to the log (used by this log's consumers)."""
        return self._conns.get("log")

    def publish(self, event: Event) -> None:
        try:
            data = json.dumps(event.data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise BadInput(f"event {event.id}: data is not JSON: {exc}") from exc
        with translate_errors(f"publish {event.type}"):
            self.connection().execute(
                "INSERT OR IGNORE INTO events (id, type, source, subject, tenant, time, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (event.id, event.type, event.source, event.subject, event.tenant, event.time, data),
            )

    def read(self, after: int = 0, limit: int = 1000) -> list[Delivered]:
        if not 1 <= limit <= MAX_READ:
            raise BadInput(f"limit must be between 1 and {MAX_READ}")
        with translate_errors("read events"):
            rows = (
                self.connection()
                .execute(
                    'SELECT "offset", id, type, source, subject, tenant, time, data FROM events '
                    'WHERE "offset" > ? ORDER BY "offset" LIMIT ?',
                    (after, limit),
                )
                .fetchall()
            )
        return [
            Delivered(offset, Event(type_, source, tenant, subject, json.loads(data), event_id, time))
            for offset, event_id, type_, source, subject, tenant, time, data in rows
        ]

    def subscribe(self, group: str) -> LocalConsumer:
        return LocalConsumer(self, check_group(group))

    def close(self) -> None:
        self._conns.close_all()
