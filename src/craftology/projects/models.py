"""Domain records of a project. These are what the metadata store keeps as small JSON objects.

Limits are deliberate: a brief or a description is prose for a model, not a document store.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from craftology.projects.order_keys import KEY_PATTERN, as_key

MAX_TEXT = 4_000
MAX_NAME = 200
MAX_ATTRIBUTES_BYTES = 16_384
MAX_CARD_REFS = 16

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AspectRatio(StrEnum):
    WIDE = "16:9"
    TALL = "9:16"
    SQUARE = "1:1"
    CLASSIC = "4:3"
    SCOPE = "2.39:1"


class ReviewMode(StrEnum):
    AUTO_ACCEPT = "auto_accept"
    REVIEW = "review"


class CardKind(StrEnum):
    CHARACTER = "character"
    LOCATION = "location"
    PROP = "prop"
    STYLE = "style"


class Camera(StrEnum):
    STATIC = "static"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"
    DOLLY_IN = "dolly_in"
    DOLLY_OUT = "dolly_out"
    HANDHELD = "handheld"


class Framing(StrEnum):
    EXTREME_WIDE = "extreme_wide"
    WIDE = "wide"
    MEDIUM = "medium"
    CLOSE_UP = "close_up"
    EXTREME_CLOSE_UP = "extreme_close_up"


class Motion(StrEnum):
    NONE = "none"
    SLOW = "slow"
    MEDIUM = "medium"
    FAST = "fast"


# The attributes of a card that change how it looks. A card sheet reads exactly these paths under
# `attributes`; anything else (backstory, notes) is free text that regenerates nothing.
VISUAL_FIELDS: dict[CardKind, tuple[str, ...]] = {
    CardKind.CHARACTER: ("appearance", "wardrobe", "age", "build", "palette"),
    CardKind.LOCATION: ("setting", "time_of_day", "weather", "lighting", "palette"),
    CardKind.PROP: ("shape", "material", "color", "size"),
    CardKind.STYLE: ("look", "palette", "lighting", "texture"),
}


def _check_json_size(value: dict[str, Any]) -> dict[str, Any]:
    import json

    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_ATTRIBUTES_BYTES:
        raise ValueError(f"attributes are {size} bytes; the limit is {MAX_ATTRIBUTES_BYTES}")
    return value


class KeptModel(Strict):
    """One exact model version a project keeps for a kind of target instead of following the
    registry's current one: its assets stay fresh when a newer version is registered."""

    model_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    version: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$")]


TargetKindName = Literal["sheet", "keyframe", "clip", "cut"]


class ProjectSettings(Strict):
    aspect_ratio: AspectRatio = AspectRatio.WIDE
    fps: int = Field(default=24, ge=8, le=60)
    shot_count: int = Field(default=6, ge=1, le=200_000)
    style: Text = "clean preview"
    review_mode: ReviewMode = ReviewMode.AUTO_ACCEPT
    keep_models: dict[TargetKindName, KeptModel] = Field(
        default_factory=dict,
        description="Kinds of target that keep an exact model version; every other kind follows the "
        "registry, so registering a newer version makes its assets stale (re-render).",
    )
    auto_sync: bool = Field(
        default=False,
        description="The data-sync agent plans the project after each burst of edits and starts the sync "
        "itself (off: syncs start only when asked).",
    )
    approval_threshold: float = Field(
        default=0.0,
        ge=0,
        le=1_000_000,
        allow_inf_nan=False,
        description="With auto_sync, a plan estimated to cost more than this waits in the activity feed "
        "for a person's approval instead of starting.",
    )


class ProjectIn(Strict):
    name: Name
    brief: Text = ""
    settings: ProjectSettings = Field(default_factory=ProjectSettings)


class Project(ProjectIn):
    id: Id


class CardIn(Strict):
    kind: CardKind
    name: Name
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("attributes")
    @classmethod
    def _size(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _check_json_size(value)


class Card(CardIn):
    id: Id
    project_id: Id


class ShotIn(Strict):
    description: Text
    camera: Camera = Camera.STATIC
    framing: Framing = Framing.MEDIUM
    motion: Motion = Motion.NONE
    duration: float = Field(default=3.0, ge=2.0, le=4.0)
    cards: list[Id] = Field(default_factory=list, max_length=MAX_CARD_REFS)


# Records from before sparse keys hold a dense integer position; it is read as the same place.
OrderKey = Annotated[
    str,
    BeforeValidator(as_key),
    Field(
        pattern=KEY_PATTERN,
        description="Where the shot stands in the storyboard: shots sort by this key as a string "
        "(then by id). Opaque; change it with the move or reorder operations.",
        examples=["i00000000000", "i00000000001i"],
    ),
]


class Shot(ShotIn):
    id: Id
    project_id: Id
    order: OrderKey
