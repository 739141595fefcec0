"""The data-sync agent end to end on the session's Temporal dev server: the consumer reads the change
feed, the per-project workflow debounces, decides, and starts runs or waits for approval.

Nothing here waits for a time to pass: every wait polls a condition (with a generous limit), and
"nothing more happens" is checked once the consumer's position has passed every edit and the
project's agent workflow has completed, after which no decision can come.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from craftology.agents.datasync.consumer import ChangeConsumer, signal
from craftology.agents.datasync.feed import ActivityEntry
from craftology.agents.datasync.messages import agent_workflow_id
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.controlplane.runs import RunStatus
from craftology.identity.principal import Role
from craftology.projects.models import CardIn, CardKind, ProjectIn, ProjectSettings
from craftology.runtime import periodic_passes
from craftology.workflows.devserver import EmbeddedTemporal
from tests.principals import as_owner, member

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
WITHIN = 120.0
NO_LIMIT = 1_000_000.0


def settings(data_dir: Path, server: EmbeddedTemporal, queue: str) -> Settings:
    s = Settings(data_dir=data_dir)
    s.temporal.address = server.address
    s.temporal.task_queue = queue
    s.data_sync.interval_seconds = 0.2
    s.data_sync.quiet_seconds = 3.0  # far longer than the tests' bursts take
    s.data_sync.max_wait_seconds = 60.0
    return s


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WITHIN
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached: {what}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def platform(c: Container) -> AsyncIterator[Container]:
    """One platform process: the periodic passes (the agent's consumer among them) and a worker."""
    async with periodic_passes(c), c.sync_worker():
        yield c


def new_project(c: Container, tenant: str, *, auto_sync: bool, threshold: float) -> tuple[str, str]:
    owner = as_owner(tenant)
    project_settings = ProjectSettings(auto_sync=auto_sync, approval_threshold=threshold)
    project = c.projects.create_project(owner, ProjectIn(name="Spot", settings=project_settings)).value.id
    card = c.projects.create_card(owner, project, CardIn(kind=CardKind.CHARACTER, name="Mia")).value.id
    return project, card


async def burst_of_edits(c: Container, tenant: str, project: str, card: str, count: int = 5) -> int:
    """`count` edits of the card's hair, a little apart (so the consumer's passes see them one by
    one); the feed's head after them."""
    for n in range(count):
        patch = {"attributes": {"appearance": {"hair": f"colour {n}"}}}
        c.projects.update_card(as_owner(tenant), project, card, patch, None)
        await asyncio.sleep(0.1)
    return c.metadata.head(tenant)


def feed(c: Container, tenant: str, project: str) -> list[ActivityEntry]:
    return c.sync_agent.feed(as_owner(tenant), project, None, 200)[0]


async def settled(c: Container, tenant: str, project: str, head: int) -> int:
    """Waits until the consumer has passed `head` and the project's agent workflow has ended; its
    result (the last seq it decided on)."""
    await eventually(lambda: c.agent_positions.get(tenant) >= head, "the consumer read every edit")
    handle = (await c.temporal()).get_workflow_handle(agent_workflow_id(tenant, project))
    async with asyncio.timeout(WITHIN):
        result: int = await handle.result()
    return result


def test_a_burst_of_edits_makes_one_plan_and_one_run(
    tmp_path: Path, temporal_server: EmbeddedTemporal, task_queue: str
) -> None:
    async def scenario() -> None:
        c = build_container(settings(tmp_path / "data", temporal_server, task_queue))
        try:
            async with platform(c):
                tenant = c.tenancy.create_tenant("Acme").tenant.id
                project, card = new_project(c, tenant, auto_sync=True, threshold=NO_LIMIT)
                head = await burst_of_edits(c, tenant, project, card)
                assert await settled(c, tenant, project, head) == head
                (entry,) = feed(c, tenant, project)
                assert entry.kind == "run_started"
                assert entry.actor == "sync-agent"
                assert f"started run {entry.run_id}" in entry.message
                assert any(f"card/{card}/sheet" in cause for cause in entry.causes)
                (run,) = c.runs.list(tenant, project)
                assert run.id == entry.run_id
                finished = await c.sync.wait(as_owner(tenant), run.id)
                assert finished.status is RunStatus.SUCCEEDED
                # The run's own writes (targets, assets) are not edits: once the consumer passed
                # them, still one decision and one run.
                await settled(c, tenant, project, c.metadata.head(tenant))
                assert len(feed(c, tenant, project)) == 1
                assert len(c.runs.list(tenant, project)) == 1
        finally:
            c.close()

    asyncio.run(scenario())


def test_a_plan_above_the_threshold_waits_and_an_approval_starts_it_as_the_approver(
    tmp_path: Path, temporal_server: EmbeddedTemporal, task_queue: str
) -> None:
    async def scenario() -> None:
        c = build_container(settings(tmp_path / "data", temporal_server, task_queue))
        try:
            async with platform(c):
                tenant = c.tenancy.create_tenant("Acme").tenant.id
                project, card = new_project(c, tenant, auto_sync=True, threshold=0.001)
                head = await burst_of_edits(c, tenant, project, card, count=2)
                await settled(c, tenant, project, head)
                (waiting,) = feed(c, tenant, project)
                assert waiting.status == "waiting"
                assert waiting.cost is not None
                assert waiting.cost > 0.001
                assert "waiting for approval" in waiting.message
                assert c.runs.list(tenant, project) == []
                editor = member(tenant, Role.EDITOR)
                note = await c.sync_agent.approve(editor, project, waiting.id)
                (run,) = c.runs.list(tenant, project)
                assert note.run_id == run.id
                assert note.actor == editor.user_id
                assert (await c.sync.wait(editor, run.id)).status is RunStatus.SUCCEEDED
                approved, approval = feed(c, tenant, project)
                assert approved.id == waiting.id
                assert approved.status == "approved"
                assert approved.approved_by == editor.user_id
                assert approval.id == note.id
                assert approval.approval_of == waiting.id
        finally:
            c.close()

    asyncio.run(scenario())


def test_auto_sync_off_does_nothing(
    tmp_path: Path, temporal_server: EmbeddedTemporal, task_queue: str
) -> None:
    async def scenario() -> None:
        c = build_container(settings(tmp_path / "data", temporal_server, task_queue))
        try:
            async with platform(c):
                tenant = c.tenancy.create_tenant("Acme").tenant.id
                project, card = new_project(c, tenant, auto_sync=False, threshold=NO_LIMIT)
                head = await burst_of_edits(c, tenant, project, card)
                await eventually(lambda: c.agent_positions.get(tenant) >= head, "the consumer read the edits")
                handle = (await c.temporal()).get_workflow_handle(agent_workflow_id(tenant, project))
                with pytest.raises(RPCError) as missing:
                    await handle.describe()
                assert missing.value.status is RPCStatusCode.NOT_FOUND
                assert feed(c, tenant, project) == []
                assert c.runs.list(tenant, project) == []
        finally:
            c.close()

    asyncio.run(scenario())


def test_two_processes_signalling_the_same_edits_trigger_once(
    tmp_path: Path, temporal_server: EmbeddedTemporal, task_queue: str
) -> None:
    """Both processes' consumers read the edits before either advanced the shared position, so both
    signal them; one of them signals again after the workflow ended (a redelivery). One decision."""

    async def scenario() -> None:
        s = settings(tmp_path / "data", temporal_server, task_queue)
        one, two = build_container(s), build_container(s)
        try:
            async with one.sync_worker():  # the worker runs in the first process only
                tenant = one.tenancy.create_tenant("Acme").tenant.id
                project, card = new_project(one, tenant, auto_sync=True, threshold=NO_LIMIT)
                head = await burst_of_edits(one, tenant, project, card)

                def consumer(c: Container) -> ChangeConsumer:
                    return ChangeConsumer(c.metadata, c.agent_positions, lambda: [tenant])

                scans = [consumer(c).scan() for c in (one, two)]
                assert scans[0] == scans[1]
                assert [e.project_id for e in scans[0].edited] == [project]
                clients: list[Client] = [await one.temporal(), await two.temporal()]
                for client, scan in zip(clients, scans, strict=True):
                    await signal(client, task_queue, s.data_sync, scan.edited[0])
                    consumer(one).advance(scan.heads)
                assert await settled(one, tenant, project, head) == head
                await signal(clients[1], task_queue, s.data_sync, scans[1].edited[0])  # late, again
                assert await settled(two, tenant, project, head) == head
                (entry,) = feed(two, tenant, project)
                assert entry.kind == "run_started"
                assert [run.id for run in two.runs.list(tenant, project)] == [entry.run_id]
        finally:
            one.close()
            two.close()

    asyncio.run(scenario())
