"""Property: after any sequence of edits, the incremental engine agrees with a full audit, and each
change reports exactly the targets whose status, causes or pin changed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from craftology.projects.models import VISUAL_FIELDS, Camera, CardKind, Framing, Motion
from craftology.projects.order_keys import position_key
from craftology.sync import (
    AssetAccepted,
    CardDeleted,
    CardUpserted,
    Change,
    ModelChanged,
    Pinned,
    Provenance,
    SeedChanged,
    ShotDeleted,
    ShotsReordered,
    ShotUpserted,
    Status,
    SyncEngine,
    TargetKind,
    full_audit,
)
from craftology.sync.audit import current_inputs_digest
from craftology.sync.state import ProjectUpdated

from .factory import card, project, shot, small_state, spec


@dataclass(frozen=True)
class _LateAccept:
    target: str


Step = list[Change | _LateAccept]

VALUES = st.sampled_from(["brown", "red", "blue", 7, 7.0, True, None, {"x": "y"}, ["a", "b"]])


def _edit_card(data: st.DataObject, engine: SyncEngine) -> list[Change]:
    cards = engine.state.cards
    if not cards:
        return []
    old = cards[data.draw(st.sampled_from(sorted(cards)))]
    attributes = dict(old.attributes)
    what = data.draw(st.sampled_from(["visual", "other", "kind", "name", "drop"]))
    kind, name = old.kind, old.name
    if what == "visual":
        attributes[data.draw(st.sampled_from(VISUAL_FIELDS[old.kind]))] = data.draw(VALUES)
    elif what == "other":
        attributes["backstory"] = data.draw(VALUES)
    elif what == "kind":
        kind = data.draw(st.sampled_from(list(CardKind)))
    elif what == "name":
        name = data.draw(st.sampled_from(["Mia", "Dusk", "Other"]))
    elif attributes:
        attributes.pop(data.draw(st.sampled_from(sorted(attributes))))
    return [CardUpserted(old.model_copy(update={"attributes": attributes, "kind": kind, "name": name}))]


def _edit_shot(data: st.DataObject, engine: SyncEngine) -> list[Change]:
    shots, cards = engine.state.shots, sorted(engine.state.cards)
    if not shots:
        return []
    old = shots[data.draw(st.sampled_from(sorted(shots)))]
    field = data.draw(
        st.sampled_from(["description", "camera", "framing", "motion", "duration", "cards", "order"])
    )
    strategies: dict[str, st.SearchStrategy[Any]] = {
        "description": st.sampled_from(["run", "jump", "rest"]),
        "camera": st.sampled_from(list(Camera)),
        "framing": st.sampled_from(list(Framing)),
        "motion": st.sampled_from(list(Motion)),
        "duration": st.sampled_from([2.0, 3.0, 3.5, 4.0]),
        # Repeated references are allowed: a card counts once upstream.
        "cards": st.lists(st.sampled_from(cards), max_size=3) if cards else st.just([]),
        "order": st.integers(0, 6).map(position_key),
    }
    value = data.draw(strategies[field])
    return [ShotUpserted(old.model_copy(update={field: value}))]


def _structure(data: st.DataObject, engine: SyncEngine) -> list[Change]:
    state = engine.state
    what = data.draw(st.sampled_from(["add_card", "del_card", "add_shot", "del_shot", "reorder"]))
    if what == "add_card":
        card_id = data.draw(st.sampled_from(["mia", "dusk", "shoe", "rain", "hat"]))
        if card_id in state.cards:
            return []
        return [CardUpserted(card(card_id, data.draw(st.sampled_from(list(CardKind))), look="x"))]
    if what == "del_card" and state.cards:
        card_id = data.draw(st.sampled_from(sorted(state.cards)))
        # References go first: validation of a deletion is the caller's job.
        changes: list[Change] = [
            ShotUpserted(s.model_copy(update={"cards": [c for c in s.cards if c != card_id]}))
            for s in state.shots.values()
            if card_id in s.cards
        ]
        return [*changes, CardDeleted(card_id)]
    if what == "add_shot":
        shot_id = data.draw(st.sampled_from(["s1", "s2", "s3", "s4", "s5"]))
        if shot_id in state.shots:
            return []
        refs = data.draw(st.lists(st.sampled_from(sorted(state.cards)), max_size=2)) if state.cards else []
        return [ShotUpserted(shot(shot_id, data.draw(st.integers(0, 6)), refs))]
    if what == "del_shot" and state.shots:
        return [ShotDeleted(data.draw(st.sampled_from(sorted(state.shots))))]
    if what == "reorder" and state.shots:
        return [ShotsReordered(tuple(data.draw(st.permutations(sorted(state.shots)))))]
    return []


def _asset(data: st.DataObject, engine: SyncEngine, history: dict[str, list[Provenance]]) -> Step:
    planned = engine.plan().targets
    what = data.draw(
        st.sampled_from(["generate", "next", "next", "run", "old", "upload", "pin", "unpin", "seed"])
    )
    if what == "run":  # a whole sync run: generate and accept the plan, upstream first
        return [_LateAccept(target) for target in planned]
    # "next" generates what a sync run would start with, so chains of regeneration happen often.
    target = planned[0] if what == "next" and planned else data.draw(st.sampled_from(engine.targets()))
    if what in ("generate", "next", "upload"):
        # An upload stands in for the generated asset: same inputs, its own content key.
        replacement = data.draw(st.sampled_from(["a" * 64, "b" * 64])) if what == "upload" else None
        provenance = engine.resolve(target).provenance(replacement)
        history.setdefault(target, []).append(provenance)
        return [AssetAccepted(target, provenance)]
    if what == "old":
        if not history.get(target):
            return []
        return [AssetAccepted(target, data.draw(st.sampled_from(history[target])))]
    if what == "seed":
        return [SeedChanged(target, data.draw(st.sampled_from([None, 1, 2])))]
    return [Pinned(target, what == "pin")]


def _global(data: st.DataObject, engine: SyncEngine) -> list[Change]:
    if data.draw(st.booleans()):
        kind = data.draw(st.sampled_from(list(TargetKind)))
        return [ModelChanged(kind, spec(kind, data.draw(st.sampled_from(["1.0", "1.1", "2.0"]))))]
    setting = data.draw(st.sampled_from(["style", "fps", "aspect_ratio", "review_mode"]))
    choices: dict[str, list[Any]] = {
        "style": ["clean preview", "noir"],
        "fps": [24, 30],
        "aspect_ratio": ["16:9", "1:1"],
        "review_mode": ["auto_accept", "review"],
    }
    values = choices[setting]
    settings_ = engine.state.project.settings.model_dump()
    settings_[setting] = data.draw(st.sampled_from(values))
    return [ProjectUpdated(project(**settings_))]


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), start_accepted=st.booleans())
def test_incremental_engine_agrees_with_full_audit(data: st.DataObject, start_accepted: bool) -> None:
    engine = SyncEngine(small_state(accepted=start_accepted))
    history: dict[str, list[Provenance]] = {}
    before = full_audit(engine.state)
    assert engine.statuses() == before
    for _ in range(data.draw(st.integers(5, 40))):
        group = data.draw(st.sampled_from(["card", "shot", "structure", "asset", "asset", "asset", "global"]))
        step: Step = []
        if group == "card":
            step.extend(_edit_card(data, engine))
        elif group == "shot":
            step.extend(_edit_shot(data, engine))
        elif group == "structure":
            step.extend(_structure(data, engine))
        elif group == "asset":
            step = _asset(data, engine, history)
        else:
            step.extend(_global(data, engine))
        for change in step:
            if isinstance(change, _LateAccept):
                # A run resolves each target just before generating it, after its upstream landed.
                change = AssetAccepted(change.target, engine.resolve(change.target).provenance())
            result = engine.apply(change)
            after = full_audit(engine.state)
            assert engine.statuses() == after, change
            counted = Counter(status.status for status in after.values())
            assert engine.counts() == {status: counted[status] for status in Status}
            start, limit = data.draw(st.integers(0, len(after))), data.draw(st.integers(1, 7))
            page, total = engine.status_page(start, limit)
            assert (page, total) == (list(after.values())[start : start + limit], len(after))
            expected_changed = {t for t, status in after.items() if before.get(t) != status}
            assert set(result.changed) == expected_changed, change
            assert set(result.removed) == before.keys() - after.keys()
            before = after
    # Resolution and plans agree with the definitions too.
    for target in engine.targets():
        assert engine.resolve(target).inputs_digest == current_inputs_digest(engine.state, target)
    plan = engine.plan()
    planned = set(plan.targets)
    makeable = {t for t in before if engine.state.shots or t != engine.graph.cut}  # no shots: no cut
    assert planned == {
        t for t, s in before.items() if s.status is not Status.FRESH and not s.pinned and t in makeable
    }
    seen: set[str] = set()
    for item in plan.items:
        assert set(item.deps) <= seen
        seen.add(item.target)
