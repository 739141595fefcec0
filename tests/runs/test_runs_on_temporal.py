"""Sync runs on a real embedded Temporal server: edits during a run, follow-up plans, cancellation."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from temporalio.client import Client

from craftology.assets.records import TARGETS
from craftology.config import Settings
from craftology.container import Container
from craftology.controlplane.run_tasks import PlannedTask
from craftology.controlplane.runs import NewRun, RunStatus
from craftology.controlplane.schema import runs
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, Conflict, TransientError
from craftology.generation.preview import preview_generators
from craftology.ports.generator import GenerationRequest, Generator, Media
from craftology.projects.models import CardIn, CardKind, ProjectIn, ShotIn
from craftology.runs.service import SyncService
from craftology.runtime import running
from craftology.sync.causes import Status
from craftology.workflows.devserver import EmbeddedTemporal
from craftology.workflows.worker import connect
from tests.principals import as_owner
from tests.workflows.conftest import free_port

pytestmark = [pytest.mark.temporal, pytest.mark.slow]


def settings(tmp_path: Path, latency: float) -> Settings:
    s = Settings(data_dir=tmp_path / "data")
    s.temporal.embedded_port = 0
    s.temporal.max_parallel = 1
    s.generation.simulated_latency_seconds = latency
    return s


def small_project(c: Container) -> tuple[str, str, list[str]]:
    tenant = c.tenancy.create_tenant("Acme").tenant.id
    project = c.projects.create_project(as_owner(tenant), ProjectIn(name="Spot")).value.id
    card = c.projects.create_card(as_owner(tenant), project, CardIn(kind=CardKind.PROP, name="Shoe")).value.id
    shots = [
        c.projects.create_shot(
            as_owner(tenant), project, ShotIn(description=f"shot {n}", cards=[card])
        ).value.id
        for n in range(2)
    ]
    return tenant, project, shots


def has_event(c: Container, kind: str, subject: str) -> bool:
    return any(d.event.type == kind and d.event.subject == subject for d in c.events.read(limit=10_000))


async def wait_for_event(c: Container, kind: str, subject: str) -> None:
    async with asyncio.timeout(60):
        while not has_event(c, kind, subject):  # noqa: ASYNC110 (the log is another writer's file)
            await asyncio.sleep(0.1)


def test_an_edit_during_a_run_supersedes_its_task_and_a_follow_up_run_picks_it_up(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(settings(tmp_path, latency=0.5)) as c:
            tenant, project, shots = small_project(c)
            run = await c.sync.start_run(as_owner(tenant), project)
            card_sheet = next(
                t for t in c.sync.plan(as_owner(tenant), project).targets if t.startswith("card/")
            )
            await wait_for_event(c, "generation.started", card_sheet)
            shot = c.projects.get_shot(as_owner(tenant), project, shots[1])
            c.projects.update_shot(
                as_owner(tenant), project, shots[1], {"description": "edited mid-run"}, shot.revision
            )

            last = await c.sync.wait(as_owner(tenant), run.id)
            first = c.runs.get(tenant, run.id)
            outcomes = {t.target: t.state for t in c.sync.outcomes(as_owner(tenant), run.id)}
            assert outcomes[f"shot/{shots[1]}/keyframe"] == "superseded"
            assert outcomes[f"shot/{shots[0]}/keyframe"] == "generated"
            assert has_event(c, "target.superseded", f"shot/{shots[1]}/keyframe")
            assert has_event(
                c, "target.superseded", f"shot/{shots[1]}/clip"
            )  # never started: its input moved
            assert first.summary.follow_up == last.id
            assert "superseded by edits made during the run" in first.summary.message
            assert (last.status, last.summary.follow_up_of, last.summary.depth) == (
                RunStatus.SUCCEEDED,
                run.id,
                1,
            )
            follow_up = {t.target: t.state for t in c.sync.outcomes(as_owner(tenant), last.id)}
            assert follow_up[f"shot/{shots[1]}/keyframe"] == "generated"
            assert f"shot/{shots[0]}/keyframe" not in follow_up
            assert {s.status for s in c.sync.statuses(as_owner(tenant), project)} == {Status.FRESH}
            record = c.metadata.get(tenant, TARGETS, f"shot/{shots[1]}/keyframe")
            assert record.data["provenance"]["inputs"][f"shots/{shots[1]}.description"] == "edited mid-run"

    asyncio.run(scenario())


def test_cancelling_a_run_stops_it_and_records_it_cancelled(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(settings(tmp_path, latency=3.0)) as c:
            tenant, project, _ = small_project(c)
            run = await c.sync.start_run(as_owner(tenant), project)
            first = c.sync.plan(as_owner(tenant), project).targets[0]
            await wait_for_event(c, "generation.started", first)
            await c.sync.cancel_run(as_owner(tenant), run.id)
            ended = await c.sync.wait(as_owner(tenant), run.id)
            assert ended.status is RunStatus.CANCELLED
            assert any(s.status is not Status.FRESH for s in c.sync.statuses(as_owner(tenant), project))

    asyncio.run(scenario())


def test_one_unfinished_run_per_project(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(settings(tmp_path, latency=0.5)) as c:
            tenant, project, _ = small_project(c)
            run = await c.sync.start_run(as_owner(tenant), project)
            with pytest.raises(Conflict, match=run.id):
                await c.sync.start_run(as_owner(tenant), project)
            assert (await c.sync.wait(as_owner(tenant), run.id)).status is RunStatus.SUCCEEDED
            again = await c.sync.start_run(as_owner(tenant), project)  # allowed once the first has ended
            assert (await c.sync.wait(as_owner(tenant), again.id)).plan_size == 0

    asyncio.run(scenario())


def orphan_run(c: Container, tenant: str, project: str, age: timedelta) -> str:
    """What a crash between recording a run and submitting its workflow leaves behind."""
    orphan = c.runs.create(
        NewRun(tenant, project, [PlannedTask("x")], run_id=f"orphan-{age.seconds}", workflow_id="sync-never")
    )
    with c.control.begin() as conn:
        conn.execute(update(runs).where(runs.c.id == orphan.id).values(created_at=utc_now() - age))
    return orphan.id


def test_a_run_recorded_but_never_submitted_stops_blocking_its_project(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(settings(tmp_path, latency=0.0)) as c:
            tenant, project, _ = small_project(c)
            young = orphan_run(c, tenant, project, timedelta(0))
            with pytest.raises(Conflict, match=young):  # it may still be starting
                await c.sync.start_run(as_owner(tenant), project)
            c.runs.set_status(tenant, young, RunStatus.CANCELLED)
            old = orphan_run(c, tenant, project, timedelta(minutes=1))
            run = await c.sync.start_run(as_owner(tenant), project)
            ended = c.runs.get(tenant, old)
            assert ended.status is RunStatus.FAILED
            assert "interrupted before it started" in (ended.error or "")
            assert (await c.sync.wait(as_owner(tenant), run.id)).status is RunStatus.SUCCEEDED

    asyncio.run(scenario())


def test_a_run_whose_workflow_cannot_start_is_recorded_failed(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(settings(tmp_path, latency=0.0)) as c:
            tenant, project, _ = small_project(c)

            async def unreachable() -> Client:  # a Temporal address where nothing listens
                return await connect(f"127.0.0.1:{free_port()}")

            cut_off = SyncService(c.engines, c.runs, c.relay, unreachable, "q", 1, c.access.policy)
            with pytest.raises(TransientError, match="could not start its workflow"):
                await cut_off.start_run(as_owner(tenant), project)
            [failed] = c.runs.list(tenant, project)
            assert failed.status is RunStatus.FAILED
            assert "could not start its workflow" in (failed.error or "")
            run = await c.sync.start_run(as_owner(tenant), project)  # the project is not blocked
            assert (await c.sync.wait(as_owner(tenant), run.id)).status is RunStatus.SUCCEEDED

    asyncio.run(scenario())


def test_a_configured_temporal_address_is_used_instead_of_the_embedded_server(tmp_path: Path) -> None:
    external = EmbeddedTemporal(tmp_path / "external", port=free_port())
    with external:
        configured = settings(tmp_path, latency=0.0)
        configured.temporal.address = external.address

        async def scenario() -> None:
            async with running(configured) as c:
                tenant, project, _ = small_project(c)
                run = await c.sync.start_run(as_owner(tenant), project)
                assert (await c.sync.wait(as_owner(tenant), run.id)).status is RunStatus.SUCCEEDED
                client = await c.temporal()
                described = await client.get_workflow_handle(run.workflow_id or "").describe()
                assert described.status is not None

        asyncio.run(scenario())
        assert not (configured.data_dir / "temporal.pid").exists()
        assert not (configured.data_dir / "temporal.db").exists()


class RefusingSheets:
    """A sheet model that refuses every request: bad input, never worth a retry."""

    model_id = "preview-sheet"
    version = "1.0"

    def generate(self, request: GenerationRequest) -> Media:
        raise BadInput("this model cannot draw that")


def test_a_model_refusal_fails_the_target_and_its_dependents_without_retrying(tmp_path: Path) -> None:
    generators: dict[str, Generator] = {g.model_id: g for g in preview_generators().values()}
    generators["preview-sheet"] = RefusingSheets()

    async def scenario() -> None:
        async with running(settings(tmp_path, latency=0.0), generators=generators) as c:
            tenant, project, shots = small_project(c)
            run = await c.sync.start_run(as_owner(tenant), project)
            ended = await c.sync.wait(as_owner(tenant), run.id)
            assert ended.status is RunStatus.FAILED
            outcomes = {t.target: t for t in c.sync.outcomes(as_owner(tenant), run.id)}
            sheet = next(t for t in outcomes if t.startswith("card/"))
            assert "cannot draw" in outcomes[sheet].detail
            assert outcomes[f"shot/{shots[0]}/keyframe"].state == "failed"
            assert has_event(c, "target.failed", sheet)
            started = [d for d in c.events.read(limit=10_000) if d.event.type == "generation.started"]
            assert len(started) == 1  # not retried

    asyncio.run(scenario())


async def activity_attempts(c: Container, workflow_id: str, target: str) -> list[int]:
    """The attempt number of each start of `target`'s activity in the run's history (all executions)."""
    client = await c.temporal()
    attempts: list[int] = []
    async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
        history = await client.get_workflow_handle(workflow_id, run_id=execution.run_id).fetch_history()
        scheduled: dict[int, str] = {}
        for event in history.events:
            if event.HasField("activity_task_scheduled_event_attributes"):
                payloads = event.activity_task_scheduled_event_attributes.input.payloads
                scheduled[event.event_id] = payloads[0].data.decode() if payloads else ""
            if event.HasField("activity_task_started_event_attributes"):
                started = event.activity_task_started_event_attributes
                if f'"{target}"' in scheduled.get(started.scheduled_event_id, ""):
                    attempts.append(started.attempt)
    return attempts


def test_a_card_deleted_mid_run_fails_its_target_once_without_retries(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(settings(tmp_path, latency=2.0)) as c:
            tenant = c.tenancy.create_tenant("Acme").tenant.id
            project = c.projects.create_project(as_owner(tenant), ProjectIn(name="Spot")).value.id
            cards = [
                c.projects.create_card(
                    as_owner(tenant), project, CardIn(kind=CardKind.PROP, name=name)
                ).value.id
                for name in ("Shoe", "Hat")
            ]
            sheets = [t for t in c.sync.plan(as_owner(tenant), project).targets if t.startswith("card/")]
            kept, doomed = (t.split("/")[1] for t in sheets)
            c.projects.create_shot(as_owner(tenant), project, ShotIn(description="a shoe", cards=[kept]))
            run = await c.sync.start_run(as_owner(tenant), project)  # one target at a time, sheets first
            await wait_for_event(c, "generation.started", sheets[0])
            card = c.projects.get_card(as_owner(tenant), project, doomed)
            c.projects.delete_card(as_owner(tenant), project, doomed, card.revision)

            ended = await c.sync.wait(as_owner(tenant), run.id)
            outcomes = {t.target: t for t in c.sync.outcomes(as_owner(tenant), run.id)}
            assert outcomes[sheets[1]].state == "failed"
            assert "no card" in outcomes[sheets[1]].detail
            assert ended.status is RunStatus.FAILED
            assert await activity_attempts(c, run.workflow_id or "", sheets[1]) == [1]
            assert await activity_attempts(c, run.workflow_id or "", sheets[0]) == [1]
            assert sorted(cards) == sorted([kept, doomed])

    asyncio.run(scenario())
