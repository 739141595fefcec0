"""The data-sync agent's consumer over real stores (no Temporal): what it signals and where it stands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from craftology.agents.datasync.consumer import ChangeConsumer, Edited
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.ports.metadata import Put
from craftology.projects.models import CardIn, CardKind, ProjectIn, ProjectSettings
from tests.principals import as_owner


@pytest.fixture
def c(tmp_path: Path) -> Iterator[Container]:
    container = build_container(Settings(data_dir=tmp_path / "data"))
    yield container
    container.close()


def test_it_signals_edits_of_auto_sync_projects_once_and_ignores_other_writes(c: Container) -> None:
    tenant = c.tenancy.create_tenant("Acme").tenant.id
    owner = as_owner(tenant)
    consumer = ChangeConsumer(c.metadata, c.agent_positions, lambda: [tenant])
    on = c.projects.create_project(owner, ProjectIn(name="On", settings=ProjectSettings(auto_sync=True)))
    c.projects.create_project(owner, ProjectIn(name="Off"))
    card = c.projects.create_card(owner, on.value.id, CardIn(kind=CardKind.PROP, name="Shoe")).value.id
    head = c.metadata.head(tenant)
    scan = consumer.scan()
    assert scan.edited == [Edited(tenant, on.value.id, head)]
    assert scan.heads == {tenant: head}
    assert consumer.scan() == scan  # not advanced yet: read again (the signals were not sent)
    consumer.advance(scan.heads)
    assert consumer.scan().edited == []
    # What a run writes (targets, assets) is not an edit: the position moves on, nothing is signalled.
    c.metadata.commit(
        tenant, [Put("targets", "t1", {"target": f"card/{card}/sheet"}, project_id=on.value.id)]
    )
    later = consumer.scan()
    assert later.edited == []
    assert later.heads == {tenant: c.metadata.head(tenant)}


def test_the_position_never_moves_back(c: Container) -> None:
    tenant = c.tenancy.create_tenant("Acme").tenant.id
    positions = c.agent_positions
    assert positions.get(tenant) == 0
    positions.advance(tenant, 7)
    positions.advance(tenant, 3)  # a slower process that read less
    assert positions.get(tenant) == 7
    positions.advance(tenant, 9)
    assert positions.get(tenant) == 9
