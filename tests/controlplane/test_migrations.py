from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from craftology.controlplane.db import connect, normalize_url
from craftology.controlplane.migrate import current_revision, head_revision, upgrade
from craftology.controlplane.schema import metadata
from craftology.errors import BadInput


def test_connect_migrates_to_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_migrated_schema_matches_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_keeps_rows(db_url: str) -> None:
    engine = connect(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO model_defaults (kind, model_id) VALUES ('cut', 'x')")
    upgrade(db_url)
    again = connect(db_url)
    with again.connect() as conn:
        assert conn.exec_driver_sql("SELECT model_id FROM model_defaults").scalar_one() == "x"
    engine.dispose()
    again.dispose()


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'c.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
    engine.dispose()
    assert (tmp_path / "nested" / "dir" / "c.db").exists()


def test_url_translation() -> None:
    assert normalize_url("postgresql://u@h:5/db") == "postgresql+psycopg://u@h:5/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(BadInput):
        normalize_url("mysql://u@h/db")


def _connect_and_report(url: str) -> str | None:
    engine = connect(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with ProcessPoolExecutor(max_workers=3, mp_context=get_context("spawn")) as pool:
        revisions = list(pool.map(_connect_and_report, [url] * 3))
    assert revisions == [head_revision()] * 3
