"""Benchmark: detecting what one visual card edit makes stale, incrementally vs a full audit.

A project of N shots and 500 cards (each shot references 1-3 cards; one card is in ~1% of shots),
every target FRESH. Change one visual attribute of that card, apply the change and plan. At 100k
shots also: add a shot at the end, move one, delete one (each then planned). At 50k shots, a move
and one 100-shot list page through ProjectService on the real SQLite store.

    python bench/sync_plan.py           # a readable table
    python bench/sync_plan.py --json    # one JSON object
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from typing import Any

from _cross_process import cross_process_ms
from _shot_reads import shot_read_ms
from craftology.projects.models import Card, CardKind, Project, ProjectSettings, Shot
from craftology.projects.order_keys import keys_between, position_key
from craftology.sync import (
    CardUpserted,
    CodeVersion,
    ModelSpec,
    ProjectState,
    ShotDeleted,
    ShotUpserted,
    SyncEngine,
    TargetKind,
    accept_everything,
    expected_targets_for_card_visual_edit,
    full_audit,
)

CARDS = 500
HOT_CARD = "card-hot"
REPEATS = 15
HOT_SHOTS = 100


def _models() -> dict[TargetKind, ModelSpec]:
    prices = {TargetKind.SHEET: 0.02, TargetKind.KEYFRAME: 0.03, TargetKind.CLIP: 0.5, TargetKind.CUT: 0.01}
    units: dict[TargetKind, Any] = {
        TargetKind.SHEET: "image",
        TargetKind.KEYFRAME: "image",
        TargetKind.CLIP: "second",
        TargetKind.CUT: "second",
    }
    return {
        kind: ModelSpec(kind, CodeVersion(f"preview-{kind.value}", "1.0", "1"), prices[kind], units[kind])
        for kind in TargetKind
    }


def build_state(shot_count: int, seed: int = 7, hot_shots: int = HOT_SHOTS) -> ProjectState:
    """All targets accepted as generated now, so every one of them is FRESH."""
    rng = random.Random(seed)
    project = Project(id="bench", name="Bench", settings=ProjectSettings(shot_count=shot_count))
    card_ids = [HOT_CARD] + [f"card-{i}" for i in range(1, CARDS)]
    cards = {
        card_id: Card(
            id=card_id,
            project_id=project.id,
            kind=CardKind.CHARACTER,
            name=card_id,
            attributes={"appearance": {"hair": "brown"}, "wardrobe": f"outfit {i}", "backstory": "..."},
        )
        for i, card_id in enumerate(card_ids)
    }
    others = card_ids[1:]
    # The hot card is in HOT_SHOTS shots at every size (1% of 10,000), so a bigger project changes
    # only what the edit does NOT touch: the incremental cost should not grow with it.
    hot_every = max(1, shot_count // hot_shots)
    shots: dict[str, Shot] = {}
    for i in range(shot_count):
        refs = rng.sample(others, rng.randint(1, 3))
        if i % hot_every == 0:
            refs[0] = HOT_CARD
        shot_id = f"shot-{i}"
        # model_construct: the records are built right here, valid by construction, and validating
        # 100,000 of them would dominate the setup time.
        shots[shot_id] = Shot.model_construct(
            id=shot_id,
            project_id=project.id,
            order=position_key(i),
            description=f"shot {i}",
            cards=refs,
            duration=3.0,
        )
    state = ProjectState(project, cards, shots, {}, set(), _models())
    state.accepted = accept_everything(state)
    return state


def _edit(card: Card, hair: str) -> CardUpserted:
    return CardUpserted(
        card.model_copy(update={"attributes": {**card.attributes, "appearance": {"hair": hair}}})
    )


def measure_incremental(engine: SyncEngine) -> tuple[float, int]:
    """Median ms of apply + plan, toggling the hot card's hair so each repeat starts all-fresh."""
    original = engine.state.cards[HOT_CARD]
    timings = []
    plan_size = 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        engine.apply(_edit(original, "red"))
        plan = engine.plan()
        timings.append((time.perf_counter() - start) * 1000)
        plan_size = len(plan.items)
        engine.apply(_edit(original, "brown"))
        assert not engine.plan().items, "toggling back must leave everything fresh"
    return statistics.median(timings), plan_size


def measure_cold_edit(shot_count: int) -> float:
    """Median ms of the first edit + plan on an engine just built (nothing warmed by earlier edits)."""
    timings = []
    for _ in range(3):
        engine = SyncEngine(build_state(shot_count))
        start = time.perf_counter()
        engine.apply(_edit(engine.state.cards[HOT_CARD], "red"))
        engine.plan()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def measure_structural(engine: SyncEngine) -> float:
    """Median ms of adding a shot (at the end, as the API does) and planning; removed again untimed."""
    timings = []
    count = len(engine.state.shots)
    for repeat in range(REPEATS):
        project_id = engine.state.project.id
        shot = Shot(id=f"new-{repeat}", project_id=project_id, order=position_key(count), description="new")
        start = time.perf_counter()
        engine.apply(ShotUpserted(shot))
        engine.plan()
        timings.append((time.perf_counter() - start) * 1000)
        engine.apply(ShotDeleted(shot.id))
    return statistics.median(timings)


def measure_move(engine: SyncEngine) -> float:
    """Median ms of moving one shot from the middle to near the front (a new key between two
    neighbours, as the API's move writes it) and planning; moved back again untimed."""
    timings = []
    order = engine.graph.order
    for repeat in range(REPEATS):
        shot = engine.state.shots[order[len(order) // 2 + repeat]]
        low, high = (engine.state.shots[s].order for s in order[10 + repeat : 12 + repeat])
        moved = shot.model_copy(update={"order": keys_between(low, high, 1)[0]})
        start = time.perf_counter()
        engine.apply(ShotUpserted(moved))
        engine.plan()
        timings.append((time.perf_counter() - start) * 1000)
        engine.apply(ShotUpserted(shot))
    return statistics.median(timings)


def measure_delete(engine: SyncEngine) -> float:
    """Median ms of deleting a shot in the middle and planning (the shots stay deleted)."""
    timings = []
    for repeat in range(REPEATS):
        shot_id = engine.graph.order[len(engine.graph.order) // 3 + repeat]
        start = time.perf_counter()
        engine.apply(ShotDeleted(shot_id))
        engine.plan()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def run(shots_10k: int = 10_000, shots_100k: int = 100_000, shots_50k: int = 50_000) -> dict[str, Any]:
    t0 = time.perf_counter()
    state = build_state(shots_10k)
    engine = SyncEngine(state)
    build_s = time.perf_counter() - t0
    incremental_ms, plan_size = measure_incremental(engine)
    expected = expected_targets_for_card_visual_edit(engine.state, HOT_CARD)

    edited = engine.state.copy()
    edited.cards[HOT_CARD] = _edit(edited.cards[HOT_CARD], "red").card
    audits = []
    for _ in range(3):
        start = time.perf_counter()
        audit = full_audit(edited)
        audits.append((time.perf_counter() - start) * 1000)
    stale_in_audit = {t for t, s in audit.items() if s.status.value != "fresh"}
    full_audit_ms = statistics.median(audits)

    t0 = time.perf_counter()
    engine_100k = SyncEngine(build_state(shots_100k))
    build_100k_s = time.perf_counter() - t0
    incremental_100k_ms, plan_size_100k = measure_incremental(engine_100k)
    structural_100k_ms = measure_structural(engine_100k)
    move_100k_ms = measure_move(engine_100k)
    delete_100k_ms = measure_delete(engine_100k)
    del engine_100k
    engine_1pct = SyncEngine(build_state(shots_100k, hot_shots=shots_100k // 100))
    incremental_1pct_ms, plan_size_1pct = measure_incremental(engine_1pct)
    del engine_1pct
    cold_ms = measure_cold_edit(shots_10k)
    cross_ms, cross_plan = cross_process_ms(build_state(shots_10k), HOT_CARD, repeats=5)
    move_ms, list_page_ms = shot_read_ms(shots_50k)
    return {
        "shots": shots_10k,
        "cards": CARDS,
        "hot_card_shots": len(engine.graph.referenced_by[HOT_CARD]),
        "build_s": round(build_s, 3),
        "incremental_ms": round(incremental_ms, 3),
        "full_audit_ms": round(full_audit_ms, 3),
        "speedup": round(full_audit_ms / incremental_ms, 1),
        "plan_size": plan_size,
        "expected_size": len(expected),
        "plan_matches_expected": plan_size == len(expected) and stale_in_audit == expected,
        "build_100k_s": round(build_100k_s, 3),
        "incremental_ms_100k": round(incremental_100k_ms, 3),
        "plan_size_100k": plan_size_100k,
        "growth_10k_to_100k": round(incremental_100k_ms / incremental_ms, 2),
        "cold_edit_ms": round(cold_ms, 3),
        "structural_ms_100k": round(structural_100k_ms, 3),
        "structural_vs_incremental_100k": round(structural_100k_ms / incremental_100k_ms, 2),
        "structural_move_ms_100k": round(move_100k_ms, 3),
        "structural_delete_ms_100k": round(delete_100k_ms, 3),
        "incremental_ms_1pct_100k": round(incremental_1pct_ms, 3),
        "plan_size_1pct_100k": plan_size_1pct,
        "cross_process_ms": round(cross_ms, 3),
        "cross_process_plan_size": cross_plan,
        "move_ms_50k": round(move_ms, 3),
        "list_page_ms_50k": round(list_page_ms, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--shots", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000, help="shots in the scaling run")
    args = parser.parse_args()
    result = run(args.shots, args.big)
    if args.json:
        print(json.dumps(result))
        return
    width = max(len(key) for key in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
