"""Running the gateway's few per-request statements straight on a pooled DBAPI connection.

Every authenticated request reads its session, charges its rate limits and checks the policy
revisions: small indexed statements that SQLite runs in a few microseconds. Through a SQLAlchemy
`Connection` each also pays the execution machinery (execution context, events, result object, a
BEGIN issued by an event), several times what the database takes, and that overhead was most of
what the gateway added to a request. So these statements are compiled once for the engine's
dialect and run on the DBAPI cursor of a connection from the same pool, with SQLAlchemy's own type
processors for parameters and results: the same SQL, the same stored formats, on SQLite and
PostgreSQL alike. Everything else keeps using `Connection`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from craftology.errors import StorageError, TransientError

Processor = Callable[[Any], Any]


class DriverStatement:
    """A Core statement compiled once for `dialect`, run with `run` on a `driver_cursor`."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self._compiled = compiled
        self._sql = compiled.string
        self._order = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._binds: dict[str, Processor] = {}
        for name in compiled.construct_params(_placeholders(compiled)):
            process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._binds[name] = process
        columns = list(getattr(statement, "exported_columns", ()))  # a SELECT's or a RETURNING's
        self.column_names = tuple(column.name for column in columns)
        self._types = [column.type.dialect_impl(dialect) for column in columns]
        self._dialect = dialect
        # Result processors depend on the type codes the driver reports (PostgreSQL numerics do).
        self._results: dict[tuple[Any, ...], list[Processor | None]] = {}

    def run(self, cursor: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute with `values` (by bind name); the rows it returns, converted like SQLAlchemy's."""
        params = dict(self._compiled.construct_params(values))
        for name, process in self._binds.items():
            params[name] = process(params[name])
        cursor.execute(
            self._sql, [params[name] for name in self._order] if self._order is not None else params
        )
        if cursor.description is None:
            return []
        processors = self._processors(tuple(column[1] for column in cursor.description))
        return [_converted(row, processors) for row in cursor.fetchall()]

    def _processors(self, type_codes: tuple[Any, ...]) -> list[Processor | None]:
        found = self._results.get(type_codes)
        if found is None:
            found = [
                kind.result_processor(self._dialect, code)
                for kind, code in zip(self._types, type_codes, strict=True)
            ]
            self._results[type_codes] = found
        return found


def _converted(row: Any, processors: list[Processor | None]) -> tuple[Any, ...]:
    return tuple(
        value if process is None else process(value) for value, process in zip(row, processors, strict=True)
    )


def _placeholders(compiled: Any) -> dict[str, None]:
    """A value for every required bind, so construct_params lists every bind name once."""
    return {bind.key: None for bind in compiled.binds.values() if bind.required}


@contextmanager
def driver_cursor(engine: Engine, what: str, *, write: bool = False) -> Iterator[Any]:
    """A DBAPI cursor on a pooled connection in one transaction, committed when the block ends and
    rolled back on an error. `write` takes SQLite's write lock up front (BEGIN IMMEDIATE), as
    `write_transaction` does; a read on SQLite runs in autocommit mode and so sees every commit.
    Errors become the port errors adapters raise: TransientError (503) when the database is
    unreachable or locked, StorageError otherwise."""
    dbapi = engine.dialect.loaded_dbapi
    try:
        raw = engine.raw_connection()
    except DBAPIError as exc:  # SQLAlchemy's wrapping of a driver error
        raise _translated(what, exc.orig or exc, transient=isinstance(exc, OperationalError)) from exc
    except dbapi.Error as exc:  # a failed connect comes from the pool as the driver raised it
        raise _translated(what, exc, transient=isinstance(exc, dbapi.OperationalError)) from exc
    try:
        cursor = raw.cursor()
        try:
            if write and engine.dialect.name == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            yield cursor
            raw.commit()
        except BaseException as exc:
            _roll_back(raw)
            if isinstance(exc, dbapi.Error) and engine.dialect.is_disconnect(
                exc, raw.dbapi_connection, cursor
            ):
                raw.invalidate(exc)  # a dead connection goes back to the pool as one to replace
            if isinstance(exc, dbapi.Error):
                raise _translated(what, exc, transient=isinstance(exc, dbapi.OperationalError)) from exc
            raise
        finally:
            cursor.close()
    finally:
        raw.close()


def _roll_back(raw: Any) -> None:
    # A connection that failed may not roll back either; the first error is the one to report.
    with suppress(Exception):
        raw.rollback()


def _translated(what: str, exc: BaseException, *, transient: bool) -> Exception:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    if transient:
        return TransientError(f"{what}: control-plane database unavailable: {line}")
    return StorageError(f"{what}: {line}")
