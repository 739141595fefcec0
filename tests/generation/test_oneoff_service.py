"""OneOffGeneration asks the policy itself (no gateway in front): to spend on the project, to write an
asset there and to use the model, whose params may say who uses it. A refusal stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.errors import Forbidden
from craftology.generation.oneoff import OneOffGeneration
from craftology.generation.preview import PreviewKeyframeGenerator, preview_generators
from craftology.identity.principal import Principal, Role, Scope
from craftology.projects.models import ProjectIn
from craftology.registry.models import ModelKind
from tests.principals import as_owner, member

STUDIO = "studio-keyframe"  # a keyframe model only owners may use


@pytest.fixture
def c(tmp_path: Path) -> Iterator[Container]:
    generators = {g.model_id: g for g in preview_generators().values()} | {STUDIO: PreviewKeyframeGenerator()}
    container = build_container(Settings(data_dir=tmp_path / "data"), generators=generators)
    preview = container.registry.current(ModelKind.KEYFRAME)
    container.registry.register(replace(preview, id=STUDIO, params={"min_role": Role.OWNER.value}))
    yield container
    container.close()


def nothing_stored(c: Container, tenant: str) -> bool:
    return not list(c.assets.keys(tenant)) and not list(c.metadata.scan(tenant, "assets"))


def test_the_service_refuses_a_viewer_a_write_less_token_and_a_restricted_model(c: Container) -> None:
    tenant = c.tenancy.create_tenant("Acme").tenant.id
    project = c.projects.create_project(as_owner(tenant), ProjectIn(name="Storm")).value.id
    oneoff = OneOffGeneration.of(c)
    no_write = Principal(tenant, "bot", frozenset({Role.EDITOR}), frozenset({Scope.READ, Scope.GENERATE}))
    refused = [
        (member(tenant, Role.VIEWER), None),
        (no_write, None),
        (member(tenant, Role.EDITOR), STUDIO),
    ]
    for principal, model_id in refused:
        with pytest.raises(Forbidden):
            oneoff.generate(principal, project, "keyframe", "a storm", model_id=model_id)
    assert nothing_stored(c, tenant)

    made = oneoff.generate(as_owner(tenant), project, "keyframe", "a storm", model_id=STUDIO, seed=3)
    assert made.data["provenance"]["model_id"] == STUDIO
    assert made.project_id == project
    assert c.metadata.get(tenant, "assets", made.id).data["source"] == "one-off"
    assert not list(c.metadata.scan(tenant, "targets"))  # no target record was touched
