"""The sync-run workflow against a real Temporal dev server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import CancelledError

from craftology.errors import BadInput, TransientError
from craftology.workflows.devserver import EmbeddedTemporal
from craftology.workflows.models import (
    FAILED,
    GENERATED,
    SUPERSEDED,
    SyncRunResult,
    TargetActivityInput,
    TargetOutcome,
    TargetTask,
)
from craftology.workflows.sync_run import SyncRunWorkflow
from craftology.workflows.worker import connect, start_sync_run, sync_worker
from tests.workflows.conftest import RecordingRunner, eventually, make_input, run

pytestmark = pytest.mark.temporal


async def execute(
    server: EmbeddedTemporal, queue: str, runner: RecordingRunner, tasks: list[TargetTask], **opts: object
) -> SyncRunResult:
    client = await connect(server.address)
    async with sync_worker(client, queue, runner, max_concurrent_activities=8):
        handle = await start_sync_run(client, make_input(tasks, **opts), queue)
        return await handle.result()


def by_target(result: SyncRunResult) -> dict[str, TargetOutcome]:
    return {outcome.target: outcome for outcome in result.outcomes}


def test_dag_runs_each_target_after_its_deps(temporal_server: EmbeddedTemporal, task_queue: str) -> None:
    tasks = [
        TargetTask("card/a/sheet", []),
        TargetTask("card/b/sheet", []),
        TargetTask("shot/1/keyframe", ["card/a/sheet", "card/b/sheet"]),
        TargetTask("shot/2/keyframe", ["card/a/sheet"]),
        TargetTask("shot/1/clip", ["shot/1/keyframe"]),
        TargetTask("shot/2/clip", ["shot/2/keyframe"]),
        TargetTask("project/p1/cut", ["shot/1/clip", "shot/2/clip"]),
    ]
    runner = RecordingRunner(delay=0.05)
    result = run(execute(temporal_server, task_queue, runner, tasks, max_parallel=3))

    assert [o.target for o in result.outcomes] == [t.target for t in tasks]
    assert all(o.status == GENERATED and o.asset_id == f"asset:{o.target}" for o in result.outcomes)
    assert result.counts[GENERATED] == len(tasks)
    for task in tasks:
        for dep in task.deps:
            assert runner.ends[dep] < runner.starts[task.target], (dep, task.target)
    assert runner.max_running >= 2  # the independent sheets did overlap


def test_parallelism_is_bounded_and_reached(temporal_server: EmbeddedTemporal, task_queue: str) -> None:
    tasks = [TargetTask(f"shot/{i}/keyframe") for i in range(10)]
    runner = RecordingRunner(delay=0.3)
    result = run(execute(temporal_server, task_queue, runner, tasks, max_parallel=3))
    assert result.counts[GENERATED] == 10
    assert runner.max_running == 3


def fail_first(error: Exception) -> Callable[[TargetActivityInput, int, Callable[[str], None]], None]:
    def behaviour(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> None:
        if attempt == 1:
            raise error

    return behaviour


def raise_bad_input(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> None:
    raise BadInput(f"shot references a deleted card ({task.target})")


def test_transient_errors_are_retried(temporal_server: EmbeddedTemporal, task_queue: str) -> None:
    runner = RecordingRunner(
        behaviours={"a": fail_first(TransientError("model API 503")), "b": fail_first(RuntimeError("boom"))}
    )
    result = run(execute(temporal_server, task_queue, runner, [TargetTask("a"), TargetTask("b")]))
    assert result.counts[GENERATED] == 2
    assert runner.attempts == {"a": 2, "b": 2}


def test_bad_input_fails_without_retry_and_fails_dependents(
    temporal_server: EmbeddedTemporal, task_queue: str
) -> None:
    tasks = [TargetTask("a"), TargetTask("b", ["a"]), TargetTask("c", ["b"]), TargetTask("d")]
    runner = RecordingRunner(behaviours={"a": raise_bad_input})
    outcomes = by_target(run(execute(temporal_server, task_queue, runner, tasks)))

    assert runner.attempts["a"] == 1
    assert outcomes["a"].status == FAILED
    assert "deleted card" in outcomes["a"].detail
    assert (outcomes["b"].status, outcomes["b"].detail) == (FAILED, "upstream a failed")
    assert (outcomes["c"].status, outcomes["c"].detail) == (FAILED, "upstream b failed")
    assert outcomes["d"].status == GENERATED
    assert set(runner.attempts) == {"a", "d"}


def test_superseded_target_supersedes_dependents(temporal_server: EmbeddedTemporal, task_queue: str) -> None:
    def superseded(
        task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]
    ) -> TargetOutcome:
        return TargetOutcome(task.target, SUPERSEDED, detail="inputs changed since plan")

    tasks = [
        TargetTask("a", inputs_digest="d1"),
        TargetTask("b", ["a"]),
        TargetTask("c", ["b"]),
        TargetTask("d"),
    ]
    runner = RecordingRunner(behaviours={"a": superseded})
    result = run(execute(temporal_server, task_queue, runner, tasks))
    outcomes = by_target(result)
    assert [outcomes[t].status for t in "abcd"] == [SUPERSEDED, SUPERSEDED, SUPERSEDED, GENERATED]
    assert outcomes["c"].detail == "upstream b superseded"
    assert set(runner.attempts) == {"a", "d"}
    assert result.counts == {"generated": 1, "skipped": 0, "superseded": 3, "failed": 0}


def test_cancel_stops_in_flight_activities(temporal_server: EmbeddedTemporal, task_queue: str) -> None:
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
        client = await connect(temporal_server.address)
        async with sync_worker(client, task_queue, runner):
            run_input = make_input([TargetTask("a"), TargetTask("b", ["a"])], heartbeat_timeout_seconds=5)
            handle = await start_sync_run(client, run_input, task_queue)
            await eventually(lambda: "a" in runner.starts)
            await handle.cancel()
            with pytest.raises(WorkflowFailureError) as failure:
                await handle.result()
            assert isinstance(failure.value.cause, CancelledError)
            await eventually(cancelled.is_set, within=10)
            assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED

    run(scenario())
    assert "b" not in runner.attempts


def test_progress_query_reports_live_counts(temporal_server: EmbeddedTemporal, task_queue: str) -> None:
    gate = threading.Event()

    def held(task: TargetActivityInput, attempt: int, heartbeat: Callable[[str], None]) -> None:
        gate.wait(20)

    runner = RecordingRunner(behaviours={"a": held, "c": held})

    async def scenario() -> None:
        client = await connect(temporal_server.address)
        async with sync_worker(client, task_queue, runner):
            tasks = [TargetTask("a"), TargetTask("b", ["a"]), TargetTask("c"), TargetTask("d")]
            handle = await start_sync_run(client, make_input(tasks, max_parallel=2), task_queue)
            await eventually(lambda: {"a", "c"} <= set(runner.starts))
            progress = await handle.query(SyncRunWorkflow.progress)
            assert (progress.total, progress.done, progress.in_flight) == (4, 0, ["a", "c"])
            gate.set()
            result = await handle.result()
            assert result.counts[GENERATED] == 4
            final = await handle.query(SyncRunWorkflow.progress)
            assert (final.done, final.in_flight, final.counts[GENERATED]) == (4, [], 4)

    try:
        run(scenario())
    finally:
        gate.set()  # never leave a worker thread parked on a failed assertion


def test_resubmitting_a_run_attaches_instead_of_duplicating(
    temporal_server: EmbeddedTemporal, task_queue: str
) -> None:
    runner = RecordingRunner(delay=0.2)

    async def scenario() -> None:
        client = await connect(temporal_server.address)
        run_input = make_input([TargetTask("a"), TargetTask("b", ["a"])])
        async with sync_worker(client, task_queue, runner):
            first = await start_sync_run(client, run_input, task_queue)
            second = await start_sync_run(client, run_input, task_queue)
            assert second.id == first.id == f"sync-acme-{run_input.run_id}"
            await second.result()
            third = await start_sync_run(client, run_input, task_queue)  # after completion
            assert (await third.result()).counts[GENERATED] == 2

    run(scenario())
    assert runner.attempts == {"a": 1, "b": 1}


def test_large_plan_continues_as_new_and_keeps_outcomes(
    temporal_server: EmbeddedTemporal, task_queue: str
) -> None:
    # Chain-of-fans: every 5th target depends on the previous block; target 2 fails early, and a target
    # scheduled after the continue-as-new boundary depends on it.
    tasks = [TargetTask(f"t{i}", [f"t{i - 1 - i % 5}"] if i >= 5 else []) for i in range(30)]
    tasks[27].deps.append("t2")
    runner = RecordingRunner(behaviours={"t2": raise_bad_input})

    async def scenario() -> tuple[SyncRunResult, str, str | None]:
        client = await connect(temporal_server.address)
        async with sync_worker(client, task_queue, runner):
            handle = await start_sync_run(
                client, make_input(tasks, max_parallel=4, history_task_limit=7), task_queue
            )
            return await handle.result(), handle.id, handle.first_execution_run_id

    result, workflow_id, first_run = run(scenario())
    outcomes = by_target(result)
    assert [o.target for o in result.outcomes] == [t.target for t in tasks]
    assert outcomes["t2"].status == FAILED
    assert (outcomes["t27"].status, outcomes["t27"].detail) == (FAILED, "upstream t2 failed")
    assert result.counts == {"generated": 28, "skipped": 0, "superseded": 0, "failed": 2}
    assert sum(runner.attempts.values()) == 29  # t2 once, 28 generated: nothing ran twice across executions

    async def first_status() -> WorkflowExecutionStatus | None:
        fresh = await connect(temporal_server.address)
        return (await fresh.get_workflow_handle(workflow_id, run_id=first_run).describe()).status

    assert run(first_status()) == WorkflowExecutionStatus.CONTINUED_AS_NEW


@pytest.mark.slow
def test_thousand_targets(temporal_server: EmbeddedTemporal, task_queue: str) -> None:
    tasks = [TargetTask(f"t{i}", [f"t{i - 10}"] if i >= 10 else []) for i in range(1000)]
    runner = RecordingRunner()

    async def scenario() -> SyncRunResult:
        client = await connect(temporal_server.address)
        async with sync_worker(client, task_queue, runner, max_concurrent_activities=16):
            handle = await start_sync_run(client, make_input(tasks, max_parallel=16), task_queue)
            return await handle.result()

    result = run(asyncio.wait_for(scenario(), 100))
    assert result.counts[GENERATED] == 1000
    assert len(runner.attempts) == 1000
