"""On big projects the engine's work follows what a change touches, not the project's size."""

from __future__ import annotations

import pytest

from craftology.projects.order_keys import keys_between
from craftology.sync import (
    CardUpserted,
    ShotDeleted,
    ShotsReordered,
    ShotUpserted,
    Status,
    SyncEngine,
    expected_targets_for_card_visual_edit,
    full_audit,
)
from craftology.sync.order import order_digest

from .factory import big_state


def _hot_edit(engine: SyncEngine) -> CardUpserted:
    hot = engine.state.cards["hot"]
    return CardUpserted(hot.model_copy(update={"attributes": {"appearance": "striped"}}))


@pytest.mark.parametrize("shots", [500, 5_000])
def test_a_visual_edit_visits_only_the_affected_targets(shots: int) -> None:
    engine = SyncEngine(big_state(shots, hot_shots=10))
    result = engine.apply(_hot_edit(engine))
    expected = expected_targets_for_card_visual_edit(engine.state, "hot")
    assert len(expected) == 1 + 10 + 10 + 1
    # One sheet, its ten keyframes and clips, and the cut once (layers are settled in order).
    assert result.visited == len(expected)
    assert set(result.changed) == expected
    assert set(engine.plan().targets) == expected


def test_the_engine_and_the_independent_helper_agree_with_a_full_audit() -> None:
    engine = SyncEngine(big_state(2_000, hot_shots=20))
    engine.apply(_hot_edit(engine))
    not_fresh = {t for t, s in full_audit(engine.state).items() if s.status is not Status.FRESH}
    assert not_fresh == expected_targets_for_card_visual_edit(engine.state, "hot")
    assert engine.statuses() == full_audit(engine.state)


def test_a_reorder_visits_only_the_cut() -> None:
    engine = SyncEngine(big_state(3_000))
    order = list(engine.graph.order)
    order[0], order[-1] = order[-1], order[0]
    result = engine.apply(ShotsReordered(tuple(order)))
    assert result.visited == 1
    assert result.changed == (engine.graph.cut,)


def test_moving_or_deleting_one_shot_visits_only_the_cut() -> None:
    engine = SyncEngine(big_state(3_000))
    order = list(engine.graph.order)
    shots = engine.state.shots
    key = keys_between(shots[order[10]].order, shots[order[11]].order, 1)[0]
    result = engine.apply(ShotUpserted(shots[order[2000]].model_copy(update={"order": key})))
    assert (result.visited, result.changed) == (1, (engine.graph.cut,))
    assert engine.graph.order == [*order[:11], order[2000], *order[11:2000], *order[2001:]]
    result = engine.apply(ShotDeleted(order[1500]))
    assert (result.visited, result.changed) == (1, (engine.graph.cut,))
    assert engine.graph.order_digest == order_digest(engine.graph.order)
    assert engine.statuses() == full_audit(engine.state)
