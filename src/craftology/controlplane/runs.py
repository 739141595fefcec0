"""Runs repository: one row per sync run and its stored plan, always looked up within its tenant."""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from craftology.controlplane import run_tasks as plan_rows
from craftology.controlplane.db import write_transaction
from craftology.controlplane.event_outbox import record_events
from craftology.controlplane.run_tasks import ClaimedTask, Outcome, PlannedTask, TaskRow, TaskState
from craftology.controlplane.schema import runs
from craftology.controlplane.scoping import require_tenant
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, Conflict, NotFound
from craftology.events.runs import run_event, unfinished_target_event
from craftology.ports.events import Event


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
UNFINISHED = (RunStatus.PLANNED.value, RunStatus.RUNNING.value)


class RunSummary(BaseModel):
    """What a run was and how it ended, beyond its counters. Outcomes per target are not here: they
    are the run's tasks (``RunsRepository.tasks``)."""

    model_config = ConfigDict(frozen=True)

    total_cost: float = Field(default=0.0, description="Estimated cost of the plan when it was made")
    depth: int = Field(default=0, description="0 for a run someone started; n for the n-th follow-up")
    follow_up_of: str | None = Field(default=None, description="The run whose superseded work this redoes")
    follow_up: str | None = Field(
        default=None, description="The run started to redo this run's superseded work, if any"
    )
    all_superseded: bool = Field(
        default=False,
        description="Every task was superseded by edits made during the run: nothing was generated "
        "from this plan (the follow-up run regenerates)",
    )
    message: str = Field(default="", description="How the run ended, in one readable line")


@dataclass(frozen=True)
class NewRun:
    """A run to record: its plan's tasks in dependency order."""

    tenant_id: str
    project_id: str
    tasks: Sequence[PlannedTask]
    run_id: str | None = None
    workflow_id: str | None = None
    summary: RunSummary = field(default_factory=RunSummary)


@dataclass(frozen=True)
class Claimed:
    """Tasks now running for the workflow, and how many tasks of the run have not ended."""

    tasks: list[ClaimedTask]
    open: int


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
    summary: RunSummary = field(default_factory=RunSummary)

    @property
    def done(self) -> int:
        return self.generated + self.skipped + self.superseded + self.failed


def _run(row: Row[Any]) -> Run:
    values = dict(row._mapping)
    values["status"] = RunStatus(values["status"])
    values["summary"] = RunSummary.model_validate(values["summary"] or {})
    return Run(**values)


class RunsRepository:
    """Sync runs of every tenant. Each method takes the tenant; another tenant's run id is NotFound."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The control plane these runs (and their events' outbox) live in."""
        return self._engine

    def create(self, new: NewRun) -> Run:
        """Record a planned run with its plan. Conflict while another run of the project is unfinished
        (the database enforces it, so two processes cannot both start one)."""
        try:
            with write_transaction(self._engine) as conn:
                return self._insert(conn, new)
        except IntegrityError:
            unfinished = self.unfinished_of(new.tenant_id, new.project_id)
            if unfinished is None:
                raise
            raise Conflict(
                f"run {unfinished.id} of this project is still {unfinished.status.value}; "
                "wait for it or cancel it",
                run_id=unfinished.id,
            ) from None

    def _insert(self, conn: Connection, new: NewRun) -> Run:
        require_tenant(conn, new.tenant_id)
        run_id = new.run_id or f"run-{secrets.token_hex(8)}"
        if conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is not None:
            raise Conflict(f"run {run_id} already exists")
        row = {
            "id": run_id,
            "tenant_id": new.tenant_id,
            "project_id": new.project_id,
            "workflow_id": new.workflow_id,
            "status": RunStatus.PLANNED.value,
            "plan_size": len(new.tasks),
            "created_at": utc_now(),
            "summary": new.summary.model_dump(mode="json"),
            **dict.fromkeys(COUNTERS, 0),
        }
        conn.execute(insert(runs).values(**row))
        plan_rows.insert_plan(conn, run_id, new.tasks)
        return self._get(conn, new.tenant_id, run_id)

    def unfinished_of(self, tenant: str, project_id: str) -> Run | None:
        """The project's planned or running run, if any (there is at most one)."""
        query = select(runs).where(
            runs.c.tenant_id == tenant, runs.c.project_id == project_id, runs.c.status.in_(UNFINISHED)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _run(row)

    def get(self, tenant: str, run_id: str) -> Run:
        """The run; NotFound when it does not exist in this tenant."""
        with self._engine.connect() as conn:
            return self._get(conn, tenant, run_id)

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
        summary: RunSummary | None = None,
    ) -> Run:
        """Move a run to `status`, stamping started_at/finished_at. A finished run cannot change state
        (Conflict), except that repeating the same final status is a no-op, so retries are safe."""
        with write_transaction(self._engine) as conn:
            return self._set_status(conn, tenant, run_id, status, workflow_id, error, summary)

    def _set_status(
        self,
        conn: Connection,
        tenant: str,
        run_id: str,
        status: RunStatus,
        workflow_id: str | None = None,
        error: str | None = None,
        summary: RunSummary | None = None,
    ) -> Run:
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
            values["summary"] = summary.model_dump(mode="json")
        conn.execute(self._scoped(update(runs), tenant, run_id).values(**values))
        changed = self._get(conn, tenant, run_id)
        record_events(conn, self._transition_events(conn, current, changed))
        return changed

    @staticmethod
    def _transition_events(conn: Connection, before: Run, after: Run) -> builtins.list[Event]:
        """run.started when a planned run begins; run.finished, after target.failed/superseded for the
        targets it did not finish, when it ends. Written with the change (the control-plane outbox)."""
        made: builtins.list[Event] = []
        if before.status is RunStatus.PLANNED and after.status is RunStatus.RUNNING:
            made.append(run_event(after.tenant_id, "run.started", after.id, {
                "project_id": after.project_id, "plan_size": after.plan_size,
                "estimated_cost": after.summary.total_cost, "follow_up_of": after.summary.follow_up_of,
            }))  # fmt: skip
        if after.status.terminal and not before.status.terminal:
            for task in plan_rows.all_rows(conn, after.id, (TaskState.FAILED, TaskState.SUPERSEDED)):
                made.append(unfinished_target_event(after.tenant_id, f"target.{task.state.value}", after.id,
                                                    after.project_id, task.target, task.detail))  # fmt: skip
            counts = {name: getattr(after, name) for name in COUNTERS}
            data = {"status": after.status.value, **counts}
            made.append(run_event(after.tenant_id, "run.finished", after.id, data))
        return made

    def begin(self, tenant: str, run_id: str) -> Run:
        """Planned -> running, once; a run already running or ended is returned as it is."""
        with write_transaction(self._engine) as conn:
            current = self._get(conn, tenant, run_id)
            if current.status is not RunStatus.PLANNED:
                return current
            return self._set_status(conn, tenant, run_id, RunStatus.RUNNING)

    def report_and_claim(
        self, tenant: str, run_id: str, outcomes: Sequence[Outcome], token: str, limit: int
    ) -> Claimed:
        """One transaction: record `outcomes` (and what they block or release), add them to the run's
        counters, then claim up to `limit` ready tasks under `token`."""
        with write_transaction(self._engine) as conn:
            self._get(conn, tenant, run_id)
            recorded = plan_rows.record(conn, run_id, outcomes)
            if recorded.counts:
                deltas = {name: runs.c[name] + recorded.counts[name] for name in COUNTERS}
                conn.execute(self._scoped(update(runs), tenant, run_id).values(**deltas))
            claimed = plan_rows.claim(conn, run_id, token, limit)
            run = self._get(conn, tenant, run_id)
            return Claimed(claimed, run.plan_size - run.done)

    def fail_unfinished_tasks(self, tenant: str, run_id: str, detail: str) -> Run:
        """Ends every task still waiting or ready as failed, counted (a plan that cannot finish)."""
        with write_transaction(self._engine) as conn:
            self._get(conn, tenant, run_id)
            failed = plan_rows.fail_unfinished(conn, run_id, detail)
            if failed:
                conn.execute(self._scoped(update(runs), tenant, run_id).values(failed=runs.c.failed + failed))
            return self._get(conn, tenant, run_id)

    def finish(
        self,
        tenant: str,
        run_id: str,
        status: RunStatus,
        summary: RunSummary,
        *,
        error: str | None = None,
        follow_up: NewRun | None = None,
    ) -> Run:
        """End the run and record its follow-up in the same transaction, so there is no moment when
        the project has no unfinished run although a follow-up is due."""
        with write_transaction(self._engine) as conn:
            ended = self._set_status(conn, tenant, run_id, status, error=error, summary=summary)
            if follow_up is not None:
                self._insert(conn, follow_up)
            return ended

    def in_flight(self, tenant: str, run_id: str, limit: int = 50) -> builtins.list[str]:
        """Targets the run's workflow has claimed and not finished (running, or next in line for a
        free slot), in plan order."""
        with self._engine.connect() as conn:
            self._get(conn, tenant, run_id)
            return plan_rows.in_flight(conn, run_id, limit)

    def tasks(
        self,
        tenant: str,
        run_id: str,
        after: int = -1,
        limit: int = 500,
        states: Sequence[TaskState] = (),
    ) -> builtins.list[TaskRow]:
        """The run's tasks after position `after`, in plan order (optionally only in `states`)."""
        with self._engine.connect() as conn:
            self._get(conn, tenant, run_id)
            return plan_rows.page(conn, run_id, after, limit, states)

    def all_tasks(self, tenant: str, run_id: str, states: Sequence[TaskState] = ()) -> builtins.list[TaskRow]:
        with self._engine.connect() as conn:
            self._get(conn, tenant, run_id)
            return plan_rows.all_rows(conn, run_id, states)

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
