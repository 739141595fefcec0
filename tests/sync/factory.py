"""Small builders for sync tests: a project with cards, shots, models, optionally all accepted."""

from __future__ import annotations

from typing import Any

from craftology.projects.models import Card, CardKind, Project, ProjectSettings, Shot
from craftology.projects.order_keys import position_key
from craftology.sync import CodeVersion, ModelSpec, ProjectState, TargetKind, accept_everything

PROJECT_ID = "p1"

MODEL_IDS = {
    TargetKind.SHEET: "preview-sheet",
    TargetKind.KEYFRAME: "preview-keyframe",
    TargetKind.CLIP: "preview-clip",
    TargetKind.CUT: "preview-cut",
}
PRICES = {TargetKind.SHEET: 0.02, TargetKind.KEYFRAME: 0.03, TargetKind.CLIP: 0.5, TargetKind.CUT: 0.01}
UNITS: dict[TargetKind, Any] = {
    TargetKind.SHEET: "image",
    TargetKind.KEYFRAME: "image",
    TargetKind.CLIP: "second",
    TargetKind.CUT: "second",
}


def spec(kind: TargetKind, version: str = "1.0") -> ModelSpec:
    return ModelSpec(
        kind, CodeVersion(MODEL_IDS[kind], version, "1", {"steps": 4}), PRICES[kind], UNITS[kind]
    )


def models() -> dict[TargetKind, ModelSpec]:
    return {kind: spec(kind) for kind in TargetKind}


def project(**settings: Any) -> Project:
    return Project(id=PROJECT_ID, name="Trail shoes", settings=ProjectSettings(**settings))


def card(card_id: str, kind: CardKind = CardKind.CHARACTER, **attributes: Any) -> Card:
    return Card(id=card_id, project_id=PROJECT_ID, kind=kind, name=card_id.title(), attributes=attributes)


def shot(shot_id: str, order: int, cards: list[str], **fields: Any) -> Shot:
    fields.setdefault("description", f"shot {shot_id}")
    return Shot(id=shot_id, project_id=PROJECT_ID, order=order, cards=cards, **fields)


def small_state(*, accepted: bool = True) -> ProjectState:
    """mia (character) in s1 and s2, dusk (location) in s2 and s3, shoe (prop) unused."""
    cards = [
        card(
            "mia", appearance={"hair": "brown", "eyes": "green"}, wardrobe="red jacket", backstory="ran once"
        ),
        card("dusk", CardKind.LOCATION, setting="forest trail", time_of_day="dusk"),
        card("shoe", CardKind.PROP, color="orange"),
    ]
    shots = [
        shot("s1", 0, ["mia"]),
        shot("s2", 1, ["mia", "dusk"], duration=4.0),
        shot("s3", 2, ["dusk"], duration=2.5),
    ]
    state = ProjectState(
        project=project(),
        cards={c.id: c for c in cards},
        shots={s.id: s for s in shots},
        accepted={},
        pinned=set(),
        models=models(),
    )
    if accepted:
        state.accepted = accept_everything(state)
    return state


def big_state(
    shot_count: int, *, hot_card: str = "hot", hot_shots: int = 10, cards: int = 50
) -> ProjectState:
    """Every target fresh; `hot_card` is referenced by exactly `hot_shots` shots, the rest of the
    references cycle over the other cards."""
    others = [f"c{i}" for i in range(cards - 1)]
    all_cards = {c: card(c, appearance="plain") for c in [hot_card, *others]}
    every = max(1, shot_count // hot_shots)
    shots: dict[str, Shot] = {}
    for i in range(shot_count):
        refs = [others[i % len(others)], others[(i * 7 + 3) % len(others)]]
        if i % every == 0 and i // every < hot_shots:
            refs.append(hot_card)
        shots[f"s{i}"] = Shot.model_construct(
            id=f"s{i}",
            project_id=PROJECT_ID,
            order=position_key(i),
            description=f"shot {i}",
            cards=refs,
            duration=3.0,
        )
    state = ProjectState(project(), all_cards, shots, {}, set(), models())
    state.accepted = accept_everything(state)
    return state
