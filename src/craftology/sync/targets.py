"""Target ids: one derived asset each (a card sheet, a shot keyframe, a shot clip, the project cut)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from craftology.errors import BadInput


class TargetKind(StrEnum):
    SHEET = "sheet"
    KEYFRAME = "keyframe"
    CLIP = "clip"
    CUT = "cut"


class Entity(StrEnum):
    """The records a target can read fields of."""

    CARD = "cards"
    SHOT = "shots"
    PROJECT = "projects"


# A card sheet reads exactly the attributes VISUAL_FIELDS lists for the card's kind.
VISUAL = "attributes.<visual>"
# The cut reads the shot order, derived from the set of shots and their `order` keys, as a count and a
# digest an edit updates in O(1) (craftology.sync.order): a structural edit of a 100,000-shot project
# costs what it touches, not a pass over every shot.
SHOT_ORDER = "shots"


@dataclass(frozen=True)
class TargetSpec:
    """Everything that describes one kind of target, in one place."""

    kind: TargetKind
    owner: str  # the entity a target of this kind belongs to, as it appears in its id
    rank: int  # dependency layer: every edge goes from a lower rank to a higher one
    reads: tuple[tuple[Entity, str], ...]  # the declared fields it reads; nothing else stales it
    upstream: str  # which accepted assets it is made from, in words
    model_kind: str  # the registry kind of the model that makes it (ModelKind value)
    media_types: tuple[str, ...]  # what its assets may be (a generator's output, an upload)


_IMAGES = ("image/png", "image/jpeg", "image/webp")

SPECS: dict[TargetKind, TargetSpec] = {
    spec.kind: spec
    for spec in (
        TargetSpec(
            TargetKind.SHEET, "card", 0,
            reads=((Entity.CARD, "kind"), (Entity.CARD, "name"), (Entity.CARD, VISUAL),
                   (Entity.PROJECT, "settings.style")),
            upstream="nothing", model_kind="sheet", media_types=_IMAGES,
        ),
        TargetSpec(
            TargetKind.KEYFRAME, "shot", 1,
            reads=((Entity.SHOT, "description"), (Entity.SHOT, "camera"), (Entity.SHOT, "framing"),
                   (Entity.SHOT, "cards"), (Entity.PROJECT, "settings.style"),
                   (Entity.PROJECT, "settings.aspect_ratio")),
            upstream="the accepted sheet of each card the shot references",
            model_kind="keyframe", media_types=_IMAGES,
        ),
        TargetSpec(
            TargetKind.CLIP, "shot", 2,
            reads=((Entity.SHOT, "camera"), (Entity.SHOT, "motion"), (Entity.SHOT, "duration"),
                   (Entity.PROJECT, "settings.fps")),
            upstream="the accepted keyframe of the shot", model_kind="clip", media_types=("video/mp4",),
        ),
        TargetSpec(
            TargetKind.CUT, "project", 3,
            reads=((Entity.PROJECT, SHOT_ORDER), (Entity.PROJECT, "settings.fps")),
            upstream="the accepted clip of every shot, in order", model_kind="cut",
            media_types=("video/mp4",),
        ),
    )
}  # fmt: skip

# Sorting by rank is a topological order (sheets, keyframes, clips, cut).
RANK: dict[TargetKind, int] = {kind: spec.rank for kind, spec in SPECS.items()}
_OWNER: dict[TargetKind, str] = {kind: spec.owner for kind, spec in SPECS.items()}
_BY_NAME = {kind.value: kind for kind in TargetKind}  # a dict lookup: parsing sits on hot paths


def sheet_target(card_id: str) -> str:
    return f"card/{card_id}/sheet"


def keyframe_target(shot_id: str) -> str:
    return f"shot/{shot_id}/keyframe"


def clip_target(shot_id: str) -> str:
    return f"shot/{shot_id}/clip"


def cut_target(project_id: str) -> str:
    return f"project/{project_id}/cut"


def target_id(kind: TargetKind, subject_id: str) -> str:
    return f"{_OWNER[kind]}/{subject_id}/{kind.value}"


def parse_target(target: str) -> tuple[TargetKind, str]:
    """Split a target id into its kind and the id of the card, shot or project it belongs to.

    Raises BadInput for anything that is not one of the four target id shapes."""
    parts = target.split("/")
    if len(parts) != 3 or not parts[1]:
        raise BadInput(f"malformed target id {target!r}", target=target)
    owner, subject, name = parts
    kind = _BY_NAME.get(name)
    if kind is None:
        raise BadInput(f"unknown target kind in {target!r}", target=target)
    if _OWNER[kind] != owner:
        raise BadInput(f"a {kind.value} belongs to a {_OWNER[kind]}, not to {owner!r}", target=target)
    return kind, subject
