"""SQLite plumbing shared by the embedded adapters: per-thread cached connections and error translation.

Connections are opened in autocommit mode (`isolation_level=None`) so each adapter states its own
transactions (`BEGIN IMMEDIATE` for writes). No sqlite3 exception leaves an adapter: `translate_errors`
turns them into StorageError, or TransientError when another writer held the lock too long.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.request import pathname2url

from craftology.errors import StorageError, TransientError

# Writers from other threads/processes queue on the lock for this long before we call it transient.
BUSY_TIMEOUT_SECONDS = 10.0


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Re-raise sqlite3 errors as the port's errors, naming the operation that failed."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "locked" in message or "busy" in message:
            raise TransientError(f"{what}: {message}") from exc
        raise StorageError(f"{what}: {message}") from exc
    except sqlite3.Error as exc:
        raise StorageError(f"{what}: {exc}") from exc


def connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """Open `path` (creating it only if `create`); raises sqlite3.OperationalError if it is missing."""
    mode = "rwc" if create else "rw"
    conn = sqlite3.connect(
        f"file:{pathname2url(str(path))}?mode={mode}",
        uri=True,
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
        # Each connection is only used by the thread that opened it; `close_all` may close it from
        # another thread once that thread is gone or the database is dropped.
        check_same_thread=False,
    )
    try:
        # NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the
        # last transactions, never corrupt the file.
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


@dataclass
class _Opened:
    key: str
    conn: sqlite3.Connection
    thread: weakref.ref[threading.Thread]


class ThreadConnections:
    """One cached connection per (thread, key), where a key names a database (e.g. a tenant)."""

    def __init__(self, opener: Callable[[str], sqlite3.Connection]) -> None:
        self._opener = opener
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: dict[int, _Opened] = {}  # id(conn) -> owner; the registry `close_all` works from

    def get(self, key: str) -> sqlite3.Connection:
        cache: dict[str, sqlite3.Connection] = self._local.__dict__.setdefault("conns", {})
        conn = cache.get(key)
        if conn is not None:
            with self._lock:
                if id(conn) in self._opened:
                    return conn
        conn = self._opener(key)
        with self._lock:
            self._prune_dead_threads()
            self._opened[id(conn)] = _Opened(key, conn, weakref.ref(threading.current_thread()))
        cache[key] = conn
        return conn

    def _prune_dead_threads(self) -> None:
        # Short-lived threads would otherwise leave their connections (and file handles) behind.
        for conn_id, opened in list(self._opened.items()):
            thread = opened.thread()
            if thread is None or not thread.is_alive():
                del self._opened[conn_id]
                opened.conn.close()

    def close_all(self, key: str | None = None) -> None:
        """Close every connection (of one key, or all); threads reopen on their next use."""
        with self._lock:
            doomed = [o for o in self._opened.values() if key is None or o.key == key]
            for opened in doomed:
                del self._opened[id(opened.conn)]
        for opened in doomed:
            opened.conn.close()
