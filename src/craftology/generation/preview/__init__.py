"""Preview models: CPU-only, deterministic stand-ins for every target kind, clearly labelled PREVIEW.

They let a project run end to end (sheet → keyframe → clip → cut) with no GPU and no API key, and
their outputs are byte-identical for identical requests, which keeps sync tests exact.
"""

from __future__ import annotations

from craftology.generation.preview.clip import PreviewClipGenerator
from craftology.generation.preview.cut import PreviewCutGenerator
from craftology.generation.preview.keyframe import PreviewKeyframeGenerator
from craftology.generation.preview.sheet import PreviewSheetGenerator
from craftology.ports.generator import Generator

__all__ = [
    "PreviewClipGenerator",
    "PreviewCutGenerator",
    "PreviewKeyframeGenerator",
    "PreviewSheetGenerator",
    "preview_generators",
]


def preview_generators() -> dict[str, Generator]:
    """The preview generator for each target kind: "sheet", "keyframe", "clip", "cut"."""
    return {
        "sheet": PreviewSheetGenerator(),
        "keyframe": PreviewKeyframeGenerator(),
        "clip": PreviewClipGenerator(),
        "cut": PreviewCutGenerator(),
    }
