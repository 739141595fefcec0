"""Engine behaviour on a small project: what an edit makes stale, why, and what the plan holds."""

from __future__ import annotations

import pytest

from craftology.errors import BadInput, NotFound
from craftology.projects.order_keys import position_key
from craftology.sync import (
    AssetAccepted,
    CardUpserted,
    DataCause,
    ModelChanged,
    Pinned,
    ProjectUpdated,
    SeedChanged,
    ShotsReordered,
    ShotUpserted,
    Status,
    SyncEngine,
    TargetKind,
    UpstreamCause,
    expected_targets_for_card_visual_edit,
    full_audit,
)
from craftology.sync.fingerprint import Provenance
from craftology.sync.order import order_digest

from .factory import project, small_state, spec

MIA_CHAIN = [
    "card/mia/sheet",
    "shot/s1/keyframe",
    "shot/s2/keyframe",
    "shot/s1/clip",
    "shot/s2/clip",
    "project/p1/cut",
]


def _mia_hair(engine: SyncEngine, hair: str) -> CardUpserted:
    mia = engine.state.cards["mia"]
    attributes = {**mia.attributes, "appearance": {**mia.attributes["appearance"], "hair": hair}}
    return CardUpserted(mia.model_copy(update={"attributes": attributes}))


def _generate(engine: SyncEngine) -> None:
    """Simulate a sync run: generate and accept every planned target, upstream first."""
    for item in engine.plan().items:
        engine.apply(AssetAccepted(item.target, engine.resolve(item.target).provenance()))


def test_a_fresh_project_has_an_empty_plan() -> None:
    engine = SyncEngine(small_state())
    assert all(s.status is Status.FRESH for s in engine.statuses().values())
    assert engine.plan().items == ()


def test_editing_an_unread_field_regenerates_nothing() -> None:
    engine = SyncEngine(small_state())
    mia = engine.state.cards["mia"]
    result = engine.apply(
        CardUpserted(mia.model_copy(update={"attributes": {**mia.attributes, "backstory": "never ran"}}))
    )
    assert result.changed == ()
    assert result.visited == 0
    renamed_project = engine.state.project.model_copy(update={"brief": "another brief"})
    assert engine.apply(ProjectUpdated(renamed_project)).changed == ()
    assert engine.plan().items == ()


def test_a_visual_edit_plans_exactly_the_expected_targets_in_dependency_order() -> None:
    engine = SyncEngine(small_state())
    result = engine.apply(_mia_hair(engine, "red"))
    plan = engine.plan()
    assert plan.targets == MIA_CHAIN
    assert set(plan.targets) == expected_targets_for_card_visual_edit(engine.state, "mia")
    assert list(result.changed) == MIA_CHAIN
    hair = DataCause("cards/mia.attributes.appearance.hair", "brown", "red")
    by_target = {item.target: item for item in plan.items}
    assert by_target["card/mia/sheet"].causes == (hair,)
    assert by_target["shot/s2/keyframe"].causes == (UpstreamCause("card/mia/sheet"),)
    assert by_target["project/p1/cut"].causes == (
        UpstreamCause("shot/s1/clip"),
        UpstreamCause("shot/s2/clip"),
    )
    assert all(item.root_causes == (hair,) for item in plan.items)
    # dusk's sheet and s3 are untouched.
    assert engine.status("shot/s3/clip").status is Status.FRESH


def test_reorder_only_touches_the_cut() -> None:
    engine = SyncEngine(small_state())
    result = engine.apply(ShotsReordered(("s3", "s1", "s2")))
    assert result.changed == ("project/p1/cut",)
    assert result.visited == 1
    (item,) = engine.plan().items
    old, new = order_digest(["s1", "s2", "s3"]), order_digest(["s3", "s1", "s2"])
    assert item.causes == (DataCause("projects/p1.shots.order", old, new),)
    # Only s3 left the run already in order: it alone got a key, before s1's.
    assert engine.state.shots["s3"].order < engine.state.shots["s1"].order < engine.state.shots["s2"].order
    assert engine.state.shots["s1"].order == position_key(0)
    # Moving one shot through its order key is the same edit.
    s3 = engine.state.shots["s3"]
    engine.apply(ShotUpserted(s3.model_copy(update={"order": position_key(9)})))
    assert engine.plan().targets == []  # s1, s2, s3 again: the accepted order


def test_a_model_upgrade_makes_its_kind_stale_with_code_causes() -> None:
    engine = SyncEngine(small_state())
    engine.apply(ModelChanged(TargetKind.CLIP, spec(TargetKind.CLIP, "1.1")))
    plan = engine.plan()
    assert plan.targets == ["shot/s1/clip", "shot/s2/clip", "shot/s3/clip", "project/p1/cut"]
    assert [c.render() for c in plan.items[0].causes] == ["CODE preview-clip 1.0→1.1"]
    cut = plan.items[-1]
    assert [c.render() for c in cut.causes] == [
        "UPSTREAM shot/s1/clip",
        "UPSTREAM shot/s2/clip",
        "UPSTREAM shot/s3/clip",
    ]
    assert [c.render() for c in cut.root_causes] == ["CODE preview-clip 1.0→1.1"]


def test_a_pinned_target_is_reported_but_neither_planned_nor_propagated() -> None:
    engine = SyncEngine(small_state())
    engine.apply(Pinned("card/mia/sheet", True))
    engine.apply(_mia_hair(engine, "red"))
    sheet = engine.status("card/mia/sheet")
    assert (sheet.status, sheet.pinned) == (Status.STALE, True)
    assert sheet.render() == "STALE card/mia/sheet (pinned, would be stale)"
    assert engine.plan().items == ()  # downstream builds on what is accepted
    assert engine.plan(["card/mia/sheet"]).skipped_pinned == ("card/mia/sheet",)
    result = engine.apply(Pinned("card/mia/sheet", False))
    assert list(result.changed) == MIA_CHAIN
    assert engine.plan().targets == MIA_CHAIN


def test_accepting_generated_assets_makes_everything_fresh_again() -> None:
    engine = SyncEngine(small_state())
    engine.apply(_mia_hair(engine, "red"))
    sheet = engine.resolve("card/mia/sheet")
    engine.apply(AssetAccepted("card/mia/sheet", sheet.provenance()))
    # The sheet is fresh now; the keyframes were made from the old sheet: that is their root cause.
    keyframe = engine.plan().items[0]
    assert keyframe.target == "shot/s1/keyframe"
    assert keyframe.root_causes == (UpstreamCause("card/mia/sheet"),)
    _generate(engine)
    assert engine.plan().items == ()
    assert all(s.status is Status.FRESH for s in full_audit(engine.state).values())


def test_an_uploaded_replacement_is_fresh_itself_and_stales_what_was_made_from_the_old_one() -> None:
    engine = SyncEngine(small_state())
    upload = engine.resolve("shot/s1/keyframe").provenance(replacement="c" * 64)
    assert upload.fingerprint != engine.resolve("shot/s1/keyframe").fingerprint
    engine.apply(AssetAccepted("shot/s1/keyframe", upload))
    assert engine.status("shot/s1/keyframe").status is Status.FRESH
    clip = engine.status("shot/s1/clip")
    assert clip.status is Status.STALE
    assert clip.causes == (UpstreamCause("shot/s1/keyframe"),)
    assert engine.plan().targets == ["shot/s1/clip", "project/p1/cut"]
    assert engine.statuses() == full_audit(engine.state)
    # Its provenance survives storage, marker included.
    assert Provenance.from_dict(upload.to_dict()) == upload


def test_accepting_an_out_of_date_asset_leaves_the_target_stale() -> None:
    engine = SyncEngine(small_state())
    old = engine.state.accepted["card/mia/sheet"]
    engine.apply(_mia_hair(engine, "red"))
    _generate(engine)
    result = engine.apply(AssetAccepted("card/mia/sheet", old))  # e.g. a reviewer rolls back
    assert list(result.changed) == MIA_CHAIN
    assert engine.status("card/mia/sheet").causes == (
        DataCause("cards/mia.attributes.appearance.hair", "brown", "red"),
    )


def test_a_tampered_provenance_is_refused() -> None:
    engine = SyncEngine(small_state())
    good = engine.resolve("card/mia/sheet").provenance()
    forged = Provenance(good.target, "0" * 64, good.inputs, good.upstream, good.code, good.seed)
    with pytest.raises(BadInput):
        engine.apply(AssetAccepted("card/mia/sheet", forged))
    with pytest.raises(BadInput):
        engine.apply(AssetAccepted("card/dusk/sheet", good))


def test_missing_targets_have_themselves_and_missing_upstream_as_root_causes() -> None:
    engine = SyncEngine(small_state(accepted=False))
    plan = engine.plan()
    assert len(plan.items) == 3 + 3 + 3 + 1
    keyframe = next(i for i in plan.items if i.target == "shot/s2/keyframe")
    assert keyframe.status is Status.MISSING
    assert [c.render() for c in keyframe.root_causes] == [
        "MISSING shot/s2/keyframe",
        "MISSING card/mia/sheet",
        "MISSING card/dusk/sheet",
    ]


def test_costs_follow_the_model_prices_and_units() -> None:
    engine = SyncEngine(small_state(accepted=False))
    costs = {item.target: (item.cost, item.units, item.unit) for item in engine.plan().items}
    assert costs["card/mia/sheet"] == (0.02, 1.0, "image")
    assert costs["shot/s1/keyframe"] == (0.03, 1.0, "image")
    assert costs["shot/s2/clip"] == (0.5 * 4.0, 4.0, "second")
    assert costs["shot/s3/clip"] == (0.5 * 2.5, 2.5, "second")
    assert costs["project/p1/cut"][0] == pytest.approx(0.01 * (3.0 + 4.0 + 2.5))
    assert engine.plan().total_cost == pytest.approx(3 * 0.02 + 3 * 0.03 + 0.5 * 9.5 + 0.01 * 9.5)


def test_plan_deps_point_only_at_targets_in_the_same_plan() -> None:
    engine = SyncEngine(small_state(accepted=False))
    deps = {item.target: item.deps for item in engine.plan().items}
    assert deps["card/mia/sheet"] == ()
    assert deps["shot/s2/keyframe"] == ("card/mia/sheet", "card/dusk/sheet")
    assert deps["shot/s2/clip"] == ("shot/s2/keyframe",)
    assert deps["project/p1/cut"] == ("shot/s1/clip", "shot/s2/clip", "shot/s3/clip")
    chosen = engine.plan(["project/p1/cut", "shot/s3/clip"])
    assert chosen.targets == ["shot/s3/clip", "project/p1/cut"]
    assert chosen.items[1].deps == ("shot/s3/clip",)


def test_project_settings_reach_exactly_their_readers() -> None:
    engine = SyncEngine(small_state())
    engine.apply(ProjectUpdated(project(fps=30)))
    assert engine.plan().targets == ["shot/s1/clip", "shot/s2/clip", "shot/s3/clip", "project/p1/cut"]
    engine = SyncEngine(small_state())
    engine.apply(ProjectUpdated(project(aspect_ratio="1:1")))
    assert [i.target for i in engine.plan().items if i.kind is TargetKind.KEYFRAME] == [
        "shot/s1/keyframe",
        "shot/s2/keyframe",
        "shot/s3/keyframe",
    ]
    assert not any(i.kind is TargetKind.SHEET for i in engine.plan().items)


def test_resolution_uses_accepted_upstream_and_digest_ignores_it() -> None:
    engine = SyncEngine(small_state())
    before = engine.resolve("shot/s1/keyframe")
    assert before.upstream == {"card/mia/sheet": engine.state.accepted["card/mia/sheet"].fingerprint}
    assert before.fingerprint == engine.state.accepted["shot/s1/keyframe"].fingerprint
    engine.apply(SeedChanged("card/mia/sheet", 42))
    engine.apply(AssetAccepted("card/mia/sheet", engine.resolve("card/mia/sheet").provenance()))
    after = engine.resolve("shot/s1/keyframe")
    assert after.inputs_digest == before.inputs_digest  # own inputs did not change
    assert after.fingerprint != before.fingerprint  # the accepted sheet did


def test_unknown_targets_and_bad_changes_are_refused() -> None:
    engine = SyncEngine(small_state())
    with pytest.raises(BadInput):
        engine.plan(["card/mia"])
    with pytest.raises(NotFound):
        engine.plan(["card/ghost/sheet"])
    with pytest.raises(NotFound):
        engine.apply(Pinned("shot/ghost/clip", True))
    with pytest.raises(BadInput):
        engine.apply(ShotsReordered(("s1", "s2")))
    s1 = engine.state.shots["s1"]
    with pytest.raises(BadInput):
        engine.apply(ShotUpserted(s1.model_copy(update={"cards": ["ghost"]})))
    assert engine.statuses() == full_audit(engine.state)


def test_a_project_without_shots_plans_no_cut_it_could_not_make() -> None:
    state = small_state()
    state.shots, state.accepted = {}, {}
    engine = SyncEngine(state)
    cut = engine.graph.cut
    assert engine.status(cut).status is Status.MISSING
    assert cut not in engine.plan().targets
    assert set(engine.plan().targets) == {t for t in engine.targets() if t.startswith("card/")}
    with pytest.raises(BadInput, match="at least one shot"):
        engine.plan([cut])
