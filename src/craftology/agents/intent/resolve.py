"""References resolved against a project: "shot 3" -> the third shot's id, "the keeper" -> the card
whose name says keeper. What matches nothing stays as the user said it, for the caller to ask about."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from craftology.agents.intent.references import LAST
from craftology.agents.intent.text import normal, words
from craftology.ports.intent import CardRef, Intent, ProjectContext, ShotRef, SlotValue

T = TypeVar("T", CardRef, ShotRef)
_IGNORED = {
    "the",
    "a",
    "an",
    "of",
    "with",
    "and",
    "in",
    "on",
    "at",
    "to",
    "where",
    "shot",
    "card",
    "his",
    "her",
}


def _content(text: str) -> set[str]:
    return {w for w in words(normal(text)) if w not in _IGNORED}


def shot(ref: SlotValue, context: ProjectContext) -> SlotValue:
    shots = context.shots
    if isinstance(ref, int) and not isinstance(ref, bool):
        return next((s.id for s in shots if s.number == ref), ref)
    if ref == LAST:
        return max(shots, key=lambda s: s.number).id if shots else ref
    if isinstance(ref, str):
        best = _best(ref, shots, lambda s: s.description)
        return best.id if best is not None else ref
    return ref


def card(ref: SlotValue, context: ProjectContext) -> SlotValue:
    if not isinstance(ref, str):
        return ref
    name = normal(ref)
    exact = [c for c in context.cards if normal(c.name) == name]
    if len(exact) == 1:
        return exact[0].id
    of_kind = [c for c in context.cards if c.kind == name]
    if len(of_kind) == 1:  # "the style card" in a project with one style card
        return of_kind[0].id
    best = _best(ref, context.cards, lambda c: c.name)
    return best.id if best is not None else ref


def _best(ref: str, items: tuple[T, ...], text_of: Callable[[T], str]) -> T | None:
    """The one item sharing the most content words with the reference; None on a tie or no overlap."""
    wanted = _content(ref)
    scored = sorted(
        ((len(wanted & _content(text_of(item))), n) for n, item in enumerate(items)), reverse=True
    )
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return items[scored[0][1]]


def _target(target: str, context: ProjectContext) -> str:
    if target == "cut":
        return f"project/{context.project_id}/cut"
    found = re.fullmatch(r"(shot|card)/(.+?)(/(?:keyframe|clip|sheet))?", target)
    if found is None:
        return target
    owner, ref, kind = found.group(1), found.group(2), found.group(3) or ""
    value: SlotValue = int(ref) if ref.isdigit() else ref
    resolved = shot(value, context) if owner == "shot" else card(value, context)
    return f"{owner}/{resolved}{kind}"


def resolve(intent: Intent, slots: dict[str, SlotValue], context: ProjectContext) -> dict[str, SlotValue]:
    out = dict(slots)
    if "shot" in out:
        out["shot"] = shot(out["shot"], context)
    if "card" in out and intent is Intent.EDIT_CARD:
        out["card"] = card(out["card"], context)
    if out.get("position") == "end":
        out["position"] = len(context.shots) + 1
    if isinstance(target := out.get("target"), str):
        out["target"] = _target(target, context)
    if isinstance(what := out.get("what"), str) and intent is Intent.SHARE:
        out["what"] = _shared(what, context)
    return out


def _shared(what: str, context: ProjectContext) -> str:
    if what.startswith("card/"):
        return f"card/{card(what[5:], context)}"
    if what in ("cut", "shots", "cards", "assets", "project"):
        return what
    resolved = card(what, context)
    return f"card/{resolved}" if resolved != what else what
