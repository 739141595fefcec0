from __future__ import annotations

from multiprocessing import get_context
from typing import Any

import pytest
from sqlalchemy import Engine

from craftology.controlplane.db import connect
from craftology.controlplane.projects_index import ProjectsIndex
from craftology.controlplane.run_tasks import Outcome, PlannedTask, TaskState
from craftology.controlplane.runs import NewRun, RunsRepository, RunStatus, RunSummary
from craftology.errors import BadInput, Conflict, NotFound
from craftology.tenancy.service import TenancyService
from tests.controlplane.conftest import SandboxCallRecorder

T = PlannedTask


@pytest.fixture
def tenants(engine: Engine) -> tuple[str, str]:
    service = TenancyService(engine, SandboxCallRecorder("m", []), SandboxCallRecorder("a", []))
    service.create_tenant("Acme", tenant_id="acme")
    service.create_tenant("Globex", tenant_id="globex")
    return "acme", "globex"


def plan(*targets: str) -> list[PlannedTask]:
    return [PlannedTask(t) for t in targets]


def test_run_lifecycle(engine: Engine, tenants: tuple[str, str]) -> None:
    repo = RunsRepository(engine)
    run = repo.create(NewRun("acme", "p1", plan("a", "b", "c", "d"), summary=RunSummary(total_cost=2.5)))
    assert (run.status, run.started_at, run.finished_at, run.generated) == (RunStatus.PLANNED, None, None, 0)
    assert (run.plan_size, run.summary.total_cost) == (4, 2.5)
    running = repo.begin("acme", run.id)
    assert running.status is RunStatus.RUNNING
    assert running.started_at is not None
    assert repo.begin("acme", run.id) == running  # repeated by a retried activity: no change
    repo.update_counters("acme", run.id, generated=1, skipped=1)
    repo.add_counters("acme", run.id, generated=1, superseded=1)
    done = repo.finish("acme", run.id, RunStatus.SUCCEEDED, RunSummary(message="ok"))
    assert (done.generated, done.skipped, done.superseded, done.failed) == (2, 1, 1, 0)
    assert done.finished_at is not None
    assert done.finished_at >= running.started_at
    assert done.summary.message == "ok"
    assert repo.set_status("acme", run.id, RunStatus.SUCCEEDED) == done  # retried report: no-op
    assert repo.begin("acme", run.id) == done
    with pytest.raises(Conflict):
        repo.set_status("acme", run.id, RunStatus.RUNNING)
    failed = repo.set_status("acme", repo.create(NewRun("acme", "p1", ())).id, RunStatus.FAILED, error="x")
    assert failed.error == "x"
    assert failed.started_at is not None


def test_runs_are_tenant_scoped(engine: Engine, tenants: tuple[str, str]) -> None:
    repo = RunsRepository(engine)
    run = repo.create(NewRun("acme", "p1", plan("a")))
    assert repo.get("acme", run.id) == run
    for attempt in (
        lambda: repo.get("globex", run.id),
        lambda: repo.set_status("globex", run.id, RunStatus.CANCELLED),
        lambda: repo.add_counters("globex", run.id, generated=1),
        lambda: repo.report_and_claim("globex", run.id, [], "t", 5),
        lambda: repo.tasks("globex", run.id),
        lambda: repo.in_flight("globex", run.id),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert repo.list("globex") == []
    assert repo.get("acme", run.id).generated == 0
    with pytest.raises(NotFound):
        repo.create(NewRun("nobody", "p1", ()))
    with pytest.raises(Conflict):
        repo.create(NewRun("globex", "p9", (), run_id=run.id))


def test_one_unfinished_run_per_project_is_enforced_by_the_database(
    engine: Engine, tenants: tuple[str, str]
) -> None:
    repo = RunsRepository(engine)
    first = repo.create(NewRun("acme", "p1", plan("a")))
    with pytest.raises(Conflict, match=first.id) as refused:
        repo.create(NewRun("acme", "p1", plan("a")))
    assert refused.value.extra["run_id"] == first.id
    other_project = repo.create(NewRun("acme", "p2", ()))
    other_tenant = repo.create(NewRun("globex", "p1", ()))
    repo.begin("acme", first.id)
    with pytest.raises(Conflict, match=first.id):  # running blocks too
        repo.create(NewRun("acme", "p1", ()))
    repo.finish("acme", first.id, RunStatus.SUCCEEDED, RunSummary())
    again = repo.create(NewRun("acme", "p1", ()))  # allowed once it ended
    assert {again.id, other_project.id, other_tenant.id} <= {r.id for r in repo.list("acme")} | {
        other_tenant.id
    }


def test_a_follow_up_is_recorded_with_the_end_of_its_parent(engine: Engine, tenants: tuple[str, str]) -> None:
    repo = RunsRepository(engine)
    parent = repo.create(NewRun("acme", "p1", plan("a")))
    child = NewRun("acme", "p1", plan("a"), run_id="child1", summary=RunSummary(follow_up_of=parent.id))
    ended = repo.finish(
        "acme", parent.id, RunStatus.SUCCEEDED, RunSummary(follow_up="child1"), follow_up=child
    )
    assert (ended.status, ended.summary.follow_up) == (RunStatus.SUCCEEDED, "child1")
    recorded = repo.unfinished_of("acme", "p1")
    assert recorded is not None
    assert (recorded.id, recorded.summary.follow_up_of) == ("child1", parent.id)


def test_claims_and_reports_are_idempotent(engine: Engine, tenants: tuple[str, str]) -> None:
    repo = RunsRepository(engine)
    run = repo.create(NewRun("acme", "p1", [T("a"), T("b"), T("c", ("a", "b")), T("d", ("c",))]))
    first = repo.report_and_claim("acme", run.id, [], "x:1", 5)
    assert ([t.target for t in first.tasks], first.open) == (["a", "b"], 4)
    assert repo.report_and_claim("acme", run.id, [], "x:1", 5).tasks == first.tasks  # re-executed step
    assert repo.in_flight("acme", run.id) == ["a", "b"]
    report = [Outcome(0, TaskState.GENERATED, "asset-a"), Outcome(1, TaskState.SKIPPED, "asset-b")]
    second = repo.report_and_claim("acme", run.id, report, "x:2", 5)
    assert ([t.target for t in second.tasks], second.open) == (["c"], 2)
    again = repo.report_and_claim("acme", run.id, report, "x:2", 5)  # the same step once more
    assert (again.tasks, again.open) == (second.tasks, 2)
    now = repo.get("acme", run.id)
    assert (now.generated, now.skipped) == (1, 1)
    last = repo.report_and_claim("acme", run.id, [Outcome(2, TaskState.GENERATED)], "x:3", 5)
    assert [t.target for t in last.tasks] == ["d"]
    rows = {row.target: (row.state, row.asset_id) for row in repo.tasks("acme", run.id)}
    assert rows == {
        "a": ("generated", "asset-a"),
        "b": ("skipped", "asset-b"),
        "c": ("generated", None),
        "d": ("running", None),
    }


def test_a_failure_at_the_head_of_a_long_chain_blocks_all_of_it(
    engine: Engine, tenants: tuple[str, str]
) -> None:
    repo = RunsRepository(engine)
    chain = [T("t0"), *[T(f"t{i}", (f"t{i - 1}",)) for i in range(1, 3000)], T("free")]
    run = repo.create(NewRun("acme", "p1", chain))
    claimed = repo.report_and_claim("acme", run.id, [], "x:1", 5)
    assert [t.target for t in claimed.tasks] == ["t0", "free"]
    result = repo.report_and_claim("acme", run.id, [Outcome(0, TaskState.FAILED, detail="no")], "x:2", 5)
    assert (result.tasks, result.open) == ([], 1)  # only "free", still running
    ended = repo.get("acme", run.id)
    assert ended.failed == 3000
    tail = repo.tasks("acme", run.id, after=2998, limit=1)[0]
    assert (tail.target, tail.state, tail.detail) == ("t2999", "failed", "upstream t2998 failed")


def _start_run(url: str, ready: Any, results: Any) -> None:
    engine = connect(url)
    repo = RunsRepository(engine)
    ready.wait()
    try:
        results.put(("started", repo.create(NewRun("acme", "race", [T("a")])).id))
    except Conflict as conflict:
        results.put(("conflict", str(conflict.extra["run_id"])))
    finally:
        engine.dispose()


def test_two_processes_starting_runs_at_once_start_exactly_one(
    db_url: str, engine: Engine, tenants: tuple[str, str]
) -> None:
    context = get_context("spawn")
    ready = context.Barrier(2)
    results = context.Queue()
    processes = [context.Process(target=_start_run, args=(db_url, ready, results)) for _ in range(2)]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert [kind for kind, _ in outcomes] == ["conflict", "started"]
    assert outcomes[0][1] == outcomes[1][1]  # the refused one names the run that started
    assert [r.id for r in RunsRepository(engine).list("acme", "race")] == [outcomes[1][1]]


def test_run_listing_and_validation(engine: Engine, tenants: tuple[str, str]) -> None:
    repo = RunsRepository(engine)
    first = repo.create(NewRun("acme", "p1", plan("a")))
    second = repo.create(NewRun("acme", "p2", plan("a", "b")))
    repo.finish("acme", first.id, RunStatus.SUCCEEDED, RunSummary())
    third = repo.create(NewRun("acme", "p1", plan("a", "b", "c")))
    assert [r.id for r in repo.list("acme", "p1")] == [third.id, first.id]
    assert {r.id for r in repo.list("acme")} == {first.id, second.id, third.id}
    with pytest.raises(BadInput):
        repo.update_counters("acme", first.id, bogus=1)
    with pytest.raises(BadInput):
        repo.add_counters("acme", first.id, generated=-1)


def test_projects_index(engine: Engine, tenants: tuple[str, str]) -> None:
    index = ProjectsIndex(engine)
    index.add("acme", "trail-ad", "Trail shoes ad")
    index.add("acme", "brand", "Brand film")
    index.add("globex", "trail-ad", "Globex's own")
    assert [(p.id, p.name) for p in index.list("acme")] == [
        ("brand", "Brand film"),
        ("trail-ad", "Trail shoes ad"),
    ]
    assert index.get("globex", "trail-ad").name == "Globex's own"
    with pytest.raises(Conflict):
        index.add("acme", "brand", "again")
    with pytest.raises(NotFound):
        index.get("globex", "brand")
    with pytest.raises(NotFound):
        index.remove("globex", "brand")
    with pytest.raises(NotFound):
        index.add("nobody", "x", "y")
    index.remove("acme", "trail-ad")
    assert [p.id for p in index.list("acme")] == ["brand"]
    assert [p.id for p in index.list("globex")] == ["trail-ad"]
