"""Slots of the card intents: the card's kind and name, and which attribute changes to what.

Field names are the cards' visual attributes (`VISUAL_FIELDS` in projects/models.py) plus "name"."""

from __future__ import annotations

import re

from craftology.agents.intent.references import like, tail
from craftology.ports.intent import SlotValue

KINDS = {
    "character": ("character", "charcter", "carachter", "person", "cast", "persona"),
    "location": ("location", "place", "setting", "locaton"),
    "prop": ("prop", "object", "item"),
    "style": ("style",),
}
# Words that name a field outright, then words that imply one ("coat" is about the wardrobe).
_NAMED = {"appearance": "appearance", "wardrobe": "wardrobe", "age": "age", "build": "build",
          "palette": "palette", "setting": "setting", "time of day": "time_of_day", "weather": "weather",
          "lighting": "lighting", "shape": "shape", "material": "material", "colou?r": "color",
          "size": "size", "look": "look", "texture": "texture", "rename|name": "name"}  # fmt: skip
_IMPLIED = {
    "appearance": r"hair|beard|moustache|mustache|eyes|face|skin|glasses|bald|scar|freckles",
    "wardrobe": r"wears?|wearing|coat|jacket|raincoat|dress|shirt|apron|hat|beanie|shawl|clothes|outfit",
    "age": r"older|younger|years\s+old",
    "build": r"taller|shorter|thinner|heavier|muscular|skinny",
    "time_of_day": r"night|dawn|dusk|morning|noon|evening|sunset|sunrise|midnight",
    "weather": r"rain|rainy|fog|foggy|snow|snowy|storm|stormy|sunny|cloudy|windy",
    "lighting": r"light|lit|moonlight|golden\s+hour|shadows?",
    "material": r"made\s+of|wood|wooden|metal|copper|silver|gold|brass|leather|oak|glass|stone",
    "size": r"bigger|smaller|larger|tiny|huge|giant",
}
_FIELD_WORDS = "|".join([*_NAMED, *_IMPLIED.values(), "location", "card", "character", "prop", "style"])
_VERBS = ("change", "make", "set", "edit", "update", "give", "rename", "modify", "tweak", "let")
_STOP = {"the", "a", "an", "can", "you", "could", "please", "pls", "i", "want", "we", "should", "to", "be",
         "is", "has", "have", "needs", "need", "so", "that", "and", "of", "for", "with", "on", "in", "at",
         "his", "her", "its", "their", "our", "my", "now", "more", "instead", "card", "sheet"}  # fmt: skip


def kind(text: str) -> str | None:
    for word in re.findall(r"[a-z]+", text):
        for name, spellings in KINDS.items():
            if word in spellings or (len(word) > 5 and like(word, spellings, 0.85)):
                return name
    return None


def card_field(text: str) -> str | None:
    for pattern, field in _NAMED.items():
        if re.search(rf"\b(?:{pattern})\b", text):
            return field
    for field, pattern in _IMPLIED.items():
        if re.search(rf"\b(?:{pattern})\b", text):
            return field
    return None


def card_phrase(plain: str) -> str | None:
    """The card a message names without knowing the project: the owner of a possessive ("Elsa's
    hair"), else the first run of words that are neither grammar nor field words."""
    if found := re.search(r"([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2})'s?\b(?!\s+(?:a|an)\b)", plain):
        words = [w for w in found.group(1).split() if w.lower() not in _STOP and not _is_verb(w)]
        # A name is capitalised: "refresh Bruno's" is Bruno (the message's first word is capitalised anyway).
        named = [w for n, w in enumerate(words) if w[0].isupper() and (found.start(1) > 0 or n > 0)]
        if named and named == words[len(words) - len(named) :]:
            words = named
        if words:
            return " ".join(words[-2:])
    before_value = re.split(r"\bto\b|:|\bshould\b|\bneeds?\b", plain, maxsplit=1, flags=re.I)[0]
    named_field = "|".join([*_NAMED, "location", "card", "character", "prop", "style"])
    run: list[str] = []
    for position, word in enumerate(before_value.split()):
        bare = word.strip(",.:;!?\"'").lower()
        grammar = not bare or bare in _STOP or _is_verb_strict(bare) or (position == 0 and _is_verb(bare))
        # A word that implies a field ("storm") may begin a name ("storm cliff"), not continue past one.
        field_word = re.fullmatch(rf"(?:{named_field})", bare) or (
            run and re.fullmatch(rf"(?:{_FIELD_WORDS})", bare)
        )
        if grammar or field_word:
            if run:
                break
            continue
        run.append(word.strip(",.:;!?\"'"))
    if run:
        return " ".join(run)
    return kind(plain.lower())  # "the style card": the project's one card of that kind


def _is_verb(word: str) -> bool:
    return like(word.lower(), _VERBS)


def _is_verb_strict(word: str) -> bool:
    return word in _VERBS


_VALUE = re.compile(r"(?:\bto|:|\bshould\s+(?:be|have|wear)|\bneeds?|\bhave|\bwear)\s+(.+)$", re.I)


def edit_card(plain: str) -> dict[str, SlotValue]:
    text = plain.lower()
    slots: dict[str, SlotValue] = {}
    if card := card_phrase(plain):
        slots["card"] = card
    if field := card_field(text):
        slots["field"] = field
    if found := _VALUE.search(plain):
        slots["value"] = _plain_value(found.group(1))
    elif card and (at := plain.find(card)) >= 0 and (rest := _after(plain, at + len(card))):
        slots["value"] = rest  # "make Kai taller", "give the fisherman a red beanie"
    return slots


def _after(plain: str, end: int) -> str:
    return _plain_value(re.sub(r"^'s?\b", "", plain[end:]))


def _plain_value(text: str) -> str:
    return tail(re.sub(r"^\s*(?:be|a|an|at)\s+", "", text, flags=re.I))


_NAME = re.compile(r"\b(?:called|named|name)\s+(['\"]?)(.+?)\1(?=\s*(?:,|\bwho\b|\bthat\b|\bwith\b|$))", re.I)
_QUOTED = re.compile(r"(['\"])(.+?)\1")
_KIND_LEAD = re.compile(
    rf"^(?:\w+\s+)?(?:{'|'.join(s for v in KINDS.values() for s in v)})\b(?:\s+card)?\s*(?:for|:|,)?\s*", re.I
)
_DETAIL = re.compile(r"(?:,|\bwho\b|\bthat\b|(?=\bwith\b))\s*(.+)$", re.I)


def add_card(plain: str) -> dict[str, SlotValue]:
    slots: dict[str, SlotValue] = {}
    text = plain.lower()
    if found_kind := kind(text):
        slots["kind"] = found_kind
    found = _NAME.search(plain) or _QUOTED.search(plain)
    if found:
        slots["name"] = tail(found.group(2))
        rest = plain[found.end() :]
    else:
        _, colon, rest = plain.partition(":")
        if not colon:
            rest = re.sub(
                r"^.*?\b(?:add|create|introduce|need|new|want)\b\s*(?:a\s+)?(?:new\s+)?",
                "",
                plain,
                flags=re.I,
            )
            rest = _KIND_LEAD.sub("", rest)
        name = tail(re.split(r",|\bwho\b|\bwith\b", rest)[0])
        if name:
            slots["name"] = re.sub(r"^(?:an?|the)\s+", "", name, flags=re.I)
        rest = rest[len(re.split(r",|\bwho\b|\bwith\b", rest)[0]) :]
    if (detail := _DETAIL.search(rest)) and tail(detail.group(1)):
        slots["attributes"] = {"description": tail(detail.group(1))}
    return slots
