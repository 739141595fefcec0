"""A container over real embedded stores (no Temporal: activities are called directly), a small
project in it, and helpers to read what reached the event log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from craftology.assets.curation import Curation
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.events.catalogue import check_event
from craftology.policy.agent import AUDIT_EVENT
from craftology.ports.events import Event, EventPublisher
from craftology.projects.models import CardIn, CardKind, ProjectIn, ShotIn
from craftology.workflows.models import TargetActivityInput, TargetOutcome
from tests.principals import as_owner


@dataclass
class Shop:
    c: Container
    curation: Curation
    tenant: str
    project: str
    card: str
    shot: str

    @property
    def sheet(self) -> str:
        return f"card/{self.card}/sheet"

    def task(self, target: str, run_id: str = "run-1") -> TargetActivityInput:
        """The activity input a run planned now would give `target`."""
        plan = self.c.sync.plan(as_owner(self.tenant), self.project)
        digest = next(item.inputs_digest for item in plan.items if item.target == target)
        return TargetActivityInput(self.tenant, self.project, run_id, target, digest)

    def execute(self, task: TargetActivityInput) -> TargetOutcome:
        return self.c.executor.run(task, _quiet)

    def run(self, target: str, run_id: str = "run-1") -> TargetOutcome:
        return self.execute(self.task(target, run_id))

    def logged(self, kind: str | None = None) -> list[Event]:
        """Every event of this tenant in the log (of `kind`), oldest first. Without a kind, the policy
        agent's audit events are left out: the services ask the policy, which samples allows at random."""
        return [d.event for d in self.c.events.read(limit=10_000)
                if d.event.tenant == self.tenant and kind in (None, d.event.type)
                and (kind is not None or d.event.type != AUDIT_EVENT)]  # fmt: skip

    def outbox(self) -> list[str]:
        return [entry.id for entry in self.c.metadata.outbox(self.tenant, limit=1000)]


def _quiet(_detail: str) -> None:
    pass


class Recording:
    """A publisher that checks every event against the catalogue, then passes it on."""

    def __init__(self, inner: EventPublisher) -> None:
        self.inner = inner
        self.seen: list[Event] = []

    def publish(self, event: Event) -> None:
        check_event(event)  # an uncatalogued type or undeclared data fails the test that emitted it
        self.seen.append(event)
        self.inner.publish(event)

    def close(self) -> None:
        self.inner.close()


def build_shop(c: Container) -> Shop:
    tenant = c.tenancy.create_tenant("Acme").tenant.id
    project = c.projects.create_project(as_owner(tenant), ProjectIn(name="Spot")).value.id
    card = c.projects.create_card(as_owner(tenant), project, CardIn(kind=CardKind.PROP, name="Shoe")).value.id
    shot = c.projects.create_shot(
        as_owner(tenant), project, ShotIn(description="a shoe", cards=[card])
    ).value.id
    return Shop(
        c, Curation(c.metadata, c.assets, c.events, c.engines, c.access.policy), tenant, project, card, shot
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def shop(settings: Settings) -> Iterator[Shop]:
    c = build_container(settings)
    yield build_shop(c)
    c.close()
