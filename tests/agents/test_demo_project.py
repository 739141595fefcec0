"""The demo makes its project with the project creation agent (propose, then approve), so the project
is the brief's; this runs that part on a real container without Temporal (tests/test_demo.py runs the
whole command)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.demo import create_from_brief, edit_of, lead_card
from craftology.projects.models import CardKind

LIGHTHOUSE = "A 60-second film about a lighthouse keeper and a storm, a cat, a boat"


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    made = build_container(Settings(data_dir=tmp_path / "data"))
    yield made
    made.close()


def test_the_demo_project_is_the_briefs(container: Container) -> None:
    demo = create_from_brief(container, LIGHTHOUSE, 24)
    _, cards, shots = container.projects.load_project(demo.principal, demo.project_id)
    by_name = {card.name: card for card in cards.values()}
    assert by_name["Lighthouse Keeper"].kind is CardKind.CHARACTER
    assert by_name["Cat"].kind is CardKind.CHARACTER
    assert by_name["Boat"].kind is CardKind.PROP
    assert by_name["Lighthouse"].attributes["weather"] == "storm"
    assert list(shots) == demo.shot_ids
    assert len(shots) == 24
    assert sum(shot.duration for shot in shots.values()) == pytest.approx(60.0)
    shown = {card_id for shot in shots.values() for card_id in shot.cards}
    assert by_name["Cat"].id in shown
    assert by_name["Boat"].id in shown
    assert [card["name"] for card in demo.proposal["cards"]][:2] == ["Lighthouse Keeper", "Cat"]

    lead = lead_card(demo)
    assert lead.name == "Lighthouse Keeper"
    assert edit_of(lead) == (["appearance", "hair"], None, "red")


def test_a_brief_without_characters_edits_its_product(container: Container) -> None:
    demo = create_from_brief(container, "a 12-second ad for a red watch, vertical", None)
    lead = lead_card(demo)
    assert (lead.name, lead.kind) == ("Watch", CardKind.PROP)
    assert edit_of(lead) == (["color"], "red", "blue")  # red already: the edit must change it
    assert demo.proposal["settings"]["aspect_ratio"] == "9:16"
