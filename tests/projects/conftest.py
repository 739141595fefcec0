from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.projects.changes import Change
from craftology.projects.models import CardIn, CardKind, ProjectIn
from craftology.projects.service import ProjectService
from tests.principals import as_owner, default_policy

TENANT = "acme"
OTHER = "globex"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteMetadataStore]:
    metadata = SqliteMetadataStore(tmp_path / "tenants")
    metadata.provision(TENANT)
    metadata.provision(OTHER)
    yield metadata
    metadata.close()


@pytest.fixture
def changes() -> list[Change]:
    return []


@pytest.fixture
def service(store: SqliteMetadataStore, changes: list[Change]) -> ProjectService:
    return ProjectService(store, default_policy(), listeners=[changes.append])


@pytest.fixture
def project_id(service: ProjectService) -> str:
    return service.create_project(
        as_owner(TENANT), ProjectIn(name="Trail Shoes Ad", brief="30 seconds")
    ).value.id


def add_card(service: ProjectService, project_id: str, name: str = "Mia") -> str:
    card = CardIn(kind=CardKind.CHARACTER, name=name, attributes={"appearance": {"hair": "brown"}})
    return service.create_card(as_owner(TENANT), project_id, card).value.id
