"""A deterministic brief decomposer: prose in, cards and shots out.

This is the simple, rule-based agent the platform starts with: it picks out a subject, a place, an
object, a time of day and a camera style from the brief's words and lays out a storyboard. Language
models plug in later behind the same output type.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from craftology.projects.models import (
    Camera,
    CardIn,
    CardKind,
    Framing,
    Motion,
    ProjectIn,
    ProjectSettings,
    ShotIn,
)

_TIMES = ("dawn", "morning", "noon", "afternoon", "dusk", "sunset", "evening", "night", "midnight")
_WEATHER = ("rain", "snow", "fog", "storm", "sunny", "cloudy", "wind")
_PLACES = {
    "trail": "mountain trail",
    "forest": "forest",
    "city": "city street",
    "beach": "beach",
    "desert": "desert",
    "kitchen": "kitchen",
    "office": "office",
    "studio": "studio",
    "mountain": "mountain ridge",
    "street": "city street",
    "park": "park",
    "river": "river bank",
}
_SUBJECTS = {
    "runner": "runner",
    "hiker": "hiker",
    "chef": "chef",
    "dancer": "dancer",
    "skater": "skater",
    "climber": "climber",
    "cyclist": "cyclist",
    "woman": "woman",
    "man": "man",
    "child": "child",
    "dog": "dog",
}
_PRODUCTS = ("shoes", "shoe", "watch", "bottle", "phone", "car", "bike", "jacket", "bag", "coffee")
_COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "grey")

# One storyboard beat per shot: (framing, camera, motion, what happens).
_BEATS: tuple[tuple[Framing, Camera, Motion, str], ...] = (
    (Framing.EXTREME_WIDE, Camera.DOLLY_IN, Motion.SLOW, "Establishing view of the {place} at {time}"),
    (Framing.WIDE, Camera.PAN_RIGHT, Motion.MEDIUM, "The {subject} moves through the {place}"),
    (Framing.CLOSE_UP, Camera.STATIC, Motion.NONE, "Close on the {product}"),
    (Framing.MEDIUM, Camera.HANDHELD, Motion.FAST, "The {subject} pushes on, {product} in action"),
    (Framing.CLOSE_UP, Camera.TILT_UP, Motion.SLOW, "The {subject}'s face, determined"),
    (Framing.WIDE, Camera.DOLLY_OUT, Motion.SLOW, "The {subject} against the {place} at {time}"),
    (Framing.EXTREME_CLOSE_UP, Camera.PAN_LEFT, Motion.MEDIUM, "Detail of the {product}"),
    (Framing.MEDIUM, Camera.TILT_DOWN, Motion.MEDIUM, "The {subject} pauses and looks ahead"),
)


@dataclass(frozen=True)
class Storyboard:
    project: ProjectIn
    cards: dict[str, CardIn]  # keyed by a stable handle ("subject", "place", "product", "style")
    shots: list[tuple[ShotIn, list[str]]]  # each shot with the handles of the cards it shows


def _first(words: list[str], options: tuple[str, ...] | dict[str, str], default: str) -> str:
    for word in words:
        if word in options:
            return options[word] if isinstance(options, dict) else word
    return default


def _shot_count_from(text: str) -> int | None:
    spelled = {
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "twelve": 12,
    }
    match = re.search(r"\b(\d{1,3}|" + "|".join(spelled) + r")[ -]shots?\b", text)
    if not match:
        return None
    token = match.group(1)
    return int(token) if token.isdigit() else spelled[token]


def decompose(brief: str, shots: int | None = None, name: str | None = None) -> Storyboard:
    """Lay out a project from a brief. Same brief, same storyboard."""
    text = brief.strip().lower()
    words = re.findall(r"[a-z]+", text)
    count = shots or _shot_count_from(text) or 6
    place = _first(words, _PLACES, "city street")
    time = _first(words, _TIMES, "day")
    subject = _first(words, _SUBJECTS, "runner")
    product = _first(words, _PRODUCTS, "product")
    colour = _first(words, _COLOURS, "teal")
    camera_style = "handheld" if "handheld" in words else "smooth"
    weather = _first(words, _WEATHER, "clear")
    digest = hashlib.sha256(text.encode()).hexdigest()

    cards = {
        "subject": CardIn(
            kind=CardKind.CHARACTER,
            name=subject.title(),
            attributes={
                "appearance": {"hair": "brown", "eyes": "dark", "skin": "warm"},
                "wardrobe": f"{colour} athletic wear",
                "age": "30s",
                "build": "athletic",
                "backstory": f"A {subject} chasing one more {time} before the season ends.",
            },
        ),
        "place": CardIn(
            kind=CardKind.LOCATION,
            name=place.title(),
            attributes={
                "setting": place,
                "time_of_day": time,
                "weather": weather,
                "lighting": "golden hour" if time in ("dusk", "sunset", "dawn") else "natural",
            },
        ),
        "product": CardIn(
            kind=CardKind.PROP,
            name=product.title(),
            attributes={
                "shape": "sleek",
                "material": "mesh and rubber",
                "color": colour,
                "size": "hand-held",
            },
        ),
        "style": CardIn(
            kind=CardKind.STYLE,
            name="Look",
            attributes={
                "look": f"{camera_style} commercial",
                "palette": f"{colour} and amber",
                "texture": "fine grain",
            },
        ),
    }
    board: list[tuple[ShotIn, list[str]]] = []
    for index in range(count):
        framing, camera, motion, line = _BEATS[index % len(_BEATS)]
        if camera_style == "handheld" and camera is Camera.STATIC:
            camera = Camera.HANDHELD
        description = line.format(place=place, time=time, subject=subject, product=product)
        shown = ["style", "place"] if index == 0 else ["style", "subject"]
        if "{product}" in line:
            shown.append("product")
        duration = 2.0 + (int(digest[index % 60 : index % 60 + 2], 16) % 3)
        board.append(
            (
                ShotIn(
                    description=description, camera=camera, framing=framing, motion=motion, duration=duration
                ),
                shown,
            )
        )
    project = ProjectIn(
        name=name or brief.strip()[:60] or "Untitled",
        brief=brief,
        settings=ProjectSettings(shot_count=count, style=f"{camera_style} commercial, {colour} accents"),
    )
    return Storyboard(project=project, cards=cards, shots=board)
