"""A container over real embedded stores in a temporary data dir (no Temporal: activities are called
directly), with generators that count their calls."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.generation.preview import preview_generators
from craftology.ports.generator import GenerationRequest, Generator, Media
from craftology.projects.models import CardIn, CardKind, ProjectIn, ShotIn
from tests.pg_server import fresh_postgres_db, postgres_url  # noqa: F401
from tests.principals import as_owner


class CountingGenerator:
    """Wraps a real preview generator and counts calls per request subject."""

    def __init__(self, inner: Generator, calls: Counter[str]) -> None:
        self.model_id = inner.model_id
        self.version = inner.version
        self._inner = inner
        self._calls = calls

    def generate(self, request: GenerationRequest) -> Media:
        self._calls[self.model_id] += 1
        return self._inner.generate(request)


@dataclass
class World:
    c: Container
    calls: Counter[str]
    tenant: str
    project: str
    mia: str
    park: str
    shots: list[str]


CONTROL_PLANES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=CONTROL_PLANES)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The product path over both control-plane engines (tenants, tokens, registry on PostgreSQL too)."""
    calls: Counter[str] = Counter()
    generators = {g.model_id: CountingGenerator(g, calls) for g in preview_generators().values()}
    settings = Settings(data_dir=tmp_path / "data")
    if request.param == "postgres":
        settings.database.url = request.getfixturevalue("fresh_postgres_db")
    c = build_container(settings, generators)  # type: ignore[arg-type]
    created = c.tenancy.create_tenant("Acme")
    tenant = created.tenant.id
    assert c.tenancy.authenticate(created.token) == tenant
    project = c.projects.create_project(as_owner(tenant), ProjectIn(name="Spot")).value.id
    mia = c.projects.create_card(
        as_owner(tenant),
        project,
        CardIn(
            kind=CardKind.CHARACTER,
            name="Mia",
            attributes={"appearance": {"hair": "brown"}, "backstory": "x"},
        ),
    ).value.id
    park = c.projects.create_card(
        as_owner(tenant),
        project,
        CardIn(kind=CardKind.LOCATION, name="Park", attributes={"time_of_day": "dusk"}),
    ).value.id
    shots = [
        c.projects.create_shot(
            as_owner(tenant), project, ShotIn(description="Mia runs", cards=[mia, park])
        ).value.id,
        c.projects.create_shot(
            as_owner(tenant), project, ShotIn(description="The park", cards=[park])
        ).value.id,
    ]
    yield World(c, calls, tenant, project, mia, park, shots)
    c.close()
