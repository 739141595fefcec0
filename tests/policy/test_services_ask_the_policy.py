"""The services ask the policy themselves: whoever calls them (a route, an MCP tool, an agent, a CLI)
is checked by the same code, and a resource's tenant is the policy's to judge, never assumed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.controlplane.runs import RunSummary
from craftology.controlplane.types import utc_now
from craftology.errors import Forbidden, NotFound
from craftology.identity.principal import Principal, Role, Scope, system_principal
from craftology.ports.policy import Resource
from craftology.projects.models import CardIn, CardKind, ProjectIn, ShotIn
from craftology.sync.targets import sheet_target
from tests.principals import member


@pytest.fixture
def c(tmp_path: Path) -> Iterator[Container]:
    container = build_container(Settings(data_dir=tmp_path / "data"))
    for name in ("acme", "globex"):
        container.tenancy.create_tenant(name.title(), tenant_id=name)
    yield container
    container.close()


@pytest.fixture
def board(c: Container) -> tuple[str, str, str]:
    owner = member("acme")
    project = c.projects.create_project(owner, ProjectIn(name="Spot")).value.id
    card = c.projects.create_card(owner, project, CardIn(kind=CardKind.PROP, name="Shoe")).value.id
    shot = c.projects.create_shot(owner, project, ShotIn(description="a shoe", cards=[card])).value.id
    return project, card, shot


def test_a_viewer_reads_but_every_write_is_refused_and_writes_nothing(
    c: Container, board: tuple[str, str, str]
) -> None:
    project, card, shot = board
    viewer = member("acme", Role.VIEWER)
    head = c.metadata.head("acme")
    assert c.projects.get_project(viewer, project).value.name == "Spot"
    assert [s.value.id for s in c.projects.list_shots(viewer, project).items] == [shot]
    assert c.sync.plan(viewer, project).items  # planning is a read: nothing is spent
    writes = [
        lambda: c.projects.create_project(viewer, ProjectIn(name="Mine")),
        lambda: c.projects.update_project(viewer, project, {"name": "Renamed"}, None),
        lambda: c.projects.delete_project(viewer, project, None),
        lambda: c.projects.create_card(viewer, project, CardIn(kind=CardKind.PROP, name="Hat")),
        lambda: c.projects.update_card(viewer, project, card, {"name": "Boot"}, None),
        lambda: c.projects.delete_card(viewer, project, card, None),
        lambda: c.projects.create_shot(viewer, project, ShotIn(description="more")),
        lambda: c.projects.update_shot(viewer, project, shot, {"description": "less"}, None),
        lambda: c.projects.delete_shot(viewer, project, shot, None),
        lambda: c.projects.reorder_shots(viewer, project, [shot]),
        lambda: c.curation.pin(viewer, project, sheet_target(card), True),
        lambda: c.curation.set_seed(viewer, project, sheet_target(card), 7),
        lambda: c.sync.new_run(viewer, project, "r1", RunSummary()),
    ]
    for write in writes:
        with pytest.raises(Forbidden):
            write()
    assert c.metadata.head("acme") == head


def test_a_token_does_only_what_its_scopes_allow(c: Container, board: tuple[str, str, str]) -> None:
    project, _, _ = board
    reader = Principal("acme", "bot", frozenset({Role.OWNER}), scopes=frozenset({Scope.READ}))
    assert c.projects.get_project(reader, project).value.id == project
    with pytest.raises(Forbidden):
        c.projects.update_project(reader, project, {"name": "Renamed"}, None)
    writer = Principal("acme", "bot", frozenset({Role.OWNER}), scopes=frozenset({Scope.READ, Scope.WRITE}))
    c.projects.update_project(writer, project, {"name": "Renamed"}, None)
    with pytest.raises(Forbidden):  # spending needs the generate scope
        c.sync.new_run(writer, project, "r1", RunSummary())


def test_another_tenant_is_not_assumed_to_be_the_callers(c: Container, board: tuple[str, str, str]) -> None:
    """A member of globex naming acme's project: not found (its existence is not revealed), until
    acme grants globex read access; even then nothing may be written."""
    project, card, _ = board
    outsider = member("globex")
    with pytest.raises(NotFound):
        c.projects.get_project(outsider, project)  # in its own tenant there is no such project
    with pytest.raises(NotFound):
        c.projects.get_project(outsider, project, tenant="acme")
    with pytest.raises(NotFound):
        c.projects.load_project(outsider, project, tenant="acme")

    c.access.grants.grant("acme", "globex", "Project", project, utc_now() + timedelta(hours=1))
    assert c.projects.get_project(outsider, project, tenant="acme").value.name == "Spot"
    assert c.projects.get_card(outsider, project, card, tenant="acme").value.name == "Shoe"
    assert [r.revision for r in c.projects.history(outsider, "projects", project, tenant="acme")] == [1]
    with pytest.raises(NotFound):  # writes act in the caller's own tenant, where it has no such project
        c.projects.create_card(outsider, project, CardIn(kind=CardKind.PROP, name="Hat"))
    # The grant lends read access only: the policy refuses any other action on acme's resources.
    refused = c.access.policy.decide(outsider, "update_project", Resource("Project", project, "acme"))
    assert not refused.allowed
    # A viewer of globex reads the granted project too; a grant never lends another tenant's rights.
    assert c.projects.get_project(member("globex", Role.VIEWER), project, tenant="acme").value.id == project


def test_the_platform_acts_for_a_tenant_through_the_same_checks(
    c: Container, board: tuple[str, str, str]
) -> None:
    """Workers and the operator's CLI pass the system principal: the policy allows it its own tenant
    and nothing else."""
    project, _, _ = board
    assert c.projects.get_project(system_principal("acme"), project).value.id == project
    with pytest.raises(NotFound):
        c.projects.get_project(system_principal("globex"), project, tenant="acme")
