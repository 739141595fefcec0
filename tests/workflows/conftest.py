"""A real Temporal dev server for the whole session, and a thread-safe recording TargetRunner."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from craftology.workflows.devserver import EmbeddedTemporal
from craftology.workflows.models import (
    GENERATED,
    SyncRunInput,
    TargetActivityInput,
    TargetOutcome,
    TargetTask,
)

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


def make_input(tasks: list[TargetTask], **options: Any) -> SyncRunInput:
    return SyncRunInput(tenant="acme", project_id="p1", run_id=uuid.uuid4().hex, tasks=tasks, **options)


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
