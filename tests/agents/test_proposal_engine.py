"""The embedded proposal engine reads the brief: its subjects become cards with the attributes the
brief gives them, its length and frame become settings, and the storyboard follows an arc."""

from __future__ import annotations

import pytest

from craftology.agents.proposal.draft import Proposal, SourceDocument
from craftology.agents.proposal.engine import EmbeddedProposalEngine
from craftology.errors import BadInput
from craftology.ports.proposals import ProposalEngine
from craftology.projects.models import AspectRatio, CardKind, Framing

LIGHTHOUSE = "A 60-second film about a lighthouse keeper and a storm, a cat, a boat"
ENGINE = EmbeddedProposalEngine()


def propose(brief: str, shots: int | None = None, documents: list[SourceDocument] | None = None) -> Proposal:
    return ENGINE.propose(brief, documents or [], shots)


def card(proposal: Proposal, name: str) -> dict[str, object]:
    (found,) = [c for c in proposal.cards if c.name.lower() == name]
    return {"kind": found.kind, "id": found.draft_id, **found.attributes}


def kinds(proposal: Proposal) -> dict[str, CardKind]:
    return {c.name.lower(): c.kind for c in proposal.cards}


def test_the_engine_is_a_proposal_engine() -> None:
    assert isinstance(ENGINE, ProposalEngine)


def test_the_lighthouse_brief_becomes_its_own_project() -> None:
    proposal = propose(LIGHTHOUSE, 24)
    by_name = kinds(proposal)
    assert by_name["lighthouse keeper"] is CardKind.CHARACTER
    assert by_name["cat"] is CardKind.CHARACTER
    assert by_name["boat"] is CardKind.PROP
    assert by_name["lighthouse"] is CardKind.LOCATION
    place = card(proposal, "lighthouse")
    assert "coast" in str(place["setting"])
    assert "sea" in str(place["setting"])
    assert place["weather"] == "storm"
    style = next(c for c in proposal.cards if c.kind is CardKind.STYLE)
    assert "turbulent" in style.attributes["mood"]
    # Nothing of the old keyword decomposer's fixed world.
    names = " ".join(by_name)
    assert not {"runner", "product", "city street"} & set(by_name), names

    assert len(proposal.shots) == 24
    assert sum(s.duration for s in proposal.shots) == pytest.approx(60.0)
    assert all(2.0 <= s.duration <= 4.0 for s in proposal.shots)
    shown = {card_id for shot in proposal.shots for card_id in shot.cards}
    assert {c.draft_id for c in proposal.cards} <= shown  # every card is in some shot
    assert any("storm" in s.description for s in proposal.shots)
    assert proposal.project.settings.shot_count == 24
    assert "Lighthouse Keeper" in proposal.project.name


def test_attributes_are_read_from_the_brief_not_defaults() -> None:
    proposal = propose(
        "A 60-second film about an old lighthouse keeper with a grey beard and a yellow oilskin coat, "
        "a storm, a ginger cat, a small wooden boat"
    )
    keeper = card(proposal, "lighthouse keeper")
    assert keeper["age"] == "old"
    assert keeper["appearance"]["beard"] == "grey"  # type: ignore[index]
    assert "yellow oilskin coat" in str(keeper["wardrobe"])
    assert "coat" not in kinds(proposal)  # what he wears is his wardrobe, not a prop
    assert card(proposal, "cat")["appearance"]["fur"] == "ginger"  # type: ignore[index]
    boat = card(proposal, "boat")
    assert (boat["size"], boat["material"]) == ("small", "wooden")
    plain = card(propose(LIGHTHOUSE), "lighthouse keeper")
    assert "age" not in plain
    assert "beard" not in plain["appearance"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("brief", "expected", "settings"),
    [
        (
            "a 30-second ad for trail shoes, six shots, dusk, handheld",
            {"trail shoes": CardKind.PROP, "trail": CardKind.LOCATION},
            {"shot_count": 6, "aspect_ratio": AspectRatio.WIDE},
        ),
        (
            "A noir short about a detective named Sam in a rainy city at night, with a red umbrella",
            {"sam": CardKind.CHARACTER, "city": CardKind.LOCATION, "umbrella": CardKind.PROP},
            {"shot_count": 6},
        ),
        (
            "a 15-second vertical recipe video: a cheerful chef in a sunny kitchen making fresh pasta",
            {"chef": CardKind.CHARACTER, "kitchen": CardKind.LOCATION, "pasta": CardKind.PROP},
            {"aspect_ratio": AspectRatio.TALL, "shot_count": 5},
        ),
        (
            "An astronaut and a small rusty robot explore a red desert planet at sunset, cinematic, 2.39:1",
            {"astronaut": CardKind.CHARACTER, "robot": CardKind.CHARACTER, "planet": CardKind.LOCATION},
            {"aspect_ratio": AspectRatio.SCOPE},
        ),
        (
            "A young knight with a silver sword faces a dragon in a misty forest at dawn. Epic fantasy, "
            "90 seconds.",
            {"knight": CardKind.CHARACTER, "dragon": CardKind.CHARACTER, "forest": CardKind.LOCATION,
             "sword": CardKind.PROP},
            {"shot_count": 30},
        ),
    ],
)  # fmt: skip
def test_briefs_of_other_genres(
    brief: str, expected: dict[str, CardKind], settings: dict[str, object]
) -> None:
    proposal = propose(brief)
    assert expected.items() <= kinds(proposal).items(), kinds(proposal)
    for name, value in settings.items():
        assert getattr(proposal.project.settings, name) == value, name


def test_details_of_other_briefs() -> None:
    noir = propose("A noir short about a detective named Sam in a rainy city at night, with a red umbrella")
    city = card(noir, "city")
    assert (city["weather"], city["time_of_day"]) == ("rain", "night")
    assert card(noir, "umbrella")["color"] == "red"
    assert card(noir, "sam")["occupation"] == "detective"
    assert "noir" in noir.project.settings.style
    ad = propose("a 30-second ad for trail shoes, six shots, dusk, handheld")
    assert all(s.camera != "static" for s in ad.shots)  # handheld asked for
    assert any("Hero shot" in s.description for s in ad.shots)
    # 30 s cannot be six shots of at most 4 s: said, not hidden.
    assert sum(s.duration for s in ad.shots) == pytest.approx(24.0)
    assert any("30 s" in note for note in ad.notes)
    planet = propose("An astronaut and a small rusty robot explore a red desert planet at sunset")
    assert "red desert planet" in card(planet, "planet")["setting"]  # type: ignore[operator]
    assert card(planet, "robot")["build"] == "small"


def test_same_input_same_proposal() -> None:
    first = propose(LIGHTHOUSE, 24).model_dump(mode="json")
    assert EmbeddedProposalEngine().propose(LIGHTHOUSE, [], 24).model_dump(mode="json") == first
    assert propose(LIGHTHOUSE + " at night", 24).model_dump(mode="json") != first


@pytest.mark.parametrize("count", [1, 3, 24, 200, 500])
def test_any_shot_count_follows_an_arc(count: int) -> None:
    proposal = propose(LIGHTHOUSE, count)
    shots = proposal.shots
    assert len(shots) == count
    assert len({s.draft_id for s in shots}) == count
    assert shots[0].description.startswith("Establishing")
    assert shots[0].framing in (Framing.EXTREME_WIDE, Framing.WIDE)
    if count >= 2:
        assert shots[-1].description.startswith("Resolution")
    if count >= 3:
        assert any(s.description.startswith("Climax") for s in shots)
    if count >= 5:
        beats = [s.description.split(":")[0] for s in shots]
        order = ["Establishing", "Introduction", "Rising action", "Climax", "Resolution"]
        assert list(dict.fromkeys(beats)) == order
    total = sum(s.duration for s in shots)
    # 60 s fits from 15 to 30 shots; outside that the length is the nearest possible one.
    assert total == pytest.approx(min(max(60.0, 2.0 * count), 4.0 * count))
    assert Proposal.model_validate(proposal.model_dump())  # its references hold


def test_a_script_brings_its_characters_and_places() -> None:
    script = SourceDocument(
        name="draft.fountain",
        kind="script",
        text="INT. LIGHTHOUSE - NIGHT\n\nThe lamp turns.\n\nMARTHA\nThe boat is late.\n\n"
        "EXT. HARBOUR - DAWN\n\nTOMAS (O.S.)\nHere!\n",
    )
    image = SourceDocument(name="mood board", kind="image", asset_id="asset-123")
    proposal = propose("A short film about a storm", documents=[script, image])
    by_name = kinds(proposal)
    assert by_name["martha"] is CardKind.CHARACTER
    assert by_name["tomas"] is CardKind.CHARACTER
    assert by_name["lighthouse"] is CardKind.LOCATION
    assert card(proposal, "lighthouse")["time_of_day"] == "night"
    assert "boat" in by_name
    assert [(a.name, a.asset_id) for a in proposal.attachments] == [("mood board", "asset-123")]


def test_an_empty_brief_is_bad_input() -> None:
    with pytest.raises(BadInput, match="brief"):
        propose("   ")


def test_a_brief_without_a_place_still_gets_one() -> None:
    proposal = propose("a commercial for a blue watch")
    assert kinds(proposal)["watch"] is CardKind.PROP
    assert card(proposal, "watch")["color"] == "blue"
    assert any(c.kind is CardKind.LOCATION for c in proposal.cards)
