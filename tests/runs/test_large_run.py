"""Plans of any size: a 10,000-shot project's first sync (over 20,000 targets) starts on the embedded
Temporal, although its plan is far larger than a Temporal payload may be. The workflow receives only
ids; the plan is stored in the control plane.

Regression: the plan used to travel in the workflow input (~3.7 MB here), over Temporal's 2 MB limit:
the start failed with "Blob data size exceeds limit" and the run stayed planned, blocking the project.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from craftology.config import Settings
from craftology.container import Container
from craftology.controlplane.run_tasks import TaskState
from craftology.controlplane.runs import RunStatus
from craftology.ports.generator import GenerationRequest, Generator, Media
from craftology.ports.metadata import Put
from craftology.projects.models import CardIn, CardKind, ProjectIn, Shot
from craftology.registry.preview import PREVIEW_MODELS
from craftology.runtime import running
from tests.principals import as_owner

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

SHOTS = 10_000
CARDS = 50


class NoopGenerator:
    def __init__(self, model_id: str, version: str) -> None:
        self.model_id = model_id
        self.version = version

    def generate(self, request: GenerationRequest) -> Media:
        return Media(b"noop", "image/png", {"model": self.model_id})


def large_project(c: Container, tenant: str) -> str:
    """SHOTS shots over CARDS cards, committed in bulk straight to the store (valid by construction)."""
    project = c.projects.create_project(as_owner(tenant), ProjectIn(name="large")).value
    cards = [
        c.projects.create_card(
            as_owner(tenant), project.id, CardIn(kind=CardKind.PROP, name=f"prop {n}")
        ).value.id
        for n in range(CARDS)
    ]
    puts = []
    for order in range(SHOTS):
        refs = list(dict.fromkeys(cards[(order * k) % CARDS] for k in range(1, 2 + order % 3)))
        shot = Shot(
            id=f"shot-{order}", project_id=project.id, order=order, description=f"shot {order}", cards=refs
        )
        puts.append(Put("shots", shot.id, shot.model_dump(mode="json"), project_id=project.id))
    for start in range(0, len(puts), 1000):
        c.metadata.commit(tenant, puts[start : start + 1000])
    c.metadata.commit(tenant, [Put("shot_sequences", project.id, {"count": SHOTS}, project.id)])
    return project.id


def test_a_ten_thousand_shot_first_sync_starts_with_a_payload_of_ids(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.temporal.embedded_port = 0
    generators: dict[str, Generator] = {m.id: NoopGenerator(m.id, m.version) for m in PREVIEW_MODELS}

    async def scenario() -> None:
        async with running(settings, generators=generators) as c:
            tenant = c.tenancy.create_tenant("Bigco").tenant.id
            project = await asyncio.to_thread(large_project, c, tenant)
            run = await c.sync.start_run(as_owner(tenant), project)
            assert run.plan_size == CARDS + 2 * SHOTS + 1
            rows = await asyncio.to_thread(c.sync.outcomes, as_owner(tenant), run.id)
            assert len(rows) == run.plan_size
            assert rows[-1].target == f"project/{project}/cut"

            client = await c.temporal()
            history = await client.get_workflow_handle(run.workflow_id or "").fetch_history()
            started = history.events[0].workflow_execution_started_event_attributes
            assert sum(len(p.data) for p in started.input.payloads) < 400  # ids, not the plan

            async with asyncio.timeout(120):
                while c.runs.get(tenant, run.id).done < 10:  # noqa: ASYNC110 (written by the worker)
                    await asyncio.sleep(0.2)
            await c.sync.cancel_run(as_owner(tenant), run.id)
            ended = await c.sync.wait(as_owner(tenant), run.id)
            assert ended.status is RunStatus.CANCELLED
            done = await asyncio.to_thread(c.sync.outcomes, as_owner(tenant), run.id)
            assert sum(1 for row in done if row.state is TaskState.GENERATED) == ended.generated >= 10

    asyncio.run(scenario())
