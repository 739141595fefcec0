"""The data-sync agent's decisions that start no run, its activity feed and the feed's routes, on a
real container (embedded stores, no Temporal: nothing here may start a run)."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import ValidationError

from craftology.agents.datasync.feed import ActivityEntry, new_entry, put_new
from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.errors import Conflict, Forbidden, NotFound
from craftology.identity.principal import Role
from craftology.projects.models import CardIn, CardKind, ProjectIn, ProjectSettings, ShotIn
from tests.principals import as_owner, member

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient


@dataclass
class World:
    c: Container
    tenant: str
    token: str
    project: str
    card: str


def settings_with(**fields: object) -> ProjectSettings:
    return ProjectSettings.model_validate(fields)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    c = build_container(Settings(data_dir=tmp_path / "data"))
    created = c.tenancy.create_tenant("Acme")
    tenant = created.tenant.id
    owner = as_owner(tenant)
    project_in = ProjectIn(name="Spot", settings=settings_with(auto_sync=True, approval_threshold=0.001))
    project = c.projects.create_project(owner, project_in).value.id
    card = c.projects.create_card(owner, project, CardIn(kind=CardKind.CHARACTER, name="Mia")).value.id
    c.projects.create_shot(owner, project, ShotIn(description="Mia runs", cards=[card]))
    yield World(c, tenant, created.token, project, card)
    c.close()


def feed(w: World) -> list[ActivityEntry]:
    return w.c.sync_agent.feed(as_owner(w.tenant), w.project, None, 200)[0]


def test_a_plan_above_the_threshold_waits_for_approval_and_a_decided_seq_is_not_decided_again(
    world: World,
) -> None:
    head = world.c.metadata.head(world.tenant)
    done = asyncio.run(world.c.sync_agent.decide(world.tenant, world.project, head))
    assert done == "waiting_for_approval"
    (entry,) = feed(world)
    assert entry.status == "waiting"
    assert entry.run_id is None
    assert entry.targets > 0
    assert entry.cost is not None
    assert entry.cost > 0.001
    assert any("MISSING" in cause for cause in entry.causes)
    assert "waiting for approval" in entry.message
    assert f"{entry.cost:.2f} > threshold" in entry.message
    assert world.c.runs.list(world.tenant, world.project) == []
    # The same edits signalled again (another process, a new workflow execution): nothing new.
    assert asyncio.run(world.c.sync_agent.decide(world.tenant, world.project, head)) == "already handled"
    assert len(feed(world)) == 1


def test_auto_sync_off_decides_nothing(world: World) -> None:
    owner = as_owner(world.tenant)
    world.c.projects.update_project(owner, world.project, {"settings": {"auto_sync": False}}, None)
    head = world.c.metadata.head(world.tenant)
    assert asyncio.run(world.c.sync_agent.decide(world.tenant, world.project, head)) == "auto_sync is off"
    assert feed(world) == []


def test_settings_default_to_off_and_refuse_a_bad_threshold() -> None:
    assert ProjectSettings().auto_sync is False
    for bad in (-1, float("inf"), "lots"):
        with pytest.raises(ValidationError):
            settings_with(auto_sync=True, approval_threshold=bad)


def seed_feed(w: World, count: int, status: str = "done") -> list[str]:
    ids = []
    for n in range(count):
        entry = new_entry(w.project, actor="sync-agent", kind="up_to_date", status=status,
                          message=f"entry {n}", targets=0)  # fmt: skip
        w.c.metadata.commit(w.tenant, [put_new(entry)])
        ids.append(entry.id)
    return ids


def test_the_feed_reads_back_in_order_page_by_page_over_the_api(world: World) -> None:
    ids = seed_feed(world, 3)
    other = world.c.tenancy.create_tenant("Other").token
    with TestClient(build_api(world.c), raise_server_exceptions=False) as client:
        url = f"/v1/projects/{world.project}/activity"
        auth = {"Authorization": f"Bearer {world.token}"}
        first = client.get(url, params={"limit": 2}, headers=auth)
        assert first.status_code == 200, first.text
        body = first.json()
        assert [item["id"] for item in body["items"]] == ids[:2]
        assert 'rel="next"' in first.headers["link"]
        rest = client.get(url, params={"limit": 2, "cursor": body["next_cursor"]}, headers=auth).json()
        assert [item["id"] for item in rest["items"]] == ids[2:]
        assert rest["next_cursor"] is None
        assert [item["message"] for item in body["items"] + rest["items"]] == [
            "entry 0",
            "entry 1",
            "entry 2",
        ]
        # Another tenant neither reads the feed nor approves in it.
        foreign = {"Authorization": f"Bearer {other}"}
        assert client.get(url, headers=foreign).status_code == 404
        assert client.post(f"{url}/{ids[0]}/approve", headers=foreign).status_code == 404
        # An entry that waits for nothing cannot be approved; an unknown one is not there.
        refused = client.post(f"{url}/{ids[0]}/approve", headers=auth)
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert client.post(f"{url}/a0000/approve", headers=auth).status_code == 404


def test_a_viewer_reads_the_feed_but_may_not_approve(world: World) -> None:
    (waiting,) = seed_feed(world, 1, status="waiting")
    viewer = member(world.tenant, Role.VIEWER)
    assert [e.id for e in world.c.sync_agent.feed(viewer, world.project, None, 10)[0]] == [waiting]
    with pytest.raises(NotFound):
        world.c.sync_agent.feed(viewer, "no-such-project", None, 10)
    with pytest.raises(Forbidden):
        asyncio.run(world.c.sync_agent.approve(viewer, world.project, waiting))
    assert feed(world)[0].status == "waiting"


def test_approving_an_entry_of_another_project_is_not_found(world: World) -> None:
    (waiting,) = seed_feed(world, 1, status="waiting")
    owner = as_owner(world.tenant)
    elsewhere = world.c.projects.create_project(owner, ProjectIn(name="Else")).value.id
    with pytest.raises(NotFound):
        asyncio.run(world.c.sync_agent.approve(owner, elsewhere, waiting))
    done = seed_feed(world, 1)[0]
    with pytest.raises(Conflict):
        asyncio.run(world.c.sync_agent.approve(owner, world.project, done))


def test_a_newer_decision_supersedes_a_plan_still_waiting(world: World) -> None:
    agent, owner = world.c.sync_agent, as_owner(world.tenant)
    assert asyncio.run(agent.decide(world.tenant, world.project, world.c.metadata.head(world.tenant))) == (
        "waiting_for_approval"
    )
    world.c.projects.update_card(owner, world.project, world.card, {"attributes": {"age": "40"}}, None)
    assert asyncio.run(agent.decide(world.tenant, world.project, world.c.metadata.head(world.tenant))) == (
        "waiting_for_approval"
    )
    older, newer = feed(world)
    assert older.status == "superseded"
    assert older.superseded_by == newer.id
    assert newer.status == "waiting"
    with pytest.raises(Conflict):
        asyncio.run(agent.approve(owner, world.project, older.id))
