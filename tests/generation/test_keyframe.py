from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from craftology.errors import BadInput
from craftology.generation.preview.keyframe import frame_size
from craftology.ports.generator import CardRef, Generator, KeyframeRequest, SheetRequest
from tests.generation.conftest import has_preview_badge, png

MAGENTA = np.array([255, 0, 255])


def keyframe_request(cards: list[CardRef], **changes: object) -> KeyframeRequest:
    request = KeyframeRequest(
        shot_id="s1",
        description="Mia laces her trail shoes on the ridge as the sun goes down behind the hills.",
        camera="pan_right",
        framing="medium",
        aspect_ratio="16:9",
        style="dusk, cinematic",
        cards=cards,
        seed=3,
    )
    return dataclasses.replace(request, **changes)


def pixels(content: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(content)) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture(scope="module")
def magenta_card() -> CardRef:
    # A flat magenta "sheet": every magenta pixel in the keyframe comes from the pasted subject.
    return CardRef("shoe", "prop", "Shoe", png(np.broadcast_to(MAGENTA, (300, 200, 3))))


@pytest.mark.parametrize(
    ("ratio", "size"),
    [
        ("16:9", (768, 432)),
        ("9:16", (432, 768)),
        ("1:1", (768, 768)),
        ("4:3", (768, 576)),
        ("2.39:1", (768, 322)),
    ],
)
def test_size_follows_the_aspect_ratio(
    generators: dict[str, Generator], magenta_card: CardRef, ratio: str, size: tuple[int, int]
) -> None:
    assert frame_size(ratio) == size
    media = generators["keyframe"].generate(keyframe_request([magenta_card], aspect_ratio=ratio))
    image = pixels(media.content)
    assert (image.shape[1], image.shape[0]) == size
    assert (media.metadata["width"], media.metadata["height"]) == size
    assert has_preview_badge(image, tolerance=0)
    assert media.metadata["model"] == "preview-keyframe"
    assert media.metadata["version"] == "1.0"
    assert media.metadata["preview"] is True
    assert media.metadata["label"] == "preview"


def test_closer_framing_makes_subjects_bigger(
    generators: dict[str, Generator], magenta_card: CardRef
) -> None:
    areas = []
    for framing in ["extreme_wide", "wide", "medium", "close_up", "extreme_close_up"]:
        image = pixels(
            generators["keyframe"].generate(keyframe_request([magenta_card], framing=framing)).content
        )
        areas.append(int((image == MAGENTA).all(axis=2).sum()))
    assert areas[0] > 0
    assert areas == sorted(areas)
    assert len(set(areas)) == len(areas)


def test_each_card_sheet_is_pasted_in(
    generators: dict[str, Generator], magenta_card: CardRef, sheet_request: SheetRequest
) -> None:
    sheet = generators["sheet"].generate(sheet_request).content
    mia = CardRef("mia", "character", "Mia", sheet)
    alone = pixels(generators["keyframe"].generate(keyframe_request([magenta_card])).content)
    together = pixels(generators["keyframe"].generate(keyframe_request([magenta_card, mia])).content)
    blue = np.array([40, 80, 200])  # Mia's jacket on her sheet
    assert int((np.abs(alone.astype(int) - blue).max(axis=2) < 12).sum()) == 0
    assert int((np.abs(together.astype(int) - blue).max(axis=2) < 12).sum()) > 50
    assert int((together == MAGENTA).all(axis=2).sum()) > 0


def test_description_and_seed_change_the_image(
    generators: dict[str, Generator], magenta_card: CardRef
) -> None:
    base = generators["keyframe"].generate(keyframe_request([magenta_card])).content
    assert base == generators["keyframe"].generate(keyframe_request([magenta_card])).content
    other_text = (
        generators["keyframe"].generate(keyframe_request([magenta_card], description="Rain.")).content
    )
    other_seed = generators["keyframe"].generate(keyframe_request([magenta_card], seed=4)).content
    assert len({base, other_text, other_seed}) == 3


def test_undecodable_sheet_is_bad_input(generators: dict[str, Generator]) -> None:
    garbage = CardRef("mia", "character", "Mia", b"\x89PNG not really an image")
    with pytest.raises(BadInput, match="sheet of card mia"):
        generators["keyframe"].generate(keyframe_request([garbage]))


@pytest.mark.parametrize("change", [{"aspect_ratio": "wide"}, {"aspect_ratio": "0:9"}, {"framing": "macro"}])
def test_unusable_shot_fields_are_bad_input(generators: dict[str, Generator], change: dict[str, str]) -> None:
    with pytest.raises(BadInput):
        generators["keyframe"].generate(keyframe_request([], **change))


def test_a_style_card_is_an_inset_not_a_subject(
    generators: dict[str, Generator], magenta_card: CardRef
) -> None:
    as_style = CardRef("look", "style", "Look", magenta_card.sheet)
    subject = pixels(generators["keyframe"].generate(keyframe_request([magenta_card])).content)
    inset = pixels(generators["keyframe"].generate(keyframe_request([as_style])).content)
    subject_area = int((subject == MAGENTA).all(axis=2).sum())
    inset_area = int((inset == MAGENTA).all(axis=2).sum())
    assert 0 < inset_area < subject_area / 2
