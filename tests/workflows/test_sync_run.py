"""The sync-run workflow against a real Temporal dev server and a real control plane holding its plan."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import CancelledError

from craftology.adapters.events.local import LocalEventLog
from craftology.controlplane.run_tasks import PlannedTask, TaskRow
from craftology.controlplane.runs import Run, RunsRepository, RunStatus
from craftology.errors import BadInput, CraftologyError, TransientError
from craftology.runs.lifecycle import RunLifecycle
from craftology.workflows.activities import SyncActivities
from craftology.workflows.devserver import EmbeddedTemporal
from craftology.workflows.models import (
    FAILED,
    GENERATED,
    SUPERSEDED,
    ReportAndClaimInput,
    ReportAndClaimResult,
    SyncRunInput,
    TargetActivityInput,
    TargetOutcome,
)
from craftology.workflows.retry import NON_RETRYABLE_ERROR_TYPES
from craftology.workflows.sync_run import RESERVE
from craftology.workflows.worker import connect, start_sync_run, sync_worker
from tests.workflows.conftest import (
    TENANT,
    RecordingRunner,
    activities,
    eventually,
    make_input,
    run,
    run_events_relay,
)

pytestmark = pytest.mark.temporal

T = PlannedTask


class ObservedLifecycle(RunLifecycle):
    """The real ledger, noting how large each bookkeeping step is."""

    def __init__(self, runs: RunsRepository, events: LocalEventLog) -> None:
        super().__init__(runs, run_events_relay(runs, events), follow_ups=None)
        self.steps = 0
        self.largest_report = 0

    def report_and_claim(self, step: ReportAndClaimInput) -> ReportAndClaimResult:
        self.steps += 1
        self.largest_report = max(self.largest_report, len(step.reports))
        return super().report_and_claim(step)


class Harness:
    def __init__(self, server: EmbeddedTemporal, queue: str, control: Engine, events: LocalEventLog) -> None:
        self.server = server
        self.queue = queue
        self.runs = RunsRepository(control)
        self.events = events
        self.ledger = ObservedLifecycle(self.runs, events)

    async def execute(
        self, runner: RecordingRunner, tasks: list[PlannedTask], concurrency: int = 8, **opts: object
    ) -> tuple[Run, dict[str, TaskRow]]:
        client = await connect(self.server.address)
        run_input = make_input(self.runs, tasks, **opts)
        async with sync_worker(client, self.queue, SyncActivities(runner, self.ledger), concurrency):
            handle = await start_sync_run(client, run_input, self.queue)
            await handle.result()
        return self.ended(run_input)

    def ended(self, run_input: SyncRunInput) -> tuple[Run, dict[str, TaskRow]]:
        rows = self.runs.all_tasks(TENANT, run_input.run_id)
        return self.runs.get(TENANT, run_input.run_id), {row.target: row for row in rows}


@pytest.fixture
def harness(
    temporal_server: EmbeddedTemporal, task_queue: str, control: Engine, events: LocalEventLog
) -> Harness:
    return Harness(temporal_server, task_queue, control, events)


def test_dag_runs_each_target_after_its_deps_and_records_the_run(harness: Harness) -> None:
    tasks = [
        T("card/a/sheet"),
        T("card/b/sheet"),
        T("shot/1/keyframe", ("card/a/sheet", "card/b/sheet")),
        T("shot/2/keyframe", ("card/a/sheet",)),
        T("shot/1/clip", ("shot/1/keyframe",)),
        T("shot/2/clip", ("shot/2/keyframe",)),
        T("project/p1/cut", ("shot/1/clip", "shot/2/clip")),
    ]
    runner = RecordingRunner(delay=0.05)
    ended, rows = run(harness.execute(runner, tasks, max_parallel=3))

    assert list(rows) == [t.target for t in tasks]
    assert all(r.state == GENERATED and r.asset_id == f"asset:{r.target}" for r in rows.values())
    assert (ended.status, ended.generated, ended.done) == (RunStatus.SUCCEEDED, 7, 7)
    assert ended.started_at is not None
    assert ended.finished_at is not None
    assert ended.summary.follow_up is None
    for task in tasks:
        for dep in task.deps:
            assert runner.ends[dep] < runner.starts[task.target], (dep, task.target)
    assert runner.max_running >= 2  # the independent sheets did overlap
    finished = [d.event for d in harness.events.read(limit=100) if d.event.type == "run.finished"]
    assert [(e.subject, e.data["status"]) for e in finished] == [(f"run/{ended.id}", "succeeded")]


def test_parallelism_is_bounded_and_reached(harness: Harness) -> None:
    runner = RecordingRunner(delay=0.3)
    ended, _ = run(harness.execute(runner, [T(f"shot/{i}/keyframe") for i in range(10)], max_parallel=3))
    assert ended.generated == 10
    assert runner.max_running == 3


def fail_first(error: Exception) -> Callable[[TargetActivityInput, int, Callable[[str], None]], None]:
    def behaviour(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> None:
        if attempt == 1:
            raise error

    return behaviour


def test_transient_errors_are_retried(harness: Harness) -> None:
    runner = RecordingRunner(
        behaviours={"a": fail_first(TransientError("model API 503")), "b": fail_first(RuntimeError("boom"))}
    )
    ended, _ = run(harness.execute(runner, [T("a"), T("b")]))
    assert (ended.status, ended.generated) == (RunStatus.SUCCEEDED, 2)
    assert runner.attempts == {"a": 2, "b": 2}


def _request_errors() -> list[type[CraftologyError]]:
    found: list[type[CraftologyError]] = []
    pending = list(CraftologyError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if 400 <= cls.status_code < 500:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)


def test_every_request_class_error_is_in_the_retry_policy() -> None:
    names = {cls.__name__ for cls in _request_errors()}
    assert {"BadInput", "NotFound", "Conflict", "PreconditionFailed"} <= names
    assert set(NON_RETRYABLE_ERROR_TYPES) == names


@pytest.mark.parametrize("error", _request_errors(), ids=lambda cls: cls.__name__)
def test_a_request_class_error_fails_once_without_retry_and_fails_dependents(
    harness: Harness, error: type[CraftologyError]
) -> None:
    def refuse(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> None:
        raise error(f"card deleted mid-run ({task.target})")

    tasks = [T("a"), T("b", ("a",)), T("c", ("b",)), T("d")]
    runner = RecordingRunner(behaviours={"a": refuse})
    ended, rows = run(harness.execute(runner, tasks))

    assert runner.attempts["a"] == 1
    assert (rows["a"].state, rows["a"].detail) == (FAILED, "card deleted mid-run (a)")
    assert (rows["b"].state, rows["b"].detail) == (FAILED, "upstream a failed")
    assert (rows["c"].state, rows["c"].detail) == (FAILED, "upstream b failed")
    assert rows["d"].state == GENERATED
    assert set(runner.attempts) == {"a", "d"}
    assert (ended.status, ended.failed, ended.generated) == (RunStatus.FAILED, 3, 1)
    assert ended.error == "3 of 4 targets failed"


def superseded(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> TargetOutcome:
    return TargetOutcome(task.target, SUPERSEDED, detail="inputs changed since plan")


def test_superseded_target_supersedes_dependents(harness: Harness) -> None:
    tasks = [T("a", inputs_digest="d1"), T("b", ("a",)), T("c", ("b",)), T("d")]
    runner = RecordingRunner(behaviours={"a": superseded})
    ended, rows = run(harness.execute(runner, tasks))
    assert [rows[t].state for t in "abcd"] == [SUPERSEDED, SUPERSEDED, SUPERSEDED, GENERATED]
    assert rows["c"].detail == "upstream b superseded"
    assert set(runner.attempts) == {"a", "d"}
    counts = (ended.generated, ended.skipped, ended.superseded, ended.failed)
    assert (ended.status, counts) == (RunStatus.SUCCEEDED, (1, 0, 3, 0))
    assert not ended.summary.all_superseded
    assert "3 targets were superseded" in ended.summary.message


def test_a_run_whose_every_task_was_superseded_says_so(harness: Harness) -> None:
    runner = RecordingRunner(behaviours={"a": superseded, "b": superseded})
    ended, _ = run(harness.execute(runner, [T("a"), T("b"), T("c", ("a", "b"))]))
    assert (ended.status, ended.superseded, ended.generated) == (RunStatus.SUCCEEDED, 3, 0)
    assert ended.summary.all_superseded
    assert "every target was superseded" in ended.summary.message


def test_cancel_stops_in_flight_activities_and_records_the_run_cancelled(harness: Harness) -> None:
    cancelled = threading.Event()

    def until_cancelled(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> None:
        try:
            for _ in range(600):
                heartbeat("working")
                threading.Event().wait(0.05)
        except BaseException:
            cancelled.set()
            raise

    runner = RecordingRunner(behaviours={"a": until_cancelled})

    async def scenario() -> None:
        client = await connect(harness.server.address)
        async with sync_worker(client, harness.queue, activities(runner, harness.runs, harness.events)):
            run_input = make_input(harness.runs, [T("a"), T("b", ("a",))], heartbeat_timeout_seconds=5)
            handle = await start_sync_run(client, run_input, harness.queue)
            await eventually(lambda: "a" in runner.starts)
            await handle.cancel()
            with pytest.raises(WorkflowFailureError) as failure:
                await handle.result()
            assert isinstance(failure.value.cause, CancelledError)
            await eventually(cancelled.is_set, within=10)
            assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED
            ended, _ = harness.ended(run_input)
            assert (ended.status, ended.error) == (RunStatus.CANCELLED, "cancelled")
            assert ended.summary.message.startswith("cancelled")

    run(scenario())
    assert "b" not in runner.attempts


def test_progress_is_read_from_the_store_while_the_run_runs(harness: Harness) -> None:
    gate = threading.Event()

    def held(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> None:
        gate.wait(20)

    runner = RecordingRunner(behaviours={"a": held, "c": held})

    async def scenario() -> None:
        client = await connect(harness.server.address)
        async with sync_worker(client, harness.queue, activities(runner, harness.runs, harness.events)):
            tasks = [T("a"), T("b", ("a",)), T("c"), T("d")]
            run_input = make_input(harness.runs, tasks, max_parallel=2)
            handle = await start_sync_run(client, run_input, harness.queue)
            await eventually(lambda: {"a", "c"} <= set(runner.starts))
            now = harness.runs.get(TENANT, run_input.run_id)
            assert (now.status, now.done) == (RunStatus.RUNNING, 0)
            assert runner.max_running == 2
            flying = harness.runs.in_flight(TENANT, run_input.run_id)
            assert {"a", "c"} <= set(flying)
            assert "b" not in flying  # waits for a
            gate.set()
            await handle.result()
            ended, _ = harness.ended(run_input)
            assert (ended.done, ended.generated) == (4, 4)
            assert harness.runs.in_flight(TENANT, run_input.run_id) == []

    try:
        run(scenario())
    finally:
        gate.set()  # never leave a worker thread parked on a failed assertion


def test_resubmitting_a_run_attaches_instead_of_duplicating(harness: Harness) -> None:
    runner = RecordingRunner(delay=0.2)

    async def scenario() -> None:
        client = await connect(harness.server.address)
        run_input = make_input(harness.runs, [T("a"), T("b", ("a",))])
        async with sync_worker(client, harness.queue, activities(runner, harness.runs, harness.events)):
            first = await start_sync_run(client, run_input, harness.queue)
            second = await start_sync_run(client, run_input, harness.queue)
            assert second.id == first.id == f"sync-acme-{run_input.run_id}"
            await second.result()
            third = await start_sync_run(client, run_input, harness.queue)  # after completion
            await third.result()
        assert harness.ended(run_input)[0].generated == 2

    run(scenario())
    assert runner.attempts == {"a": 1, "b": 1}


def test_large_plan_continues_as_new_carrying_only_ids(harness: Harness) -> None:
    # Chain-of-fans: every 5th target depends on the previous block; target 2 fails early, and a target
    # scheduled after the continue-as-new boundary depends on it.
    tasks = [T(f"t{i}", (f"t{i - 1 - i % 5}",) if i >= 5 else ()) for i in range(30)]
    tasks[27] = T("t27", (*tasks[27].deps, "t2"))

    def bad(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> None:
        raise BadInput("refused")

    runner = RecordingRunner(behaviours={"t2": bad})

    async def scenario() -> tuple[SyncRunInput, str, str | None]:
        client = await connect(harness.server.address)
        run_input = make_input(harness.runs, tasks, max_parallel=4, history_task_limit=7)
        async with sync_worker(client, harness.queue, activities(runner, harness.runs, harness.events)):
            handle = await start_sync_run(client, run_input, harness.queue)
            await handle.result()
            return run_input, handle.id, handle.first_execution_run_id

    run_input, workflow_id, first_run = run(scenario())
    ended, rows = harness.ended(run_input)
    assert rows["t2"].state == FAILED
    assert (rows["t27"].state, rows["t27"].detail) == (FAILED, "upstream t2 failed")
    counts = (ended.generated, ended.skipped, ended.superseded, ended.failed)
    assert (ended.status, counts) == (RunStatus.FAILED, (28, 0, 0, 2))
    assert sum(runner.attempts.values()) == 29  # t2 once, 28 generated: nothing ran twice across executions

    async def executions() -> list[tuple[WorkflowExecutionStatus | None, int]]:
        fresh = await connect(harness.server.address)
        found = []
        async for execution in fresh.list_workflows(f"WorkflowId = '{workflow_id}'"):
            history = await fresh.get_workflow_handle(workflow_id, run_id=execution.run_id).fetch_history()
            started = history.events[0].workflow_execution_started_event_attributes
            found.append((execution.status, sum(len(p.data) for p in started.input.payloads)))
        return found

    described = run(executions())
    assert len(described) >= 4  # 30 targets, 7 per execution
    assert WorkflowExecutionStatus.CONTINUED_AS_NEW in {status for status, _ in described}
    assert max(size for _, size in described) < 400  # ids and limits only, whatever the plan's size
    assert first_run is not None


async def largest_payload(harness: Harness, workflow_id: str) -> int:
    """The largest payload of any event in any execution of the workflow's history."""
    client = await connect(harness.server.address)
    largest = 0
    async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
        history = await client.get_workflow_handle(workflow_id, run_id=execution.run_id).fetch_history()
        for event in history.events:
            largest = max(largest, event.ByteSize())
    return largest


@pytest.mark.slow
def test_thousand_targets_with_small_messages_only(harness: Harness) -> None:
    tasks = [T(f"t{i}", (f"t{i - 10}",) if i >= 10 else ()) for i in range(1000)]
    runner = RecordingRunner()
    ended, _ = run(asyncio.wait_for(harness.execute(runner, tasks, concurrency=16, max_parallel=16), 100))
    assert ended.generated == 1000
    assert len(runner.attempts) == 1000
    # Claims and reports are batches of at most a few times max_parallel, whatever the plan's size,
    # and one bookkeeping step serves several targets.
    assert harness.ledger.largest_report <= (1 + RESERVE) * 16
    assert harness.ledger.steps < 1000
    assert run(largest_payload(harness, f"sync-{TENANT}-{ended.id}")) < 8_000
