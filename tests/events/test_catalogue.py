"""The event-type catalogue is the whole story: code emits no type that is not in it, with exactly the
data fields it declares. Checked on every event that real flows publish (derived from the catalogue,
never from a list kept in this test)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from craftology.assets.acceptance import accepted_blob
from craftology.assets.curation import Curation
from craftology.config import Settings
from craftology.errors import BadInput
from craftology.events.catalogue import CATALOGUE, TYPES, check_event, new_event
from craftology.projects.models import ReviewMode
from craftology.runtime import running
from craftology.workflows.models import GENERATED, SKIPPED
from tests.principals import as_owner

from .conftest import Recording, Shop, build_shop


def test_every_entry_is_described_and_identified_by_its_own_fields() -> None:
    assert len(CATALOGUE) == len(TYPES)  # no name twice
    for event_type in TYPES:
        assert event_type.meaning.strip(), event_type.name
        assert set(event_type.identity) <= set(event_type.data), event_type.name
        assert not set(event_type.optional) & set(event_type.data), event_type.name


def test_new_event_refuses_what_the_catalogue_does_not_declare() -> None:
    with pytest.raises(BadInput, match="not in the catalogue"):
        new_event("target.exploded", "tests", "acme", "card/c/sheet", {})
    with pytest.raises(BadInput, match="lacks revision"):
        new_event("target.pinned", "tests", "acme", "card/c/sheet", {"project_id": "p"})
    with pytest.raises(BadInput, match="undeclared fields colour"):
        new_event(
            "target.pinned", "tests", "acme", "card/c/sheet", {"project_id": "p", "revision": 1, "colour": 1}
        )


def test_what_runs_and_curation_publish_is_all_in_the_catalogue(shop: Shop) -> None:
    recording = Recording(shop.c.events)
    shop.c.executor = replace(shop.c.executor, events=recording)
    curation = Curation(shop.c.metadata, shop.c.assets, recording, shop.c.engines, shop.c.access.policy)
    tasks = [shop.task(item.target) for item in shop.c.sync.plan(as_owner(shop.tenant), shop.project).items]
    for task in tasks:
        assert shop.execute(task).status == GENERATED
    assert shop.execute(tasks[0]).status == SKIPPED  # a retried activity
    curation.pin(as_owner(shop.tenant), shop.project, shop.sheet, pinned=True)
    curation.pin(as_owner(shop.tenant), shop.project, shop.sheet, pinned=False)
    curation.set_seed(as_owner(shop.tenant), shop.project, shop.sheet, 42)
    sheet_png = accepted_blob(shop.c.metadata, shop.c.assets, shop.tenant, shop.sheet)
    curation.upload(as_owner(shop.tenant), shop.project, shop.sheet, [sheet_png], "image/png")
    project = shop.c.projects.get_project(as_owner(shop.tenant), shop.project)
    settings = project.value.settings.model_copy(update={"review_mode": ReviewMode.REVIEW})
    shop.c.projects.update_project(
        as_owner(shop.tenant), shop.project, {"settings": settings.model_dump(mode="json")}, project.revision
    )
    curation.set_seed(as_owner(shop.tenant), shop.project, shop.sheet, 7)
    candidate = shop.run(shop.sheet)  # review mode: stored, not accepted
    curation.accept(as_owner(shop.tenant), shop.project, shop.sheet, candidate.asset_id or "")
    assert recording.seen  # and each one passed check_event as it was published
    for delivered in shop.c.events.read(limit=10_000):
        check_event(delivered.event)


@pytest.mark.temporal
@pytest.mark.slow
def test_a_sync_run_on_temporal_publishes_only_catalogued_events(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.temporal.embedded_port = 0

    async def scenario() -> None:
        async with running(settings) as c:
            shop = build_shop(c)
            run = await c.sync.start_run(as_owner(shop.tenant), shop.project)
            await c.sync.wait(as_owner(shop.tenant), run.id)
            types: set[str] = set()
            for delivered in c.events.read(limit=10_000):
                check_event(delivered.event)
                types.add(delivered.event.type)
            assert {"run.started", "run.finished", "target.generated"} <= types

    asyncio.run(scenario())
