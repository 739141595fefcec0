"""Statements run on the driver's cursor (craftology.controlplane.driver) store and read values
exactly as SQLAlchemy's Connection does, on SQLite and PostgreSQL, and fail with the port errors."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, bindparam, insert, select

from craftology.controlplane.db import connect
from craftology.controlplane.driver import DriverStatement, driver_cursor
from craftology.controlplane.schema import sessions
from craftology.errors import StorageError, TransientError

WHEN = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)
READ = select(sessions).where(sessions.c.id_hash == bindparam("key"))


def _row(key: str) -> dict[str, object]:
    return {
        "id_hash": key, "tenant_id": "acme", "user_id": "ann", "roles": ["editor"],
        "scopes": ["read", "write"], "via": "session", "created_at": WHEN, "last_seen": WHEN,
        "idle_seconds": 600.0, "absolute_seconds": 3600.0, "ends_at": WHEN + timedelta(hours=1),
        "oidc_sid": None, "oidc_sub": "sub-1", "id_token": None,
    }  # fmt: skip


def test_values_written_and_read_match_sqlalchemys(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(sessions).values(_row("by-connection")))
    with driver_cursor(engine, "write", write=True) as cursor:
        DriverStatement(insert(sessions), engine.dialect).run(cursor, _row("by-driver"))
    read = DriverStatement(READ, engine.dialect)
    for key in ("by-connection", "by-driver"):
        with engine.connect() as conn:
            expected = conn.execute(READ, {"key": key}).one()
        with driver_cursor(engine, "read") as cursor:
            (row,) = read.run(cursor, {"key": key})
        assert row == tuple(expected)
        assert dict(zip(read.column_names, row, strict=True)) == _row(key)
    with driver_cursor(engine, "read") as cursor:
        assert read.run(cursor, {"key": "nobody"}) == []


def test_a_failed_write_leaves_nothing_and_says_why(engine: Engine) -> None:
    write = DriverStatement(insert(sessions), engine.dialect)
    with driver_cursor(engine, "write", write=True) as cursor:
        write.run(cursor, _row("taken"))

    def new_then_taken() -> None:
        with driver_cursor(engine, "write session", write=True) as cursor:
            write.run(cursor, _row("new"))
            write.run(cursor, _row("taken"))  # a duplicate key: the whole transaction goes

    with pytest.raises(StorageError, match="write session"):
        new_then_taken()
    with driver_cursor(engine, "read") as cursor:
        assert DriverStatement(READ, engine.dialect).run(cursor, {"key": "new"}) == []


def test_a_locked_sqlite_database_is_a_transient_error(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'control.db'}")
    holder = sqlite3.connect(tmp_path / "control.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=1")  # the pooled connection waits 1 ms, not 30 s
        with (
            pytest.raises(TransientError, match="control-plane database unavailable"),
            driver_cursor(engine, "rate limit", write=True),
        ):
            pass
        holder.execute("ROLLBACK")
        with driver_cursor(engine, "rate limit", write=True):  # the same pooled connection works again
            pass
    finally:
        holder.close()
        engine.dispose()
