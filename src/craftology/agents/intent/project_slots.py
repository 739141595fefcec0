"""Slots of the project-level intents: a new project's brief and shot count, what to regenerate,
and what to share with which tenant."""

from __future__ import annotations

import re

from craftology.agents.intent.card_slots import card_phrase
from craftology.agents.intent.references import NUMBER, number, shot_reference, tail, whole
from craftology.ports.intent import SlotValue

_SHOT_COUNT = re.compile(rf"\b({NUMBER})\s+(?:shots?|panels?|scenes?|frames?)\b")
_POLITE = r"(?:(?:please|pls|hey|yo|ok|okay|so|hi)\b[\s,!]*)*"
_ASK = (
    r"(?:(?:can|could|would|will)\s+(?:you|we|u)\s+(?:please\s+)?"
    r"|(?:i|we)(?:'d|\s+would)?\s+(?:like|love|want|need)\s+(?:to\s+)?|let'?s\s+|help\s+me\s+)?"
)
_VERBS = (
    "create",
    "crete",
    "creat",
    "make",
    "start",
    "set up",
    "setup",
    "begin",
    "build",
    "kick off",
    "spin up",
)
_VERB = "(?:" + "|".join([*(v.replace(" ", r"\s+") for v in _VERBS), "draft", "open", "generate", "do"]) + ")"
_HEAD = re.compile(
    rf"^{_POLITE}{_ASK}(?:{_VERB}\s+(?:me\s+|us\s+)?)?(?:(?:a|an)\s+)?(?:(?:new|fresh)\s+)?"
    r"(?:(?:film|video)\s+)?(?:proj\w*|storyboard|production)\b\s*(?:pls|please)?\s*"
    r"(?:(?:about|for|on)\b|from\s+(?:this|my)\s+brief\b(?:\s+about\b)?|called\s+)?\s*[:,-]?\s*",
    re.I,
)
_VERB_ONLY = re.compile(rf"^{_POLITE}{_ASK}{_VERB}\s+(?:me\s+|us\s+)?", re.I)
_TRAILER = re.compile(r"\s*[-,.]?\s*(?:please\s+)?(?:create|make|start)\s+(?:the|a)\s+project\.?$", re.I)


def create_project(plain: str) -> dict[str, SlotValue]:
    slots: dict[str, SlotValue] = {}
    if (found := _SHOT_COUNT.search(plain.lower())) and (count := whole(number(found.group(1)))):
        slots["shot_count"] = count
    brief = _TRAILER.sub("", plain.strip())
    brief = re.sub(r"^\s*brief\s*:\s*", "", brief, flags=re.I)
    head = _HEAD.match(brief) or _VERB_ONLY.match(brief)
    if head and head.end() < len(brief):
        brief = brief[head.end() :]
    slots["brief"] = tail(brief)
    return slots


_KINDS = (
    ("clip", r"clips?|video\s+clip|animation"),
    ("keyframe", r"keyframes?|key\s+frames?|frames?|images?|stills?|pictures?"),
    ("sheet", r"sheets?|reference\s+sheets?|card"),
)
_REDO = r"regenerate|regen|redo|re-do|rerender|re-render|render|generate|refresh|remake|reroll|rerun"
_CUT = re.compile(r"\b(?:cut|final\s+(?:video|film|edit)|the\s+video|the\s+film|whole\s+video|edit)\b")
_ALL = re.compile(r"\b(?:everything|all|every\s+target|the\s+whole\s+(?:thing|project))\b")


def regenerate(plain: str) -> dict[str, SlotValue]:
    text = plain.lower()
    kind = next((name for name, pattern in _KINDS if re.search(rf"\b(?:{pattern})\b", text)), None)
    if (shot := shot_reference(text)) is not None:
        suffix = f"/{kind}" if kind in ("clip", "keyframe") else ""
        return {"target": f"shot/{shot}{suffix}"}
    if _CUT.search(text):
        return {"target": "cut"}
    if _ALL.search(text):
        return {"target": "all"}
    if kind == "sheet" and (card := _sheet_owner(plain)):
        return {"target": f"card/{card}/sheet"}
    return {}


def _sheet_owner(plain: str) -> str | None:
    if found := re.search(r"\b(?:sheet|card)\s+(?:for|of)\s+(?:the\s+)?([\w' -]+?)\s*[.!?]*$", plain, re.I):
        return tail(found.group(1))
    return card_phrase(
        re.sub(r"^.*?\b(?:regenerate|redo|re-do|rerender|re-render|generate)\b", "", plain, flags=re.I)
    )


_TENANT_WORD = r"([a-z0-9][\w.-]*)"
_NOT_TENANT = {
    "the",
    "our",
    "my",
    "a",
    "an",
    "it",
    "this",
    "them",
    "everyone",
    "me",
    "us",
    "see",
    "view",
    "partner",
    "client",
    "agency",
    "tenant",
    "company",
    "read",
    "access",
}
_TENANT = (
    re.compile(
        rf"\b(?:give|grant|let|allow)\s+(?:(?:our|the)\s+)?(?:(?:partner|client|agency|tenant|company)\s+)*"
        rf"{_TENANT_WORD}\s+(?:read|access|see|view|to\b|have)"
    ),
    re.compile(
        rf"\b(?:partner|client|agency|tenant|company)\s*,?\s+(?:(?:partner|tenant)\s+)?{_TENANT_WORD}"
    ),
    re.compile(rf"\b(?:with|to)\s+(?:the\s+)?{_TENANT_WORD}$"),
)
_WHAT = (("cut", r"cut|final\s+video|the\s+video|film"), ("shots", r"keyframes|shots|clips|panels"),
         ("cards", r"cards|characters|sheets"), ("assets", r"assets|files"),
         ("project", r"project|storyboard|everything|this|it"))  # fmt: skip


def share(plain: str) -> dict[str, SlotValue]:
    text = tail(plain).lower()
    slots: dict[str, SlotValue] = {}
    for pattern in _TENANT:
        if (found := pattern.search(text)) and found.group(1) not in _NOT_TENANT:
            slots["tenant"] = found.group(1).strip(".")
            break
    if found := re.search(
        r"\b(?:([\w-]+(?:\s+[\w-]+)?)'s\s+card|the\s+([\w-]+(?:\s+[\w-]+)?)\s+card)\b", plain, re.I
    ):
        owner = re.sub(r"^the\s+", "", found.group(1) or found.group(2), flags=re.I)
        slots["what"] = f"card/{owner}"
        return slots
    for what, spelling in _WHAT:
        if re.search(rf"\b(?:{spelling})\b", text):
            slots["what"] = what
            return slots
    if found := re.search(r"\b(?:share|send|show)\s+(.+?)\s+(?:with|to)\b", plain, re.I):
        slots["what"] = tail(
            re.sub(r"^the\s+", "", found.group(1), flags=re.I)
        )  # as said: maybe a card's name
    return slots
