"""Slot extraction: as the user said it without a project, resolved to ids with one."""

from __future__ import annotations

import pytest

from craftology.agents.intent import EmbeddedIntentEngine
from craftology.agents.intent.context import project_context
from craftology.agents.intent.slots import extract
from craftology.ports.intent import CardRef, Intent, ProjectContext, ShotRef, SlotValue
from craftology.projects.models import Card, CardKind, Project, Shot

CONTEXT = ProjectContext(
    project_id="p1",
    cards=(
        CardRef("c-keeper", "Lighthouse Keeper", "character"),
        CardRef("c-cat", "Whiskers", "character"),
        CardRef("c-harbour", "Old Harbour", "location"),
        CardRef("c-noir", "Noir", "style"),
    ),
    shots=(
        ShotRef("s-a", 1, "the keeper climbs the spiral stairs"),
        ShotRef("s-b", 2, "a storm hits the sea"),
        ShotRef("s-c", 3, "the cat sleeps on the boat"),
    ),
)


@pytest.fixture(scope="module")
def engine() -> EmbeddedIntentEngine:
    return EmbeddedIntentEngine()


@pytest.mark.parametrize(
    ("intent", "text", "slots"),
    [
        (
            Intent.EDIT_SHOT,
            "make the twenty-first shot faster",
            {"shot": 21, "field": "motion", "value": "fast"},
        ),
        (Intent.EDIT_SHOT, "shot 3: 3.5 seconds", {"shot": 3, "field": "duration", "value": 3.5}),
        (
            Intent.EDIT_SHOT,
            "the final shot, too slow - make it fast",
            {"shot": "last", "field": "motion", "value": "fast"},
        ),
        (
            Intent.EDIT_SHOT,
            "change the description of shot 4 to The Keeper waves",
            {"shot": 4, "field": "description", "value": "The Keeper waves"},
        ),
        (Intent.REMOVE_SHOT, "remove shot twelve", {"shot": 12}),
        (
            Intent.ADD_SHOT,
            "insert a shot of gulls after the 2nd shot",
            {"position": 3, "description": "gulls"},
        ),
        (
            Intent.ADD_SHOT,
            "add a shot at the very end: the lamp goes out",
            {"position": "end", "description": "the lamp goes out"},
        ),
        (
            Intent.ADD_CARD,
            'add a prop called "Brass Lantern", with a cracked glass',
            {"kind": "prop", "name": "Brass Lantern", "attributes": {"description": "with a cracked glass"}},
        ),
        (
            Intent.EDIT_CARD,
            "rename Whiskers to Mr Whiskers",
            {"card": "Whiskers", "field": "name", "value": "Mr Whiskers"},
        ),
        (
            Intent.CREATE_PROJECT,
            "Please create a new project about a lighthouse keeper and a storm, twenty-four shots",
            {"shot_count": 24, "brief": "a lighthouse keeper and a storm, twenty-four shots"},
        ),
        (Intent.REGENERATE, "redo the clip of shot 2", {"target": "shot/2/clip"}),
        (Intent.SHARE, "give globex read access to the cut", {"tenant": "globex", "what": "cut"}),
        (Intent.APPROVE_PLAN, "yes, go", {}),
    ],
)
def test_without_context_slots_stay_as_said(intent: Intent, text: str, slots: dict[str, SlotValue]) -> None:
    assert extract(intent, text) == slots


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("make the second shot a close-up", {"shot": "s-b", "field": "framing", "value": "close_up"}),
        ("make shot 3 handheld", {"shot": "s-c", "field": "camera", "value": "handheld"}),
        ("delete the last shot", {"shot": "s-c"}),
        ("remove the shot with the storm", {"shot": "s-b"}),
        (
            "change the lighthouse keeper's hair to white",
            {"card": "c-keeper", "field": "appearance", "value": "white"},
        ),
        (
            "the keeper should wear a yellow raincoat",
            {"card": "c-keeper", "field": "wardrobe", "value": "yellow raincoat"},
        ),
        (
            "set the harbour lighting to moonlight",
            {"card": "c-harbour", "field": "lighting", "value": "moonlight"},
        ),
        (
            "change the style palette to cold blues",
            {"card": "c-noir", "field": "palette", "value": "cold blues"},
        ),
        ("regenerate the keyframe of shot 1", {"target": "shot/s-a/keyframe"}),
        ("redo Whiskers's sheet", {"target": "card/c-cat/sheet"}),
        ("rebuild the final cut", {"target": "project/p1/cut"}),
        ("add a shot at the end: the lamp goes out", {"position": 4, "description": "the lamp goes out"}),
        ("share the harbour card with acme", {"what": "card/c-harbour", "tenant": "acme"}),
    ],
)
def test_with_context_references_resolve_to_ids(
    engine: EmbeddedIntentEngine, text: str, slots: dict[str, SlotValue]
) -> None:
    assert dict(engine.detect(text, CONTEXT).slots) == slots


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("delete shot 9", {"shot": 9}),  # no ninth shot: left as said, for the caller to question
        ("make the dragon's wings bigger", {"card": "dragon", "field": "size", "value": "wings bigger"}),
        ("remove the shot with the keeper", {"shot": "s-a"}),
    ],
)
def test_with_context_what_matches_nothing_stays_as_said(
    engine: EmbeddedIntentEngine, text: str, slots: dict[str, SlotValue]
) -> None:
    assert dict(engine.detect(text, CONTEXT).slots) == slots


def test_an_ambiguous_reference_is_not_guessed(engine: EmbeddedIntentEngine) -> None:
    twins = ProjectContext(
        "p", cards=(CardRef("a", "Old Tom", "character"), CardRef("b", "Old Mary", "character"))
    )
    assert engine.detect("make old's coat red", twins).slots.get("card") == "old"


def test_context_from_a_project_numbers_shots_in_storyboard_order() -> None:
    project = Project(id="p1", name="Lighthouse")
    card = Card(id="c1", project_id="p1", kind=CardKind.PROP, name="Lantern")
    later = Shot(id="s2", project_id="p1", order="i00000000001", description="later")
    first = Shot(id="s1", project_id="p1", order="i00000000000", description="first")
    context = project_context(project, {"c1": card}, {"s2": later, "s1": first})
    assert context == ProjectContext(
        "p1", (CardRef("c1", "Lantern", "prop"),), (ShotRef("s1", 1, "first"), ShotRef("s2", 2, "later"))
    )
