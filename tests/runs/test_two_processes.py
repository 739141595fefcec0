"""Property: two processes that share nothing but the stores give the statuses and plans a full audit
rebuilt from the stores gives, after every step, whichever of them made the step.

Each "process" is a container of its own over one data dir (its own engine cache, registry client,
store connections). Steps alternate between them: edits, reorders and moves, shots added and deleted, assets
generated (auto-accepted), older assets accepted again, uploads, pins, seeds, model upgrades and
per-project kept model versions.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from craftology.assets.curation import Curation
from craftology.assets.records import ASSETS
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.errors import BadInput, Conflict
from craftology.ports.generator import GenerationRequest, Media
from craftology.ports.metadata import Query
from craftology.projects.models import CardIn, CardKind, ProjectIn, ShotIn
from craftology.registry.models import ModelKind
from craftology.runs.state import load_state
from craftology.sync.audit import full_audit
from craftology.sync.engine import SyncEngine
from craftology.sync.targets import TargetKind, parse_target
from craftology.workflows.models import TargetActivityInput
from tests.principals import as_owner

KINDS = [ModelKind.SHEET, ModelKind.KEYFRAME, ModelKind.CLIP, ModelKind.CUT]


class HashGenerator:
    """A fast stand-in model: its bytes are a digest of the request, so equal requests give equal
    blobs, like a deterministic model."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.version = "any"

    def generate(self, request: GenerationRequest) -> Media:
        digest = hashlib.sha256(repr(request).encode()).hexdigest()
        return Media(digest.encode(), "image/png", {"model": self.model_id, "preview": True})


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class Two:
    processes: tuple[Container, Container]
    curation: tuple[Curation, Curation]
    tenant: str
    project: str


@contextmanager
def two_processes() -> Iterator[Two]:
    """A fresh data dir per use: hypothesis examples must not see what earlier ones registered."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        a = build_container(settings)
        generators = {m: HashGenerator(m) for m in (a.registry.current(k).id for k in KINDS)}
        a.close()
        a, b = build_container(settings, generators), build_container(settings, generators)  # type: ignore[arg-type]
        try:
            tenant = a.tenancy.create_tenant("Acme").tenant.id
            yield Two((a, b), (a.curation, b.curation), tenant, "")
        finally:
            a.close()
            b.close()


def new_project(two: Two) -> str:
    c = two.processes[0]
    project = c.projects.create_project(as_owner(two.tenant), ProjectIn(name="Spot")).value.id
    cards = [
        c.projects.create_card(
            as_owner(two.tenant), project, CardIn(kind=kind, name=name, attributes=attrs)
        ).value.id
        for kind, name, attrs in (
            (CardKind.CHARACTER, "Mia", {"appearance": "brown hair"}),
            (CardKind.LOCATION, "Park", {"time_of_day": "dusk"}),
        )
    ]
    for n in range(3):
        c.projects.create_shot(
            as_owner(two.tenant), project, ShotIn(description=f"shot {n}", cards=cards[: n % 3])
        )
    return project


def audit_from_stores(c: Container, tenant: str, project: str) -> tuple[dict[str, object], list[str]]:
    """Statuses by a full audit and the plan by a brand-new engine, both read from the stores."""
    models = c.models(c.projects.get_project(as_owner(tenant), project).value)
    state = load_state(tenant, project, c.projects, c.metadata, models)
    return dict(full_audit(state)), SyncEngine(state).plan().targets


def check(two: Two) -> None:
    for c in two.processes:
        audit, plan = audit_from_stores(c, two.tenant, two.project)
        assert {s.target: s for s in c.sync.statuses(as_owner(two.tenant), two.project)} == audit
        assert c.sync.plan(as_owner(two.tenant), two.project).targets == plan


def step(two: Two, data: st.DataObject, number: int) -> None:
    c, curation = two.processes[number % 2], two.curation[number % 2]
    tenant, project = two.tenant, two.project
    engine_targets = c.engines.get(tenant, project).targets()
    shots = c.projects.list_shots(as_owner(tenant), project, limit=100).items
    cards = c.projects.list_cards(as_owner(tenant), project, limit=100).items
    action = data.draw(
        st.sampled_from(
            [
                "card",
                "backstory",
                "shot",
                "add",
                "delete",
                "reorder",
                "move",
                "generate",
                "generate",
                "old",
                "upload",
                "pin",
                "seed",
                "upgrade",
                "keep",
            ]
        )
    )
    target = data.draw(st.sampled_from(engine_targets))
    if action == "card":
        card = data.draw(st.sampled_from(cards))
        field = "appearance" if card.value.kind is CardKind.CHARACTER else "time_of_day"
        value = data.draw(st.sampled_from(["red", "blue", "dawn"]))
        c.projects.update_card(as_owner(tenant), project, card.value.id, {"attributes": {field: value}}, None)
    elif action == "backstory":
        card = data.draw(st.sampled_from(cards))
        c.projects.update_card(
            as_owner(tenant), project, card.value.id, {"attributes": {"backstory": number}}, None
        )
    elif action == "shot" and shots:
        shot = data.draw(st.sampled_from(shots))
        refs = data.draw(st.lists(st.sampled_from([x.value.id for x in cards]), max_size=2))
        patch = data.draw(
            st.sampled_from([{"camera": "pan_left"}, {"description": f"v{number}"}, {"cards": refs}])
        )
        c.projects.update_shot(as_owner(tenant), project, shot.value.id, patch, None)
    elif action == "add":
        c.projects.create_shot(as_owner(tenant), project, ShotIn(description=f"new {number}"))
    elif action == "delete" and len(shots) > 1:
        c.projects.delete_shot(as_owner(tenant), project, data.draw(st.sampled_from(shots)).value.id, None)
    elif action == "reorder":
        ids = [s.value.id for s in shots]
        c.projects.reorder_shots(as_owner(tenant), project, data.draw(st.permutations(ids)))
    elif action == "move" and len(shots) > 1:
        moving, anchor = data.draw(st.permutations([s.value.id for s in shots]))[:2]
        side = data.draw(st.sampled_from(["after", "before"]))
        c.projects.move_shot(as_owner(tenant), project, moving, expect_revision=None, **{side: anchor})
    elif action == "generate":
        items = c.sync.plan(as_owner(tenant), project).items
        if items:
            item = items[data.draw(st.integers(0, len(items) - 1))]
            task = TargetActivityInput(tenant, project, f"run-{number}", item.target, item.inputs_digest)
            with contextlib.suppress(BadInput):  # its upstream has nothing accepted yet
                c.executor.run(task, lambda detail: None)
    elif action == "old":
        made = c.metadata.find(tenant, Query(ASSETS, project_id=project, where={"target": target})).records
        if made:
            curation.accept(as_owner(tenant), project, target, data.draw(st.sampled_from(made)).id)
    elif action == "upload" and parse_target(target)[0] in (TargetKind.SHEET, TargetKind.KEYFRAME):
        curation.upload(as_owner(tenant), project, target, [png()], "image/png")
    elif action == "pin":
        curation.pin(as_owner(tenant), project, target, data.draw(st.booleans()))
    elif action == "seed":
        curation.set_seed(as_owner(tenant), project, target, data.draw(st.sampled_from([None, 1, 2])))
    elif action == "upgrade":
        current = c.registry.current(data.draw(st.sampled_from(KINDS)))
        c.registry.register(replace(current, version=f"{current.version}.{number}"))
    elif action == "keep":
        kind = data.draw(st.sampled_from(KINDS))
        versions = [m.version for m in c.registry.list() if m.kind is kind]
        keep = {
            kind.value: {
                "model_id": c.registry.current(kind).id,
                "version": data.draw(st.sampled_from(versions)),
            }
        }
        settings_patch = {"keep_models": data.draw(st.sampled_from([keep, {kind.value: None}]))}
        c.projects.update_project(as_owner(tenant), project, {"settings": settings_patch}, None)


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_two_processes_agree_with_an_audit_of_the_stores_after_every_step(data: st.DataObject) -> None:
    with two_processes() as two:
        two.project = new_project(two)
        check(two)
        for number in range(14):
            with contextlib.suppress(Conflict):  # e.g. a card still referenced
                step(two, data, number)
            check(two)


@pytest.fixture
def two() -> Iterator[Two]:
    with two_processes() as made:
        yield made


def test_a_kept_model_version_keeps_assets_fresh_and_the_plan_says_so(two: Two) -> None:
    two.project = project = new_project(two)
    a, b = two.processes
    while plan := a.sync.plan(as_owner(two.tenant), project).items:
        for item in plan:
            task = TargetActivityInput(two.tenant, project, "r", item.target, item.inputs_digest)
            b.executor.run(task, lambda detail: None)
    clip = a.registry.current(ModelKind.CLIP)
    keep = {"clip": {"model_id": clip.id, "version": clip.version}}
    a.projects.update_project(as_owner(two.tenant), project, {"settings": {"keep_models": keep}}, None)
    b.registry.register(replace(clip, version="7.0"))
    kept = a.sync.plan(as_owner(two.tenant), project)
    assert kept.targets == []  # kept: nothing to re-render, and the plan says why
    assert [k.to_dict() for k in kept.kept_models] == [
        {"kind": "clip", "model_id": clip.id, "kept_version": clip.version,
         "current_model_id": clip.id, "current_version": "7.0"}
    ]  # fmt: skip
    a.projects.update_project(
        as_owner(two.tenant), project, {"settings": {"keep_models": {"clip": None}}}, None
    )
    stale = b.sync.plan(as_owner(two.tenant), project)
    clips = [i for i in stale.items if i.kind is TargetKind.CLIP]
    assert clips
    assert all(f"CODE {clip.id} {clip.version}→7.0" in [x.render() for x in i.causes] for i in clips)
    assert json.dumps(stale.to_dict())  # serialisable as the API answers it
