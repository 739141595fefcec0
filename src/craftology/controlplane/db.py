"""Opening the control-plane database: URL translation, SQLite settings, migrations on connect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from craftology.errors import BadInput

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option marking a connection that will write: on SQLite it starts with BEGIN IMMEDIATE.
WRITE_OPTION = "craftology_write"


def normalize_url(url: str) -> str:
    """Translate a configured URL into one SQLAlchemy can open (PostgreSQL always via psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("sqlite:", "postgresql+psycopg:")):
        return url
    raise BadInput(f"unsupported control-plane database URL scheme: {url.split(':', 1)[0]}")


def create_control_engine(url: str) -> Engine:
    """An engine for the URL, without running migrations (see `connect`)."""
    sa_url = make_url(normalize_url(url))
    if sa_url.get_backend_name() != "sqlite":
        return create_engine(sa_url, pool_pre_ping=True)
    if sa_url.database and sa_url.database != ":memory:":
        Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(sa_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so our BEGIN below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers in other processes proceed while one process writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that later writes can fail at once with SQLITE_BUSY instead of waiting
        # for the busy timeout; writers therefore take the write lock up front.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that intends to write; committed on success, rolled back on error."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


def connect(url: str) -> Engine:
    """Open the control-plane database at `url`, migrating it to the newest schema first.

    SQLite files (``sqlite:///path``) get their parent directory created; ``postgresql://`` URLs use
    the psycopg 3 driver. Safe to call from several processes at once.
    """
    from craftology.controlplane.migrate import upgrade

    engine = create_control_engine(url)
    upgrade(engine)
    return engine
