"""What every preview generator promises through the Generator port."""

from __future__ import annotations

import pytest

from craftology.errors import BadInput
from craftology.ports.generator import (
    ClipRequest,
    CutRequest,
    GenerationRequest,
    Generator,
    KeyframeRequest,
    SheetRequest,
)

EXPECTED = {
    "sheet": ("preview-sheet", SheetRequest),
    "keyframe": ("preview-keyframe", KeyframeRequest),
    "clip": ("preview-clip", ClipRequest),
    "cut": ("preview-cut", CutRequest),
}

WRONG: list[GenerationRequest] = [
    SheetRequest("c", "prop", "Cup", {}, "plain", 1),
    KeyframeRequest("s", "a cup", "static", "medium", "16:9", "plain", [], 1),
    ClipRequest("s", b"", "static", "none", 2.0, 24, 1),
    CutRequest("p", [], 24, 1),
]


def test_one_generator_per_target_kind_with_registered_ids(generators: dict[str, Generator]) -> None:
    assert set(generators) == set(EXPECTED)
    for kind, generator in generators.items():
        assert isinstance(generator, Generator)
        assert generator.model_id == EXPECTED[kind][0]
        assert generator.version == "1.0"


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_wrong_request_type_is_bad_input(generators: dict[str, Generator], kind: str) -> None:
    for request in WRONG:
        if isinstance(request, EXPECTED[kind][1]):
            continue
        with pytest.raises(BadInput, match=EXPECTED[kind][0]):
            generators[kind].generate(request)
