"""A run's stored plan: one `run_tasks` row per target, driven by the run's workflow.

The workflow never holds the plan. It claims a few ready tasks at a time and reports their outcomes;
each report is one transaction that records the outcomes, keeps the run's counters current, blocks
what depends on a failed or superseded task and makes ready what no longer waits. Every write here is
idempotent: an outcome for a task that already ended is ignored, and a claim repeated with the same
token returns the same tasks, so retried or replayed activities change nothing twice.

Functions take the caller's connection: the repository decides the transactions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from craftology.controlplane.schema import run_tasks

# Bind parameters per statement stay well under every engine's limit.
CHUNK = 500


class TaskState(StrEnum):
    WAITING = "waiting"
    READY = "ready"
    RUNNING = "running"
    GENERATED = "generated"
    SKIPPED = "skipped"
    SUPERSEDED = "superseded"
    FAILED = "failed"

    @property
    def ended(self) -> bool:
        return self not in (TaskState.WAITING, TaskState.READY, TaskState.RUNNING)

    @property
    def blocks_dependents(self) -> bool:
        return self in (TaskState.SUPERSEDED, TaskState.FAILED)


ENDED = tuple(state.value for state in TaskState if state.ended)


@dataclass(frozen=True)
class PlannedTask:
    """One node of a plan as it is stored: `deps` outside the plan are fresh already and ignored."""

    target: str
    deps: Sequence[str] = ()
    inputs_digest: str = ""


@dataclass(frozen=True)
class ClaimedTask:
    position: int
    target: str
    inputs_digest: str


@dataclass(frozen=True)
class Outcome:
    """How one claimed task ended; `state` is one of the ended TaskStates."""

    position: int
    state: TaskState
    asset_id: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class TaskRow:
    position: int
    target: str
    state: TaskState
    asset_id: str | None
    detail: str


@dataclass
class Recorded:
    """What one report changed: counts by ended state (blocked dependents included)."""

    counts: Counter[str] = field(default_factory=Counter)


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def insert_plan(conn: Connection, run_id: str, tasks: Sequence[PlannedTask]) -> None:
    positions = {task.target: i for i, task in enumerate(tasks)}
    deps = [[positions[d] for d in dict.fromkeys(task.deps) if d in positions] for task in tasks]
    dependents: list[list[int]] = [[] for _ in tasks]
    for position, upstream in enumerate(deps):
        for dep in upstream:
            dependents[dep].append(position)
    rows = [
        {
            "run_id": run_id,
            "position": position,
            "target": task.target,
            "deps": deps[position],
            "dependents": dependents[position],
            "inputs_digest": task.inputs_digest,
            "open_deps": len(deps[position]),
            "state": (TaskState.WAITING if deps[position] else TaskState.READY).value,
            "claim": None,
            "asset_id": None,
            "detail": "",
        }
        for position, task in enumerate(tasks)
    ]
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(run_tasks), rows[start : start + CHUNK])


def claim(conn: Connection, run_id: str, token: str, limit: int) -> list[ClaimedTask]:
    """Up to `limit` ready tasks, lowest position first, now running under `token`. Repeating a
    token returns what it claimed the first time (a local activity re-executed after a crash)."""
    columns = (run_tasks.c.position, run_tasks.c.target, run_tasks.c.inputs_digest)
    earlier = conn.execute(
        select(*columns)
        .where(run_tasks.c.run_id == run_id, run_tasks.c.claim == token)
        .order_by(run_tasks.c.position)
    ).all()
    if earlier or limit <= 0:
        return [ClaimedTask(*row) for row in earlier]
    ready = conn.execute(
        select(*columns)
        .where(run_tasks.c.run_id == run_id, run_tasks.c.state == TaskState.READY.value)
        .order_by(run_tasks.c.position)
        .limit(limit)
    ).all()
    if ready:
        conn.execute(
            update(run_tasks)
            .where(run_tasks.c.run_id == run_id, run_tasks.c.position.in_([row[0] for row in ready]))
            .values(state=TaskState.RUNNING.value, claim=token)
        )
    return [ClaimedTask(*row) for row in ready]


def record(conn: Connection, run_id: str, outcomes: Sequence[Outcome]) -> Recorded:
    """Records outcomes of tasks that have not ended yet (others are repeats and change nothing)."""
    recorded = Recorded()
    for outcome in outcomes:
        row = conn.execute(
            select(run_tasks.c.target, run_tasks.c.state, run_tasks.c.dependents).where(
                run_tasks.c.run_id == run_id, run_tasks.c.position == outcome.position
            )
        ).first()
        if row is None or TaskState(row.state).ended:
            continue
        conn.execute(
            update(run_tasks)
            .where(run_tasks.c.run_id == run_id, run_tasks.c.position == outcome.position)
            .values(state=outcome.state.value, asset_id=outcome.asset_id, detail=outcome.detail)
        )
        recorded.counts[outcome.state.value] += 1
        if outcome.state.blocks_dependents:
            _block(conn, run_id, row.target, outcome.state, list(row.dependents), recorded)
        else:
            _release(conn, run_id, list(row.dependents))
    return recorded


def _release(conn: Connection, run_id: str, dependents: list[int]) -> None:
    for chunk in _chunks(dependents):
        scope = (run_tasks.c.run_id == run_id, run_tasks.c.position.in_(chunk))
        conn.execute(update(run_tasks).where(*scope).values(open_deps=run_tasks.c.open_deps - 1))
        conn.execute(
            update(run_tasks)
            .where(*scope, run_tasks.c.state == TaskState.WAITING.value, run_tasks.c.open_deps <= 0)
            .values(state=TaskState.READY.value)
        )


def _block(
    conn: Connection, run_id: str, upstream: str, state: TaskState, dependents: list[int], recorded: Recorded
) -> None:
    """Ends everything downstream of `upstream` with its state. Breadth-first over the stored edges,
    not recursion: a failure at the head of a long chain blocks the whole chain."""
    frontier = [(position, upstream) for position in dependents]
    while frontier:
        cause = dict(frontier)
        frontier = []
        blocked: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(cause)):
            rows = conn.execute(
                select(run_tasks.c.position, run_tasks.c.target, run_tasks.c.state, run_tasks.c.dependents)
                .where(run_tasks.c.run_id == run_id, run_tasks.c.position.in_(chunk))
            ).all()  # fmt: skip
            for row in rows:
                if TaskState(row.state).ended:
                    continue
                detail = f"upstream {cause[row.position]} {state.value}"
                blocked.append({"p": row.position, "detail": detail})
                frontier += [(dependent, row.target) for dependent in row.dependents]
        if blocked:
            conn.execute(
                update(run_tasks)
                .where(run_tasks.c.run_id == run_id, run_tasks.c.position == bindparam("p"))
                .values(state=state.value, detail=bindparam("detail")),
                blocked,
            )
            recorded.counts[state.value] += len(blocked)


def fail_unfinished(conn: Connection, run_id: str, detail: str) -> int:
    """Ends every task still waiting or ready as failed (a plan the workflow could not finish)."""
    result = conn.execute(
        update(run_tasks)
        .where(
            run_tasks.c.run_id == run_id,
            run_tasks.c.state.in_((TaskState.WAITING.value, TaskState.READY.value)),
        )
        .values(state=TaskState.FAILED.value, detail=detail)
    )
    return int(result.rowcount)


def in_flight(conn: Connection, run_id: str, limit: int) -> list[str]:
    rows = conn.execute(
        select(run_tasks.c.target)
        .where(run_tasks.c.run_id == run_id, run_tasks.c.state == TaskState.RUNNING.value)
        .order_by(run_tasks.c.position)
        .limit(limit)
    )
    return [str(row[0]) for row in rows]


def page(
    conn: Connection, run_id: str, after: int, limit: int, states: Sequence[TaskState] = ()
) -> list[TaskRow]:
    """Tasks after position `after`, in plan order, optionally only in `states`."""
    query = select(
        run_tasks.c.position, run_tasks.c.target, run_tasks.c.state, run_tasks.c.asset_id, run_tasks.c.detail
    ).where(run_tasks.c.run_id == run_id, run_tasks.c.position > after)
    if states:
        query = query.where(run_tasks.c.state.in_([s.value for s in states]))
    rows = conn.execute(query.order_by(run_tasks.c.position).limit(limit))
    return [TaskRow(r.position, r.target, TaskState(r.state), r.asset_id, r.detail) for r in rows]


def all_rows(conn: Connection, run_id: str, states: Sequence[TaskState] = ()) -> list[TaskRow]:
    """Every task of the run (optionally only in `states`), in plan order."""
    found: list[TaskRow] = []
    while batch := page(conn, run_id, found[-1].position if found else -1, 1000, states):
        found += batch
    return found


def count_open(conn: Connection, run_id: str) -> int:
    query = select(func.count()).where(run_tasks.c.run_id == run_id, run_tasks.c.state.not_in(ENDED))
    return int(conn.execute(query).scalar_one())
