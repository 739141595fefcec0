from __future__ import annotations

import pytest
from sqlalchemy import Engine

from craftology.controlplane.projects_index import ProjectsIndex
from craftology.controlplane.runs import RunsRepository, RunStatus
from craftology.errors import BadInput, Conflict, NotFound
from craftology.tenancy.service import TenancyService
from tests.controlplane.conftest import SandboxCallRecorder


@pytest.fixture
def tenants(engine: Engine) -> tuple[str, str]:
    service = TenancyService(engine, SandboxCallRecorder("m", []), SandboxCallRecorder("a", []))
    service.create_tenant("Acme", tenant_id="acme")
    service.create_tenant("Globex", tenant_id="globex")
    return "acme", "globex"


def test_run_lifecycle(engine: Engine, tenants: tuple[str, str]) -> None:
    repo = RunsRepository(engine)
    run = repo.create("acme", "p1", plan_size=4, summary={"causes": {"DATA": 2}})
    assert (run.status, run.started_at, run.finished_at, run.generated) == (RunStatus.PLANNED, None, None, 0)
    assert run.summary == {"causes": {"DATA": 2}}
    running = repo.set_status("acme", run.id, RunStatus.RUNNING, workflow_id="wf-1")
    assert running.started_at is not None
    assert running.workflow_id == "wf-1"
    repo.update_counters("acme", run.id, generated=1, skipped=1)
    repo.add_counters("acme", run.id, generated=1, superseded=1)
    done = repo.set_status("acme", run.id, RunStatus.SUCCEEDED, summary={"cost": 3.5})
    assert (done.generated, done.skipped, done.superseded, done.failed) == (2, 1, 1, 0)
    assert done.finished_at is not None
    assert done.finished_at >= running.started_at
    assert done.summary == {"cost": 3.5}
    assert repo.set_status("acme", run.id, RunStatus.SUCCEEDED) == done  # retried report: no-op
    with pytest.raises(Conflict):
        repo.set_status("acme", run.id, RunStatus.RUNNING)
    failed = repo.set_status("acme", repo.create("acme", "p1", 1).id, RunStatus.FAILED, error="boom")
    assert failed.error == "boom"
    assert failed.started_at is not None


def test_runs_are_tenant_scoped(engine: Engine, tenants: tuple[str, str]) -> None:
    repo = RunsRepository(engine)
    run = repo.create("acme", "p1", plan_size=1)
    assert repo.get("acme", run.id) == run
    with pytest.raises(NotFound):
        repo.get("globex", run.id)
    with pytest.raises(NotFound):
        repo.set_status("globex", run.id, RunStatus.CANCELLED)
    with pytest.raises(NotFound):
        repo.add_counters("globex", run.id, generated=1)
    assert repo.list("globex") == []
    assert repo.get("acme", run.id).generated == 0
    with pytest.raises(NotFound):
        repo.create("nobody", "p1", plan_size=1)
    with pytest.raises(Conflict):
        repo.create("globex", "p1", plan_size=1, run_id=run.id)


def test_run_listing_and_validation(engine: Engine, tenants: tuple[str, str]) -> None:
    repo = RunsRepository(engine)
    first = repo.create("acme", "p1", plan_size=1)
    second = repo.create("acme", "p2", plan_size=2)
    third = repo.create("acme", "p1", plan_size=3)
    assert [r.id for r in repo.list("acme", "p1")] == [third.id, first.id]
    assert {r.id for r in repo.list("acme")} == {first.id, second.id, third.id}
    with pytest.raises(BadInput):
        repo.update_counters("acme", first.id, bogus=1)
    with pytest.raises(BadInput):
        repo.add_counters("acme", first.id, generated=-1)
    with pytest.raises(BadInput):
        repo.create("acme", "p1", plan_size=-1)


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
