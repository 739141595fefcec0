"""Plans as JSON and as lines for the CLI."""

from __future__ import annotations

import json

from craftology.sync import CardUpserted, SyncEngine, full_audit, render_plan, render_statuses

from .factory import small_state


def _edited_engine() -> SyncEngine:
    engine = SyncEngine(small_state())
    dusk = engine.state.cards["dusk"]
    engine.apply(CardUpserted(dusk.model_copy(update={"attributes": {**dusk.attributes, "weather": "rain"}})))
    return engine


def test_plan_to_dict_is_json_and_complete() -> None:
    plan = _edited_engine().plan()
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["count"] == len(plan.items) == 6
    first = data["items"][0]
    assert first["target"] == "card/dusk/sheet"
    assert first["causes"] == [
        {
            "type": "data",
            "path": "cards/dusk.attributes.weather",
            "old": None,
            "new": "rain",
            "text": 'DATA cards/dusk.attributes.weather null→"rain"',
        }
    ]
    assert data["items"][1]["deps"] == ["card/dusk/sheet"]
    assert len(first["inputs_digest"]) == 64
    assert data["total_cost"] == plan.total_cost


def test_render_plan_prints_each_item_with_its_causes() -> None:
    lines = render_plan(_edited_engine().plan())
    assert lines[0].split() == ["1.", "STALE", "card/dusk/sheet", "0.0200", "(1", "image)"]
    assert lines[1].strip() == 'DATA cards/dusk.attributes.weather null→"rain"'
    assert lines[2].split()[:3] == ["2.", "STALE", "shot/s2/keyframe"]
    assert lines[3].strip() == "UPSTREAM card/dusk/sheet"
    assert lines[-1].startswith("6 targets, estimated cost ")


def test_render_statuses_lists_only_what_is_not_fresh() -> None:
    engine = _edited_engine()
    lines = render_statuses(full_audit(engine.state))
    assert lines[:2] == ["STALE card/dusk/sheet", '    DATA cards/dusk.attributes.weather null→"rain"']
    assert not any("card/mia/sheet" in line for line in lines)
