"""Generator port: the models that turn resolved inputs into media.

Preview models (CPU, deterministic) implement it now; third-party APIs and self-hosted heavy models
plug in later behind the same protocol. Requests carry everything a model needs (resolved inputs and
upstream media bytes), so a generator never reads the metadata store itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class SheetRequest:
    """A reference sheet for one card."""

    card_id: str
    kind: str  # CardKind value
    name: str
    visual: dict[str, Any]  # the card's declared visual attributes only
    style: str
    seed: int


@dataclass(frozen=True)
class CardRef:
    card_id: str
    kind: str
    name: str
    sheet: bytes  # the accepted sheet image (PNG)


@dataclass(frozen=True)
class KeyframeRequest:
    shot_id: str
    description: str
    camera: str
    framing: str
    aspect_ratio: str  # e.g. "16:9"
    style: str
    cards: list[CardRef]
    seed: int


@dataclass(frozen=True)
class ClipRequest:
    shot_id: str
    keyframe: bytes  # accepted keyframe (PNG)
    camera: str
    motion: str
    duration: float  # seconds, 2..4
    fps: int
    seed: int


@dataclass(frozen=True)
class CutClip:
    number: int  # 1-based shot number, burned into the cut
    clip: bytes  # accepted clip (MP4)


@dataclass(frozen=True)
class CutRequest:
    project_id: str
    clips: list[CutClip]
    fps: int
    seed: int


GenerationRequest = SheetRequest | KeyframeRequest | ClipRequest | CutRequest


@dataclass(frozen=True)
class Media:
    content: bytes
    content_type: str  # "image/png", "video/mp4"
    metadata: dict[str, Any] = field(default_factory=dict)  # always includes "model" and "preview"


@runtime_checkable
class Generator(Protocol):
    model_id: str
    version: str

    def generate(self, request: GenerationRequest) -> Media:
        """Produce the media. Raises BadInput for requests it can never serve (not retried) and
        TransientError for failures worth retrying."""
