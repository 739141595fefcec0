"""ModelRegistry: the models table and the per-kind default model."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import model_defaults, models
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, NotFound
from craftology.registry.models import ModelKind, ModelRecord, version_key
from craftology.registry.preview import PREVIEW_MODELS


def _record(row: Row[Any]) -> ModelRecord:
    values = dict(row._mapping)
    values.pop("created_at")
    return ModelRecord(**values)


class ModelRegistry:
    """Registered models (metadata only, shared by all tenants).

    Rule for `current(kind)`: `model_defaults` names one model id per kind, and the newest registered
    version of that model serves the kind. The first model registered for a kind becomes its default;
    `set_default` changes it. Registering a newer version of the default model therefore upgrades the
    kind, which makes its assets stale with cause CODE.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def register(self, record: ModelRecord) -> ModelRecord:
        """Insert or update one (id, version). Idempotent: registering the same record twice changes
        nothing. BadInput if another version of the id has a different kind."""
        values = {
            "kind": record.kind.value,
            "backend": record.backend,
            "template_version": record.template_version,
            "params": record.params,
            "cost_per_unit": record.cost_per_unit,
            "unit": record.unit.value,
        }
        with write_transaction(self._engine) as conn:
            kinds = conn.execute(select(models.c.kind).where(models.c.id == record.id).distinct()).scalars()
            if any(kind != record.kind.value for kind in kinds):
                raise BadInput(f"model {record.id} is registered for another kind")
            key = (models.c.id == record.id, models.c.version == record.version)
            if conn.execute(select(models.c.id).where(*key)).first() is None:
                conn.execute(
                    insert(models).values(
                        id=record.id, version=record.version, created_at=utc_now(), **values
                    )
                )
            else:
                conn.execute(update(models).where(*key).values(**values))
            default = select(model_defaults.c.model_id).where(model_defaults.c.kind == record.kind.value)
            if conn.execute(default).first() is None:
                conn.execute(insert(model_defaults).values(kind=record.kind.value, model_id=record.id))
        return record

    def get(self, model_id: str, version: str) -> ModelRecord:
        """One model version; NotFound otherwise."""
        query = select(models).where(models.c.id == model_id, models.c.version == version)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"model {model_id} {version} not found")
        return _record(row)

    def list(self) -> list[ModelRecord]:
        """Every registered version, by id then version (oldest first)."""
        with self._engine.connect() as conn:
            records = [_record(row) for row in conn.execute(select(models))]
        return sorted(records, key=lambda r: (r.id, version_key(r.version)))

    def set_default(self, kind: ModelKind, model_id: str) -> None:
        """Make `model_id` serve `kind`; NotFound if no version of it is registered for that kind."""
        with write_transaction(self._engine) as conn:
            found = select(models.c.id).where(models.c.id == model_id, models.c.kind == kind.value)
            if conn.execute(found).first() is None:
                raise NotFound(f"no {kind.value} model {model_id} registered")
            scope = model_defaults.c.kind == kind.value
            if conn.execute(select(model_defaults.c.kind).where(scope)).first() is None:
                conn.execute(insert(model_defaults).values(kind=kind.value, model_id=model_id))
            else:
                conn.execute(update(model_defaults).where(scope).values(model_id=model_id))

    def current(self, kind: ModelKind) -> ModelRecord:
        """The model version that generates targets of `kind` now; NotFound if none is registered."""
        with self._engine.connect() as conn:
            model_id = conn.execute(
                select(model_defaults.c.model_id).where(model_defaults.c.kind == ModelKind(kind).value)
            ).scalar_one_or_none()
            if model_id is None:
                raise NotFound(f"no model registered for {kind}")
            return self._newest(conn, model_id)

    def seed_preview_models(self) -> builtins.list[ModelRecord]:
        """Register the preview models (idempotent); they become the defaults of kinds that have none."""
        return [self.register(record) for record in PREVIEW_MODELS]

    @staticmethod
    def _newest(conn: Connection, model_id: str) -> ModelRecord:
        rows = conn.execute(select(models).where(models.c.id == model_id)).all()
        if not rows:
            raise NotFound(f"model {model_id} not found")
        return _record(max(rows, key=lambda row: version_key(row.version)))
