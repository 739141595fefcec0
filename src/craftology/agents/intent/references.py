"""Numbers, ordinals and shot references as people write them ("shot two", "the 3rd shot", "the
last one"), and the noun phrase a message names a card by."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_UNITS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}
_ORDINALS = [
    *("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"),
    *("eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth"),
    *("eighteenth", "nineteenth", "twentieth"),
]

_TENS_WORDS = "|".join(_TENS)
_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))  # longest first: "seventeen" before "seven"
NUMBER = rf"(?:\d+(?:\.\d+)?|(?:{_TENS_WORDS})(?:[- ](?:{'|'.join(_UNITS[1:10])}))?|{_UNIT_WORDS})"
ORDINAL = (
    rf"(?:\d+(?:st|nd|rd|th)|(?:(?:{_TENS_WORDS})[- ])?(?:{'|'.join(_ORDINALS[:9])})|{'|'.join(_ORDINALS)})"
)
_SHOT = r"(?:shots?|panels?|frames?|scenes?)"
LAST = "last"

_NUMBERED_SHOT = re.compile(
    rf"\b{_SHOT}\s+(?:number\s+|no\.?\s*|#)?({NUMBER})\b(?!\s*(?:s|secs?|seconds?)\b)"
)
_ORDINAL_SHOT = re.compile(rf"\b({ORDINAL})\s+(?:{_SHOT}|one)\b")
_LAST_SHOT = re.compile(rf"\b(?:last|final|closing|ending)\s+(?:{_SHOT}|one)\b")
_FIRST_SHOT = re.compile(rf"\b(?:opening|first)\s+(?:{_SHOT}|one)\b")


def number(word: str) -> float | None:
    """ "3", "3.5", "three", "twenty-four" -> the number; anything else -> None."""
    word = word.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return float(word)
    if word in _UNITS:
        return float(_UNITS.index(word))
    parts = re.split(r"[- ]", word)
    if parts[0] in _TENS and (len(parts) == 1 or (len(parts) == 2 and parts[1] in _UNITS[1:10])):
        return float(_TENS[parts[0]] + (_UNITS.index(parts[1]) if len(parts) == 2 else 0))
    return None


def ordinal(word: str) -> int | None:
    word = word.strip().lower()
    if word in _ORDINALS:
        return _ORDINALS.index(word) + 1
    tens, _, unit = word.replace(" ", "-").partition("-")
    if tens in _TENS and unit in _ORDINALS[:9]:  # "twenty-first"
        return _TENS[tens] + _ORDINALS.index(unit) + 1
    found = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", word)
    return int(found.group(1)) if found else None


def whole(value: float | None) -> int | None:
    return int(value) if value is not None and value == int(value) and value > 0 else None


def shot_reference(text: str) -> int | str | None:
    """The shot a lower-case message points at: its 1-based number, LAST, or None."""
    for pattern, read in ((_NUMBERED_SHOT, lambda w: whole(number(w))), (_ORDINAL_SHOT, ordinal)):
        found = pattern.search(text)
        if found and (value := read(found.group(1))) is not None:
            return value
    if _LAST_SHOT.search(text):
        return LAST
    if _FIRST_SHOT.search(text):
        return 1
    return None


def like(word: str, options: tuple[str, ...], cutoff: float = 0.8) -> bool:
    """Whether a word is one of the options or a typo of one ("chnage" for "change")."""
    return word in options or any(SequenceMatcher(None, word, o).ratio() >= cutoff for o in options)


def tail(text: str) -> str:
    """A slot's text as written, without trailing punctuation and politeness."""
    before = None
    while before != text:
        before = text
        text = re.sub(r"\s*\b(?:please|pls|plz|thanks|thx)$", "", text.strip(" \t,.;:!?\"'"), flags=re.I)
    return text
