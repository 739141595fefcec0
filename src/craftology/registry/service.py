"""ModelRegistry: the models table and the per-kind default model."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, insert, select, text, update

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import model_defaults, models, registry_generation
from craftology.controlplane.types import utc_now
from craftology.errors import Conflict, NotFound
from craftology.registry.models import ModelKind, ModelRecord, version_key
from craftology.registry.preview import PREVIEW_MODELS

# The kind a default row names, next to the model columns, in the one query `current_all` makes.
_SERVES = "serves"


def _record(row: Row[Any]) -> ModelRecord:
    values = dict(row._mapping)
    values.pop("created_at")
    values.pop(_SERVES, None)
    return ModelRecord(**values)


_GENERATION = select(registry_generation.c.generation).where(registry_generation.c.id == 1)
_BUMP = (
    update(registry_generation)
    .where(registry_generation.c.id == 1)
    .values(generation=registry_generation.c.generation + 1)
)


def _newest(records: builtins.list[ModelRecord]) -> ModelRecord:
    return max(records, key=lambda record: version_key(record.version))


def _serving() -> Select[Any]:
    """Every version of every default model, each with the kind it serves."""
    return select(model_defaults.c.kind.label(_SERVES), models).join(
        models, (models.c.id == model_defaults.c.model_id) & (models.c.kind == model_defaults.c.kind)
    )


class ModelRegistry:
    """Registered models (metadata only, shared by all tenants).

    A version is immutable once registered: the fingerprints of its outputs depend on it. New behaviour,
    prompts or prices come as a new version.

    Rule for `current(kind)`: `model_defaults` names one model id per kind, and the newest registered
    version of that model serves the kind. The first model registered for a kind becomes its default;
    `set_default` changes it. Registering a newer version of the default model therefore upgrades the
    kind, which makes its assets stale with cause CODE.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._current: tuple[int, dict[ModelKind, ModelRecord]] | None = None  # (generation, answer)

    def register(self, record: ModelRecord) -> bool:
        """Register one (id, version). True when this call added it; False when exactly this record was
        registered already. Conflict if that version exists with other content, if another version of
        the id is of another kind, or if another version of the id compares equal ("1.0" and "1.00")."""
        with self._writing() as conn:
            versions = [_record(row) for row in conn.execute(select(models).where(models.c.id == record.id))]
            for existing in versions:
                if existing.version == record.version:
                    if differing := existing.differences(record):
                        raise Conflict(
                            f"model {record.id} {record.version} is registered already with other "
                            f"{', '.join(differing)}; a version never changes: register a new version",
                            differing=differing,
                        )
                    return False
                if existing.kind is not record.kind:
                    raise Conflict(
                        f"model {record.id} is a {existing.kind.value} model; it cannot have a "
                        f"{record.kind.value} version (use another id)"
                    )
                if version_key(existing.version) == version_key(record.version):
                    raise Conflict(
                        f"version {record.version} of model {record.id} is the same as the registered "
                        f"version {existing.version}"
                    )
            self._insert(conn, record)
        return True

    def get(self, model_id: str, version: str) -> ModelRecord:
        """One model version; NotFound otherwise."""
        query = select(models).where(models.c.id == model_id, models.c.version == version)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"model {model_id} {version} not found")
        return _record(row)

    def list(self) -> builtins.list[ModelRecord]:
        """Every registered version, by id then version (oldest first)."""
        with self._engine.connect() as conn:
            records = [_record(row) for row in conn.execute(select(models))]
        return sorted(records, key=lambda r: (r.id, version_key(r.version)))

    def set_default(self, kind: ModelKind, model_id: str) -> ModelRecord:
        """Make `model_id` serve `kind`; returns the version that serves it now. NotFound if no version
        of the model is registered, Conflict if it is a model of another kind."""
        kind = ModelKind(kind)
        with self._writing() as conn:
            kinds = conn.execute(select(models.c.kind).where(models.c.id == model_id).distinct()).scalars()
            found = builtins.list(kinds)
            if not found:
                raise NotFound(f"no model {model_id} registered")
            if kind.value not in found:
                raise Conflict(f"model {model_id} is a {found[0]} model; it cannot serve {kind.value}")
            scope = model_defaults.c.kind == kind.value
            if conn.execute(select(model_defaults.c.kind).where(scope)).first() is None:
                conn.execute(insert(model_defaults).values(kind=kind.value, model_id=model_id))
            else:
                conn.execute(update(model_defaults).where(scope).values(model_id=model_id))
            rows = conn.execute(select(models).where(models.c.id == model_id)).all()
        return _newest([_record(row) for row in rows])

    def current(self, kind: ModelKind) -> ModelRecord:
        """The model version that generates targets of `kind` now; NotFound if none is registered."""
        kind = ModelKind(kind)
        with self._engine.connect() as conn:
            rows = conn.execute(_serving().where(model_defaults.c.kind == kind.value)).all()
        if not rows:
            raise NotFound(f"no model registered for {kind.value}")
        return _newest([_record(row) for row in rows])

    def current_all(self) -> dict[ModelKind, ModelRecord]:
        """The model version serving each kind now, in one query (kinds with no model are absent).

        Cheap enough to call before every answer (every target a worker makes): one primary-key read of
        the registry's generation, which every registry write bumps in its transaction; only when it
        moved (any process wrote) is the answer read again. The generation is read first, so a cached
        answer is never older than the generation it is filed under."""
        with self._engine.connect() as conn:
            generation = conn.execute(_GENERATION).scalar_one()
            cached = self._current
            if cached is not None and cached[0] == generation:
                return dict(cached[1])
            rows = conn.execute(_serving()).all()
        by_kind: dict[ModelKind, builtins.list[ModelRecord]] = {}
        for row in rows:
            by_kind.setdefault(ModelKind(row._mapping[_SERVES]), []).append(_record(row))
        answer = {kind: _newest(records) for kind, records in by_kind.items()}
        self._current = (generation, answer)
        return dict(answer)

    def seed_preview_models(
        self, records: Sequence[ModelRecord] = PREVIEW_MODELS
    ) -> builtins.list[ModelRecord]:
        """Insert the preview models that are missing and make them the default of kinds that have none;
        returns those inserted. A new preview version in the code is inserted next to the old one.

        Runs at every start of every process, so it never changes a row that exists: an operator's
        choices (a default, a row edited in the database) survive restarts."""
        wanted = {(record.id, record.version): record for record in records}
        if not self._seeding_needed(wanted):
            return []
        added: builtins.list[ModelRecord] = []
        with self._writing() as conn:
            present = {tuple(row) for row in conn.execute(select(models.c.id, models.c.version))}
            for key, record in wanted.items():
                if key in present:
                    continue
                # An id keeps its kind: versions an operator registered under a preview id for another
                # kind are left alone (and the preview version is not added next to them).
                kinds = conn.execute(select(models.c.kind).where(models.c.id == record.id)).scalars()
                if all(kind == record.kind.value for kind in kinds):
                    self._insert(conn, record)
                    added.append(record)
            for record in wanted.values():
                self._default_if_none(conn, record)
        return added

    def _seeding_needed(self, wanted: dict[tuple[str, str], ModelRecord]) -> bool:
        """A read-only check first, so that starting a process takes no write lock in the usual case."""
        with self._engine.connect() as conn:
            present = {tuple(row) for row in conn.execute(select(models.c.id, models.c.version))}
            kinds = set(conn.execute(select(model_defaults.c.kind)).scalars())
        return bool(set(wanted) - present) or any(r.kind.value not in kinds for r in wanted.values())

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction that registry writers of every process take one at a time, so that the
        checks above hold when the rows are written. SQLite serialises writers already (BEGIN
        IMMEDIATE); on PostgreSQL a self-conflicting table lock does it and still lets readers in."""
        with write_transaction(self._engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("LOCK TABLE models IN SHARE ROW EXCLUSIVE MODE"))
            yield conn
            # Every registry write moves the generation (a write that changed nothing moves it too,
            # which only costs other processes one re-read).
            conn.execute(_BUMP)

    def _insert(self, conn: Connection, record: ModelRecord) -> None:
        conn.execute(
            insert(models).values(
                id=record.id,
                version=record.version,
                kind=record.kind.value,
                backend=record.backend,
                template_version=record.template_version,
                params=record.params,
                cost_per_unit=record.cost_per_unit,
                unit=record.unit.value,
                created_at=utc_now(),
            )
        )
        self._default_if_none(conn, record)

    @staticmethod
    def _default_if_none(conn: Connection, record: ModelRecord) -> None:
        has_default = select(model_defaults.c.kind).where(model_defaults.c.kind == record.kind.value)
        # Only a model of this kind is ever named: the seed leaves a foreign row under its id alone.
        of_kind = select(models.c.id).where(models.c.id == record.id, models.c.kind == record.kind.value)
        if conn.execute(has_default).first() is None and conn.execute(of_kind).first() is not None:
            conn.execute(insert(model_defaults).values(kind=record.kind.value, model_id=record.id))
