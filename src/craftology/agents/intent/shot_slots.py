"""Slots of the shot intents: which shot, where a new one goes, and which field changes to what.

Every function takes the message in plain form (case kept) and reads it case-insensitively; values
are the domain's canonical spellings (camera "pan_left", framing "close_up", motion "fast")."""

from __future__ import annotations

import re

from craftology.agents.intent.references import NUMBER, ORDINAL, number, ordinal, shot_reference, tail, whole
from craftology.ports.intent import SlotValue

_CAMERA = {
    r"pan(?:ning)?\s+(?:to\s+the\s+)?left": "pan_left",
    r"pan(?:ning)?\s+(?:to\s+the\s+)?right": "pan_right",
    r"tilt(?:ing)?\s+up": "tilt_up",
    r"tilt(?:ing)?\s+down": "tilt_down",
    r"dolly(?:ing)?\s+in|push\s+in": "dolly_in",
    r"dolly(?:ing)?\s+out|pull\s+out": "dolly_out",
    r"hand[- ]?held": "handheld",
    r"static|locked[- ]off|still camera": "static",
}
_FRAMING = {
    r"extreme\s+close[- ]?ups?|ecu": "extreme_close_up", r"extreme(?:ly)?\s+wides?": "extreme_wide",
    r"close[- ]?ups?": "close_up", r"wides?": "wide", r"medium(?:\s+shot)?": "medium",
}  # fmt: skip
_MOTION = {
    r"no\s+motion|none|still": "none", r"slow(?:er)?|slow\s+down|calmer": "slow", r"medium": "medium",
    r"fast(?:er)?|speed\s+up|quick(?:er)?": "fast",
}  # fmt: skip
_DURATION = re.compile(rf"\b({NUMBER})\s*(?:s|secs?|seconds?)\b")
_DESCRIPTION = re.compile(
    r"\b(?:description|describe[sd]?|shows?|showing|depicts?)\b(?:\s+of\s+shot\s+\w+)?\s*(?:to\s+|:\s*|so\s+it\s+shows\s+)?(.+)$"
)
_SO_IT_SHOWS = re.compile(r"\bso\s+it\s+shows\s+(.+)$")


def _last_match(table: dict[str, str], text: str) -> tuple[int, str] | None:
    """The value named last in the message ("too fast, make it slow" means slow), longest spelling first."""
    best: tuple[int, str] | None = None
    pattern = "|".join(f"(?P<v{i}>{p})" for i, p in enumerate(table))
    values = list(table.values())
    for found in re.finditer(rf"\b(?:{pattern})\b", text):
        index = int(next(name for name, value in found.groupdict().items() if value)[1:])
        best = (found.start(), values[index])
    return best


def edit_shot(plain: str) -> dict[str, SlotValue]:
    text = plain.lower()
    slots: dict[str, SlotValue] = {}
    if (shot := shot_reference(text)) is not None:
        slots["shot"] = shot
    field, value = _field_and_value(plain, text)
    if field is not None:
        slots["field"] = field
        if value is not None:
            slots["value"] = value
    return slots


def _field_and_value(plain: str, text: str) -> tuple[str | None, SlotValue | None]:
    named = [f for f in ("camera", "framing", "motion", "duration", "description") if f in text]
    if "description" in named or (not named and (_SO_IT_SHOWS.search(text) or " show" in text)):
        found = _SO_IT_SHOWS.search(plain.lower()) or _DESCRIPTION.search(plain.lower())
        start = found.start(1) if found else None
        return "description", tail(plain[start:]) if start is not None else None
    if (duration := _DURATION.search(text)) and (not named or named == ["duration"]):
        return "duration", number(duration.group(1))
    for field, table in (("camera", _CAMERA), ("framing", _FRAMING), ("motion", _MOTION)):
        if named and field not in named:
            continue
        if (last := _last_match(table, text)) is not None:
            return field, last[1]
    return (named[0], None) if named else (None, None)


def remove_shot(plain: str) -> dict[str, SlotValue]:
    text = plain.lower()
    if (shot := shot_reference(text)) is not None:
        return {"shot": shot}
    found = re.search(r"\b(?:shot|panel|scene)\s+(?:with|of|where|showing)\s+(.+)$", text)
    return {"shot": tail(plain[found.start(1) :])} if found else {}


_CONNECTOR = re.compile(r"^\s*(?:added\s+)?(?:of|where|showing|with|that\s+shows|in\s+which)\b")
_POSITION_WORD = rf"(?:shots?\s+)?({ORDINAL}|{NUMBER})(?:\s+(?:shot|one|panel))?"
_AFTER = re.compile(rf"\bafter\s+(?:the\s+)?{_POSITION_WORD}")
_BEFORE = re.compile(rf"\bbefore\s+(?:the\s+)?{_POSITION_WORD}")
_BETWEEN = re.compile(rf"\bbetween\s+(?:shots?\s+)?({NUMBER})\s+and\s+({NUMBER})")
_AT = re.compile(
    rf"\b(?:in|at|as)\s+(?:position\s+|shot\s+(?:number\s+)?|the\s+)({ORDINAL}|{NUMBER})\b(?:\s+(?:shot|one|panel))?"
)
_END = re.compile(r"\b(?:at\s+the\s+(?:very\s+)?end|final|closing|last|append|tack\s+on|to\s+the\s+end)\b")
_START = re.compile(
    r"\b(?:at\s+the\s+(?:very\s+)?(?:beginning|start)|first|opening|establishing\s+shot\s+at)\b"
)
_EDGE = re.compile(r"\bat\s+the\s+(?:very\s+)?(?:end|beginning|start)\b")
_LEAD = re.compile(
    r"^.*?\b(?:add(?:ed)?|ad|addd|insert|put|append|tack\s+on|include|squeeze\s+in|throw\s+in|stick|give\s+me|"
    r"create|need|have|like|want|get|missing)\b.*?\b(?:shot|panel|scene|frame|close[- ]?up)s?\b"
)


def _place(word: str) -> int | None:
    return ordinal(word) or whole(number(word))


def _place_of(pattern: re.Pattern[str], text: str) -> int | None:
    found = pattern.search(text)
    return _place(found.group(1)) if found else None


def add_shot(plain: str) -> dict[str, SlotValue]:
    text = plain.lower()
    slots: dict[str, SlotValue] = {}
    if (found := _BETWEEN.search(text)) and (second := whole(number(found.group(2)))):
        slots["position"] = second
    elif (found := _AFTER.search(text)) and (place := _place(found.group(1))):
        slots["position"] = place + 1
    elif place := _place_of(_BEFORE, text) or _place_of(_AT, text):
        slots["position"] = place
    elif _END.search(text):
        slots["position"] = "end"
    elif _START.search(text):
        slots["position"] = 1
    if description := _description(plain):
        slots["description"] = description
    return slots


def _description(plain: str) -> str:
    """What the new shot shows: after a colon, else after "a shot of/where/showing"."""
    _, colon, rest = plain.partition(":")
    if colon and len(rest.split()) >= 2:
        text = rest
    else:
        found = _LEAD.search(plain.lower())
        text = plain[found.end() :] if found else plain
    for pattern in (_BETWEEN, _AFTER, _BEFORE, _AT, _EDGE):
        if found := pattern.search(text.lower()):
            text = text[: found.start()] + text[found.end() :]
    text = re.sub(r",?\s*add\s+it\b.*$", "", text, flags=re.I)
    if found := _CONNECTOR.search(text.lower()):
        text = text[found.end() :]
    return tail(text.strip(" ,:-"))
