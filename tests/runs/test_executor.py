"""The run_target activity body over real stores: generate, skip, supersede, review, idempotence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from craftology.assets.records import ASSETS, TARGETS
from craftology.container import build_container
from craftology.errors import BadInput
from craftology.projects.models import ReviewMode
from craftology.registry.models import ModelKind
from craftology.runs.state import load_state
from craftology.sync.audit import full_audit
from craftology.sync.causes import Status
from craftology.workflows.models import GENERATED, SKIPPED, SUPERSEDED, TargetActivityInput, TargetOutcome
from tests.principals import as_owner

from .conftest import World


def run_item(w: World, target: str, digest: str) -> TargetOutcome:
    task = TargetActivityInput(w.tenant, w.project, "run-1", target, digest)
    return w.c.executor.run(task, lambda detail: None)


def run_plan(w: World) -> list[TargetOutcome]:
    plan = w.c.sync.plan(as_owner(w.tenant), w.project)
    return [run_item(w, item.target, item.inputs_digest) for item in plan.items]


def blob_count(w: World) -> int:
    return len(list(w.c.assets.keys(w.tenant)))


def assert_cache_agrees_with_audit(w: World) -> None:
    state = load_state(
        w.tenant,
        w.project,
        w.c.projects,
        w.c.metadata,
        w.c.models(w.c.projects.get_project(as_owner(w.tenant), w.project).value),
    )
    audit = full_audit(state)
    live = {s.target: s for s in w.c.sync.statuses(as_owner(w.tenant), w.project)}
    assert live == audit


def test_first_sync_generates_every_target_once_and_makes_all_fresh(world: World) -> None:
    outcomes = run_plan(world)
    assert [o.status for o in outcomes] == [GENERATED] * 7  # 2 sheets, 2 keyframes, 2 clips, the cut
    assert sum(world.calls.values()) == 7
    assert {s.status for s in world.c.sync.statuses(as_owner(world.tenant), world.project)} == {Status.FRESH}
    assert_cache_agrees_with_audit(world)


def test_rerunning_a_finished_target_skips_without_calling_the_model(world: World) -> None:
    plan = world.c.sync.plan(as_owner(world.tenant), world.project)
    first = [run_item(world, i.target, i.inputs_digest) for i in plan.items]
    blobs, calls = blob_count(world), sum(world.calls.values())
    again = [run_item(world, i.target, i.inputs_digest) for i in plan.items]  # a retried activity
    assert [o.status for o in again] == [SKIPPED] * len(first)
    assert [o.asset_id for o in again] == [o.asset_id for o in first]
    assert (blob_count(world), sum(world.calls.values())) == (blobs, calls)
    assets = list(world.c.metadata.scan(world.tenant, ASSETS, world.project))
    assert len(assets) == len(first)


def test_an_edit_after_planning_supersedes_the_task(world: World) -> None:
    plan = world.c.sync.plan(as_owner(world.tenant), world.project)
    sheet = next(i for i in plan.items if i.target == f"card/{world.mia}/sheet")
    card = world.c.projects.get_card(as_owner(world.tenant), world.project, world.mia)
    world.c.projects.update_card(
        as_owner(world.tenant),
        world.project,
        world.mia,
        {"attributes": {"appearance": {"hair": "red"}}},
        card.revision,
    )
    outcome = run_item(world, sheet.target, sheet.inputs_digest)
    assert outcome.status == SUPERSEDED
    assert world.calls["preview-sheet"] == 0


def test_visual_edit_regenerates_only_what_reads_it(world: World) -> None:
    run_plan(world)
    before = sum(world.calls.values())
    card = world.c.projects.get_card(as_owner(world.tenant), world.project, world.park)
    world.c.projects.update_card(
        as_owner(world.tenant),
        world.project,
        world.park,
        {"attributes": {"backstory": "unread"}},
        card.revision,
    )
    assert world.c.sync.plan(as_owner(world.tenant), world.project).items == ()
    card = world.c.projects.get_card(as_owner(world.tenant), world.project, world.mia)
    world.c.projects.update_card(
        as_owner(world.tenant),
        world.project,
        world.mia,
        {"attributes": {"appearance": {"hair": "red"}}},
        card.revision,
    )
    outcomes = run_plan(world)
    shot = world.shots[0]
    expected = [
        f"card/{world.mia}/sheet",
        f"shot/{shot}/keyframe",
        f"shot/{shot}/clip",
        f"project/{world.project}/cut",
    ]
    assert [o.target for o in outcomes] == expected
    assert sum(world.calls.values()) - before == len(expected)
    assert_cache_agrees_with_audit(world)


def test_review_mode_stores_candidates_without_accepting(world: World) -> None:
    project = world.c.projects.get_project(as_owner(world.tenant), world.project)
    settings = project.value.settings.model_copy(update={"review_mode": ReviewMode.REVIEW})
    world.c.projects.update_project(
        as_owner(world.tenant),
        world.project,
        {"settings": settings.model_dump(mode="json")},
        project.revision,
    )
    plan = world.c.sync.plan(as_owner(world.tenant), world.project)
    assert {i.kind.value for i in plan.items} == {"sheet"}  # only the frontier waits on nobody
    outcomes = [run_item(world, i.target, i.inputs_digest) for i in plan.items]
    assert {o.status for o in outcomes} == {GENERATED}
    assert list(world.c.metadata.scan(world.tenant, TARGETS, world.project)) == []
    assert {s.status for s in world.c.sync.statuses(as_owner(world.tenant), world.project)} == {
        Status.MISSING
    }


def test_a_target_whose_upstream_was_never_accepted_fails_for_good(world: World) -> None:
    plan = world.c.sync.plan(as_owner(world.tenant), world.project)
    keyframe = next(i for i in plan.items if i.kind.value == "keyframe")
    with pytest.raises(BadInput, match="needs an accepted"):
        run_item(world, keyframe.target, keyframe.inputs_digest)


def test_the_control_plane_indexes_projects_created_and_deleted_in_a_tenant_store(world: World) -> None:
    assert [e.id for e in world.c.projects_index.list(world.tenant)] == [world.project]
    project = world.c.projects.get_project(as_owner(world.tenant), world.project)
    world.c.projects.delete_project(as_owner(world.tenant), world.project, project.revision)
    assert world.c.projects_index.list(world.tenant) == []


def test_what_another_process_writes_is_in_the_next_plan_of_this_one(world: World) -> None:
    """A second container on the same data dir stands for another process (an API pod, a worker):
    its edits, its accepted assets and its model upgrades reach this process's next plan at once."""
    plan = world.c.sync.plan(as_owner(world.tenant), world.project)  # builds this process's engine
    other = build_container(world.c.settings)
    try:
        for item in plan.items:
            task = TargetActivityInput(world.tenant, world.project, "run-2", item.target, item.inputs_digest)
            assert other.executor.run(task, lambda detail: None).status == GENERATED
        assert world.c.sync.plan(as_owner(world.tenant), world.project).items == ()
        assert_cache_agrees_with_audit(world)

        card = other.projects.get_card(as_owner(world.tenant), world.project, world.park)
        other.projects.update_card(as_owner(world.tenant), world.project, world.park,
                                   {"attributes": {"time_of_day": "night"}}, card.revision)  # fmt: skip
        stale = world.c.sync.status(as_owner(world.tenant), world.project, f"card/{world.park}/sheet")
        assert [c.render() for c in stale.causes] == [
            f'DATA cards/{world.park}.attributes.time_of_day "dusk"→"night"'
        ]
        assert_cache_agrees_with_audit(world)

        clip = other.registry.current(ModelKind.CLIP)
        other.registry.register(replace(clip, version="9.0"))
        causes = world.c.sync.status(
            as_owner(world.tenant), world.project, f"shot/{world.shots[0]}/clip"
        ).causes
        assert f"CODE {clip.id} {clip.version}→9.0" in [c.render() for c in causes]
        assert_cache_agrees_with_audit(world)
    finally:
        other.close()
