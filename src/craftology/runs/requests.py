"""Turns a resolved target into the generator request for its kind."""

from __future__ import annotations

from collections.abc import Callable

from craftology.ports.generator import (
    CardRef,
    ClipRequest,
    CutClip,
    CutRequest,
    GenerationRequest,
    KeyframeRequest,
    SheetRequest,
)
from craftology.projects.models import VISUAL_FIELDS
from craftology.sync.fingerprint import Resolved
from craftology.sync.state import ProjectState
from craftology.sync.targets import TargetKind, clip_target, keyframe_target, parse_target, sheet_target


def build_request(
    state: ProjectState, resolved: Resolved, accepted_blob: Callable[[str], bytes]
) -> GenerationRequest:
    """`accepted_blob(target)` returns the bytes of an upstream target's accepted asset."""
    kind, subject = parse_target(resolved.target)
    settings = state.project.settings
    if kind is TargetKind.SHEET:
        card = state.cards[subject]
        visual = {key: card.attributes[key] for key in VISUAL_FIELDS[card.kind] if key in card.attributes}
        return SheetRequest(card.id, card.kind.value, card.name, visual, settings.style, resolved.seed)
    if kind is TargetKind.KEYFRAME:
        shot = state.shots[subject]
        refs = [
            CardRef(
                card_id,
                state.cards[card_id].kind.value,
                state.cards[card_id].name,
                accepted_blob(sheet_target(card_id)),
            )
            for card_id in dict.fromkeys(shot.cards)
        ]
        return KeyframeRequest(
            shot.id,
            shot.description,
            shot.camera.value,
            shot.framing.value,
            settings.aspect_ratio.value,
            settings.style,
            refs,
            resolved.seed,
        )
    if kind is TargetKind.CLIP:
        shot = state.shots[subject]
        return ClipRequest(
            shot.id,
            accepted_blob(keyframe_target(shot.id)),
            shot.camera.value,
            shot.motion.value,
            shot.duration,
            settings.fps,
            resolved.seed,
        )
    ordered = sorted(state.shots.values(), key=lambda shot: (shot.order, shot.id))
    clips = [CutClip(number, accepted_blob(clip_target(shot.id))) for number, shot in enumerate(ordered, 1)]
    return CutRequest(state.project.id, clips, settings.fps, resolved.seed)
