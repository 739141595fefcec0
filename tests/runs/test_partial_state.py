"""An activity resolves its target from only the records it reads; that must equal what the whole
project's engine resolves, or activities would supersede or fingerprint wrongly."""

from __future__ import annotations

from craftology.runs.partial import load_for_target, resolve_target
from tests.principals import as_owner

from .conftest import World
from .test_executor import run_item, run_plan


def assert_partial_resolution_matches_the_engine(w: World) -> None:
    engine = w.c.engines.get(w.tenant, w.project)
    for target in engine.targets():
        partial = load_for_target(w.tenant, w.project, target, w.c.projects, w.c.metadata, w.c.models)
        assert resolve_target(partial, target) == engine.resolve(target), target


def test_partial_resolution_equals_whole_project_resolution_through_edits(world: World) -> None:
    assert_partial_resolution_matches_the_engine(world)  # nothing accepted yet
    run_plan(world)
    assert_partial_resolution_matches_the_engine(world)
    card = world.c.projects.get_card(as_owner(world.tenant), world.project, world.mia)
    world.c.projects.update_card(as_owner(world.tenant), world.project, world.mia,
                                 {"attributes": {"appearance": {"hair": "red"}}}, card.revision)  # fmt: skip
    world.c.projects.reorder_shots(as_owner(world.tenant), world.project, list(reversed(world.shots)))
    assert_partial_resolution_matches_the_engine(world)
    plan = world.c.sync.plan(as_owner(world.tenant), world.project)
    run_item(world, plan.items[0].target, plan.items[0].inputs_digest)  # only the sheet moves on
    assert_partial_resolution_matches_the_engine(world)
