"""Run events are written in the control-plane transaction that changes the run (its outbox), so a
process that dies right after the change loses none, and a change that fails invents none."""

from __future__ import annotations

import pytest

from craftology.controlplane.event_outbox import ControlOutbox
from craftology.controlplane.run_tasks import Outcome, PlannedTask, TaskState
from craftology.controlplane.runs import NewRun, RunStatus, RunSummary
from craftology.errors import Conflict

from .conftest import Shop


def pending_types(shop: Shop) -> list[str]:
    return [entry.payload["type"] for entry in ControlOutbox(shop.c.control).pending(100)]


def new_run(shop: Shop) -> str:
    tasks = [
        PlannedTask(shop.sheet, (), "d1"),
        PlannedTask(f"shot/{shop.shot}/keyframe", (shop.sheet,), "d2"),
    ]
    summary = RunSummary(total_cost=2.5)
    return shop.c.runs.create(NewRun(shop.tenant, shop.project, tasks, "r1", "wf-r1", summary)).id


def test_each_run_change_writes_its_event_with_it_and_the_relay_publishes_it_once(shop: Shop) -> None:
    run_id = new_run(shop)
    assert pending_types(shop) == []  # planned: nothing has happened yet
    shop.c.runs.begin(shop.tenant, run_id)
    shop.c.runs.begin(shop.tenant, run_id)  # a retried step changes nothing, so it tells nothing
    assert pending_types(shop) == ["run.started"]
    assert shop.logged("run.started") == []  # written, not yet published: a crash here loses nothing

    shop.c.runs.report_and_claim(shop.tenant, run_id, [], "t1", 10)
    shop.c.runs.report_and_claim(
        shop.tenant, run_id, [Outcome(0, TaskState.FAILED, detail="refused")], "t2", 10
    )
    summary = RunSummary(total_cost=2.5, message="0 generated")
    shop.c.runs.finish(shop.tenant, run_id, RunStatus.FAILED, summary, error="1 of 2 targets failed")
    shop.c.runs.finish(shop.tenant, run_id, RunStatus.FAILED, summary)  # repeated: no second event
    assert pending_types(shop) == ["run.started", "target.failed", "target.failed", "run.finished"]

    assert shop.c.relay.relay_all([shop.tenant]) == 4
    assert shop.c.relay.relay_all([shop.tenant]) == 0
    started = shop.logged("run.started")
    assert [(e.subject, e.data["plan_size"], e.data["estimated_cost"]) for e in started] == [
        (f"run/{run_id}", 2, 2.5)
    ]
    failed = {e.subject: e.data["detail"] for e in shop.logged("target.failed")}
    assert failed[shop.sheet] == "refused"
    assert set(failed) == {shop.sheet, f"shot/{shop.shot}/keyframe"}  # its dependent never ran
    (finished,) = shop.logged("run.finished")
    assert (finished.data["status"], finished.data["failed"]) == ("failed", 2)


def test_a_change_that_fails_writes_no_event(shop: Shop) -> None:
    run_id = new_run(shop)
    shop.c.runs.set_status(shop.tenant, run_id, RunStatus.CANCELLED)
    before = pending_types(shop)
    assert before == ["run.finished"]
    with pytest.raises(Conflict):
        shop.c.runs.set_status(shop.tenant, run_id, RunStatus.SUCCEEDED)
    assert pending_types(shop) == before
