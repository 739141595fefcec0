from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from craftology.generation.preview.drawing import COLOUR_WORDS
from craftology.ports.generator import Generator, SheetRequest
from tests.generation.conftest import has_preview_badge, mean_abs_diff


def pixels(content: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def colour_count(image: np.ndarray, word: str) -> int:
    return int((image == np.array(COLOUR_WORDS[word])).all(axis=2).sum())


def test_sheet_is_a_labelled_png_with_metadata(
    generators: dict[str, Generator], sheet_request: SheetRequest
) -> None:
    media = generators["sheet"].generate(sheet_request)
    assert media.content_type == "image/png"
    assert media.metadata["model"] == "preview-sheet"
    assert media.metadata["version"] == "1.0"
    assert media.metadata["preview"] is True
    assert media.metadata["label"] == "preview"
    image = pixels(media.content)
    assert image.shape == (512, 768, 3)
    assert has_preview_badge(image, tolerance=0)


def test_same_request_gives_identical_bytes(
    generators: dict[str, Generator], sheet_request: SheetRequest
) -> None:
    first = generators["sheet"].generate(sheet_request).content
    again = generators["sheet"].generate(dataclasses.replace(sheet_request)).content
    assert first == again


def test_hair_colour_word_colours_the_figures(
    generators: dict[str, Generator], sheet_request: SheetRequest
) -> None:
    brown = pixels(generators["sheet"].generate(sheet_request).content)
    red_request = dataclasses.replace(
        sheet_request, visual={**sheet_request.visual, "appearance": {"hair": "red"}}
    )
    red = pixels(generators["sheet"].generate(red_request).content)
    assert colour_count(brown, "brown") > 500
    assert colour_count(brown, "red") == 0
    assert colour_count(red, "red") > 500
    assert colour_count(red, "brown") == 0
    assert colour_count(red, "blue") > 2000  # the wardrobe keeps its colour


@pytest.mark.parametrize(
    ("path", "value"),
    [("age", "65"), ("build", "broad shoulders"), ("wardrobe", "green parka")],
)
def test_any_visual_change_is_visible(
    generators: dict[str, Generator], sheet_request: SheetRequest, path: str, value: str
) -> None:
    before = pixels(generators["sheet"].generate(sheet_request).content)
    changed = dataclasses.replace(sheet_request, visual={**sheet_request.visual, path: value})
    after = pixels(generators["sheet"].generate(changed).content)
    differing = int((before != after).any(axis=2).sum())
    assert differing > 1000, f"only {differing} pixels changed"


@pytest.mark.parametrize("kind", ["character", "location", "prop", "style"])
def test_every_card_kind_draws_and_differs_by_seed(
    generators: dict[str, Generator], sheet_request: SheetRequest, kind: str
) -> None:
    request = dataclasses.replace(
        sheet_request, kind=kind, visual={"palette": "teal and gold", "color": "teal", "shape": "round"}
    )
    one = generators["sheet"].generate(request).content
    other = generators["sheet"].generate(dataclasses.replace(request, seed=8)).content
    assert one != other
    assert mean_abs_diff(pixels(one), pixels(other)) < 10  # a different take, not a different card
    assert colour_count(pixels(one), "teal") > 0 or kind == "location"
