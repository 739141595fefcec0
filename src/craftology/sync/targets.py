"""Target ids: one derived asset each (a card sheet, a shot keyframe, a shot clip, the project cut)."""

from __future__ import annotations

from enum import StrEnum

from craftology.errors import BadInput


class TargetKind(StrEnum):
    SHEET = "sheet"
    KEYFRAME = "keyframe"
    CLIP = "clip"
    CUT = "cut"


# Dependency layers: every edge goes from a lower rank to a higher one, so sorting by rank is a
# topological order (sheets, keyframes, clips, cut).
RANK: dict[TargetKind, int] = {
    TargetKind.SHEET: 0,
    TargetKind.KEYFRAME: 1,
    TargetKind.CLIP: 2,
    TargetKind.CUT: 3,
}

# The entity collection each kind of target belongs to, as it appears in the id.
_OWNER: dict[TargetKind, str] = {
    TargetKind.SHEET: "card",
    TargetKind.KEYFRAME: "shot",
    TargetKind.CLIP: "shot",
    TargetKind.CUT: "project",
}

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
