"""Runs repository: one row per sync run, always looked up within its tenant."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import runs
from craftology.controlplane.scoping import require_tenant
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, Conflict, NotFound


class RunStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


COUNTERS = ("generated", "skipped", "superseded", "failed")


@dataclass(frozen=True)
class Run:
    id: str
    tenant_id: str
    project_id: str
    workflow_id: str | None
    status: RunStatus
    plan_size: int
    created_at: datetime
    generated: int = 0
    skipped: int = 0
    superseded: int = 0
    failed: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def _run(row: Row[Any]) -> Run:
    values = dict(row._mapping)
    values["status"] = RunStatus(values["status"])
    return Run(**values)


class RunsRepository:
    """Sync runs of every tenant. Each method takes the tenant; another tenant's run id is NotFound."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        tenant: str,
        project_id: str,
        plan_size: int,
        *,
        run_id: str | None = None,
        workflow_id: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> Run:
        """Record a planned run."""
        if plan_size < 0:
            raise BadInput("plan_size must be >= 0")
        row = {
            "id": run_id or f"run-{secrets.token_hex(8)}",
            "tenant_id": tenant,
            "project_id": project_id,
            "workflow_id": workflow_id,
            "status": RunStatus.PLANNED.value,
            "plan_size": plan_size,
            "created_at": utc_now(),
            "summary": summary or {},
            **dict.fromkeys(COUNTERS, 0),
        }
        with write_transaction(self._engine) as conn:
            require_tenant(conn, tenant)
            if conn.execute(select(runs.c.id).where(runs.c.id == row["id"])).first() is not None:
                raise Conflict(f"run {row['id']} already exists")
            conn.execute(insert(runs).values(**row))
            return self._get(conn, tenant, str(row["id"]))

    def get(self, tenant: str, run_id: str) -> Run:
        """The run; NotFound when it does not exist in this tenant."""
        with self._engine.connect() as conn:
            return self._get(conn, tenant, run_id)

    def unfinished(self) -> list[Run]:
        """Runs of every tenant still planned or running: a restarted server re-attaches to them."""
        waiting = (RunStatus.PLANNED.value, RunStatus.RUNNING.value)
        query = select(runs).where(runs.c.status.in_(waiting)).order_by(runs.c.created_at)
        with self._engine.connect() as conn:
            return [_run(row) for row in conn.execute(query)]

    def list(self, tenant: str, project_id: str | None = None, limit: int = 100) -> list[Run]:
        """Runs of a tenant (optionally of one project), newest first."""
        query = select(runs).where(runs.c.tenant_id == tenant)
        if project_id is not None:
            query = query.where(runs.c.project_id == project_id)
        query = query.order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [_run(row) for row in conn.execute(query)]

    def set_status(
        self,
        tenant: str,
        run_id: str,
        status: RunStatus,
        *,
        workflow_id: str | None = None,
        error: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> Run:
        """Move a run to `status`, stamping started_at/finished_at. A finished run cannot change state
        (Conflict), except that repeating the same final status is a no-op, so retries are safe."""
        with write_transaction(self._engine) as conn:
            current = self._get(conn, tenant, run_id)
            if current.status.terminal:
                if current.status is status:
                    return current
                raise Conflict(f"run {run_id} already {current.status.value}")
            now = utc_now()
            values: dict[str, Any] = {"status": status.value}
            if status is not RunStatus.PLANNED and current.started_at is None:
                values["started_at"] = now
            if status.terminal:
                values["finished_at"] = now
            if workflow_id is not None:
                values["workflow_id"] = workflow_id
            if error is not None:
                values["error"] = error
            if summary is not None:
                values["summary"] = summary
            conn.execute(self._scoped(update(runs), tenant, run_id).values(**values))
            return self._get(conn, tenant, run_id)

    def update_counters(self, tenant: str, run_id: str, **counts: int) -> Run:
        """Set progress counters (generated, skipped, superseded, failed) to absolute values."""
        return self._change_counters(tenant, run_id, counts, add=False)

    def add_counters(self, tenant: str, run_id: str, **deltas: int) -> Run:
        """Add to progress counters atomically (safe when several activities report at once)."""
        return self._change_counters(tenant, run_id, deltas, add=True)

    def _change_counters(self, tenant: str, run_id: str, counts: dict[str, int], *, add: bool) -> Run:
        unknown = set(counts) - set(COUNTERS)
        if unknown:
            raise BadInput(f"unknown run counters: {sorted(unknown)}")
        if any(value < 0 for value in counts.values()):
            raise BadInput("run counters cannot be negative")
        values = {name: runs.c[name] + value if add else value for name, value in counts.items()}
        with write_transaction(self._engine) as conn:
            result = conn.execute(self._scoped(update(runs), tenant, run_id).values(**values))
            if result.rowcount == 0:
                raise NotFound(f"run {run_id} not found")
            return self._get(conn, tenant, run_id)

    @staticmethod
    def _scoped(statement: Any, tenant: str, run_id: str) -> Any:
        return statement.where(runs.c.tenant_id == tenant, runs.c.id == run_id)

    def _get(self, conn: Connection, tenant: str, run_id: str) -> Run:
        row = conn.execute(self._scoped(select(runs), tenant, run_id)).first()
        if row is None:
            raise NotFound(f"run {run_id} not found")
        return _run(row)
