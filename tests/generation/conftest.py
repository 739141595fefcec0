"""Shared fixtures: the preview generators and small real inputs (PNG, MP4) built with them."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
from PIL import Image

from craftology.generation.preview import preview_generators
from craftology.ports.generator import ClipRequest, Generator, SheetRequest

PREVIEW_RED = np.array([230, 30, 60])


def png(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array.astype(np.uint8), "RGB").save(out, format="PNG")
    return out.getvalue()


def decode_frames(content: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(content)) as container:
        return [frame.to_ndarray(format="rgb24").astype(np.int16) for frame in container.decode(video=0)]


def has_preview_badge(image: np.ndarray, tolerance: int = 40) -> bool:
    """True when the top-right corner holds a patch of the PREVIEW badge's red."""
    height, width = image.shape[:2]
    corner = image[: height // 4, width // 2 :].astype(np.int16)
    close = np.abs(corner - PREVIEW_RED).max(axis=2) <= tolerance
    return int(close.sum()) >= 50


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.fixture(scope="session")
def generators() -> dict[str, Generator]:
    return preview_generators()


@pytest.fixture(scope="session")
def sheet_request() -> SheetRequest:
    return SheetRequest(
        card_id="mia",
        kind="character",
        name="Mia",
        visual={"appearance": {"hair": "brown, shoulder length"}, "wardrobe": "blue jacket", "age": "30"},
        style="dusk, cinematic",
        seed=7,
    )


@pytest.fixture(scope="session")
def gradient_keyframe() -> bytes:
    """A small keyframe whose brightness rises left to right, so a pan's direction is measurable."""
    ramp = np.linspace(0, 255, 320)[None, :, None]
    return png(np.broadcast_to(ramp, (180, 320, 3)))


@pytest.fixture(scope="session")
def static_clip(generators: dict[str, Generator], gradient_keyframe: bytes) -> bytes:
    request = ClipRequest("s1", gradient_keyframe, "static", "none", duration=2.0, fps=12, seed=1)
    return generators["clip"].generate(request).content
