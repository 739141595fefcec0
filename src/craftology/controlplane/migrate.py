"""Programmatic Alembic: the migrations live inside the package, no alembic.ini needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from craftology.controlplane.db import create_control_engine, write_transaction

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant: serialises concurrent upgrades of one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x6372_6166_7400


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Migrate the database (a URL or an open engine) to `revision` in one transaction, holding a lock
    so several processes starting together migrate it once (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
    advisory lock)."""
    if isinstance(target, str):
        engine = create_control_engine(target)
        try:
            upgrade(engine, revision)
        finally:
            engine.dispose()
        return
    _upgrade_engine(target, revision)


def _upgrade_engine(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
