"""A real Temporal dev server for the whole session, a control plane holding the runs' plans, and a
thread-safe recording TargetRunner."""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine

from craftology.adapters.events.local import LocalEventLog
from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.controlplane.db import connect
from craftology.controlplane.event_outbox import ControlOutbox
from craftology.controlplane.run_tasks import PlannedTask
from craftology.controlplane.runs import NewRun, RunsRepository
from craftology.events.relay import OutboxRelay
from craftology.runs.lifecycle import RunLifecycle
from craftology.tenancy.service import TenancyService
from craftology.workflows.activities import SyncActivities
from craftology.workflows.devserver import EmbeddedTemporal
from craftology.workflows.models import (
    GENERATED,
    SyncRunInput,
    TargetActivityInput,
    TargetOutcome,
)
from tests.controlplane.conftest import SandboxCallRecorder

T = TypeVar("T")
# A behaviour sees the task and the attempt number (1-based); it may raise, or return an outcome.
Behaviour = Callable[[TargetActivityInput, int, Callable[[str], None]], TargetOutcome | None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedTemporal]:
    server = EmbeddedTemporal(tmp_path_factory.mktemp("temporal"), port=free_port())
    with server:
        yield server


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex}"


TENANT = "acme"


@pytest.fixture
def control(tmp_path: Path) -> Iterator[Engine]:
    """A control plane with tenant `acme`: where the workflow finds its plan and records its run."""
    engine = connect(f"sqlite:///{tmp_path / 'control.db'}")
    TenancyService(engine, SandboxCallRecorder("m", []), SandboxCallRecorder("a", [])).create_tenant(
        "Acme", tenant_id=TENANT
    )
    yield engine
    engine.dispose()


@pytest.fixture
def events(tmp_path: Path) -> Iterator[LocalEventLog]:
    log = LocalEventLog(tmp_path / "events.db")
    yield log
    log.close()


def store_plan(runs: RunsRepository, tasks: list[PlannedTask], project: str | None = None) -> str:
    """Records a run with its plan (each test its own project, so runs never conflict)."""
    run_id = uuid.uuid4().hex
    project_id = project or f"p-{run_id[:8]}"
    runs.create(NewRun(TENANT, project_id, tasks, run_id, f"sync-{TENANT}-{run_id}"))
    return run_id


def make_input(runs: RunsRepository, tasks: list[PlannedTask], **options: Any) -> SyncRunInput:
    run_id = store_plan(runs, tasks)
    return SyncRunInput(
        tenant=TENANT, project_id=runs.get(TENANT, run_id).project_id, run_id=run_id, **options
    )


def run_events_relay(runs: RunsRepository, events: LocalEventLog) -> OutboxRelay:
    """Relays the run events the repository writes to the control plane's outbox; no tenant store is
    involved (an empty one stands in)."""
    tenant_stores = SqliteMetadataStore(Path(tempfile.mkdtemp(prefix="no-tenant-stores-")))
    return OutboxRelay(tenant_stores, events, ControlOutbox(runs.engine))


def activities(runner: Any, runs: RunsRepository, events: LocalEventLog) -> SyncActivities:
    """The workflow's activities over a real control plane; no follow-up runs (no planner)."""
    return SyncActivities(runner, RunLifecycle(runs, run_events_relay(runs, events), follow_ups=None))


@dataclass
class RecordingRunner:
    """Records, under a lock, when each target starts and ends (as a global sequence number) and how many
    run at once, so tests can check ordering and parallelism without trusting clocks."""

    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    seq: int = 0
    starts: dict[str, int] = field(default_factory=dict)
    ends: dict[str, int] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)
    running: int = 0
    max_running: int = 0

    def run(self, task: TargetActivityInput, heartbeat: Callable[[str], None]) -> TargetOutcome:
        with self.lock:
            self.seq += 1
            self.attempts[task.target] += 1
            attempt = self.attempts[task.target]
            self.starts[task.target] = self.seq
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            heartbeat(f"started {task.target}")
            behaviour = self.behaviours.get(task.target)
            outcome = behaviour(task, attempt, heartbeat) if behaviour else None
            if self.delay:
                time.sleep(self.delay)
            return outcome or TargetOutcome(task.target, GENERATED, asset_id=f"asset:{task.target}")
        finally:
            with self.lock:
                self.seq += 1
                self.ends[task.target] = self.seq
                self.running -= 1


async def eventually(predicate: Callable[[], bool], within: float = 15.0) -> None:
    """Polls without blocking the event loop the worker runs on."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)
