"""What a screenplay's layout says on its own: scene headings name places ("INT. LIGHTHOUSE - NIGHT")
and the capitalised cues above dialogue name characters ("MARTHA")."""

from __future__ import annotations

import re

from craftology.agents.proposal.cast import Named
from craftology.projects.models import CardKind

_HEADING = re.compile(
    r"^\s*(?:INT|EXT|INT\./EXT|INT/EXT|I/E)\.?\s+(.+?)(?:\s+[-\u2013]\s+([A-Z ]+))?\s*$", re.M
)
_CUE = re.compile(r"^\s*([A-Z][A-Z'.-]*(?: [A-Z][A-Z'.-]*){0,2})\s*(?:\([^)]*\))?\s*$", re.M)
_NOT_CUES = frozenset({"FADE IN", "FADE OUT", "FADE IN:", "CUT TO", "THE END", "CONTINUED", "INT", "EXT",
                       "DISSOLVE TO", "SMASH CUT", "TITLE", "SUPER", "BLACK", "END", "MONTAGE"})  # fmt: skip
MAX_NAMED = 12
MAX_PLACE = 60  # a longer "heading" is prose that happens to start with INT or EXT


def named_in_script(text: str) -> list[Named]:
    """Places from scene headings (with their time of day) and speaking characters, first seen first."""
    found: list[tuple[int, Named]] = []
    for match in _HEADING.finditer(text):
        place = match.group(1).strip(" .").title()
        if len(place) > MAX_PLACE:
            continue
        attributes = {"time_of_day": match.group(2).strip().lower()} if match.group(2) else {}
        found.append((match.start(), (place, CardKind.LOCATION, attributes)))
    headings = {m.start() for m in _HEADING.finditer(text)}
    for match in _CUE.finditer(text):
        cue = match.group(1).strip().rstrip(":")
        if match.start() in headings or cue in _NOT_CUES or len(cue) < 2 or cue.startswith(("INT", "EXT")):
            continue
        found.append((match.start(), (cue.title(), CardKind.CHARACTER, {})))
    seen: dict[str, Named] = {}
    for _, item in sorted(found, key=lambda pair: pair[0]):
        seen.setdefault(item[0].lower(), item)
    return list(seen.values())[:MAX_NAMED]
