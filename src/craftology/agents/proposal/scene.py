"""What a brief says about the piece as a whole: its length, shot count, frame, genre, look, weather,
time of day and mood."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from craftology.agents.proposal.lexicon import (
    GENRES,
    HANDHELD,
    LOOKS,
    MOODS,
    NUMBERS,
    TIMES,
    WEATHER,
    WEATHER_MOOD,
)
from craftology.projects.models import AspectRatio

_NUMBER = r"\b(\d+(?:\.\d+)?|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_DURATION = re.compile(_NUMBER + r"[ -]?(seconds?|secs?|minutes?|mins?)\b")
# "60s" alone could be a decade ("a 1960s diner", "the 80s"): only before the kind of piece.
_SHORT_SECONDS = re.compile(
    r"\b(\d{1,3})s (?:spot|ad|film|video|commercial|clip|cut|teaser|trailer|piece|edit|short)\b"
)
_A_MINUTE = re.compile(r"\b(half[ -]a|a|one)[ -]minute\b")
_SHOTS = re.compile(_NUMBER + r"[ -](?:shots?|panels?|frames? storyboard)\b")
_FPS = re.compile(r"\b(\d{2})\s*fps\b")
_ASPECTS = (
    (re.compile(r"\b(9:16|vertical|portrait|tiktok|reels?|shorts|stories|story format)\b"), AspectRatio.TALL),
    (re.compile(r"\b(1:1|square)\b"), AspectRatio.SQUARE),
    (re.compile(r"\b(4:3|academy ratio)\b"), AspectRatio.CLASSIC),
    (re.compile(r"(2\.39:1|2\.39|\bcinemascope\b|\banamorphic\b|\bscope\b)"), AspectRatio.SCOPE),
    (re.compile(r"\b(16:9|widescreen|landscape)\b"), AspectRatio.WIDE),
)


@dataclass
class Scene:
    duration: float | None = None  # seconds, when the brief states a length
    shot_count: int | None = None  # when the brief states one
    aspect_ratio: AspectRatio | None = None
    fps: int | None = None
    genre: str = "short film"
    looks: list[str] = field(default_factory=list)
    handheld: bool = False
    weather: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)


def _number(token: str) -> float:
    return float(token) if token[0].isdigit() else float(NUMBERS[token])


def _duration(text: str) -> float | None:
    match = _DURATION.search(text)
    if match is not None:
        value = _number(match.group(1))
        seconds = value * 60 if match.group(2).startswith("m") else value
        return seconds if 0 < seconds <= 24 * 3600 else None
    short = _SHORT_SECONDS.search(text)
    if short is not None and int(short.group(1)) > 0:
        return float(short.group(1))
    minute = _A_MINUTE.search(text)
    if minute is not None:
        return 30.0 if minute.group(1).startswith("half") else 60.0
    return None


_WORD = re.compile(r"[a-z0-9]+(?:[-'.][a-z0-9]+)*")
_LONGEST = 3  # words in the longest phrase looked up ("black and white")


def _places(text: str) -> dict[str, int]:
    """Every word and phrase of up to three words in the text, with where it first occurs: one pass,
    so looking up a vocabulary costs its size, not its size times the text's."""
    words = _WORD.findall(text)
    first: dict[str, int] = {}
    for index in range(len(words)):
        for length in range(1, _LONGEST + 1):
            if index + length <= len(words):
                first.setdefault(" ".join(words[index : index + length]), index)
    return first


def _found(places: dict[str, int], words: dict[str, str]) -> list[str]:
    """The values of the words (or phrases) the text contains, in the order they appear, once each."""
    hits = sorted((places[word], value) for word, value in words.items() if word in places)
    return list(dict.fromkeys(value for _, value in hits))


def read_scene(brief: str) -> Scene:
    """The brief's whole-piece settings; what it does not say is left None or empty."""
    text = brief.lower()
    scene = Scene(duration=_duration(text))
    shots = _SHOTS.search(text)
    if shots:
        count = int(_number(shots.group(1)))
        scene.shot_count = count if count >= 1 else None
    for pattern, ratio in _ASPECTS:
        if pattern.search(text):
            scene.aspect_ratio = ratio
            break
    fps = _FPS.search(text)
    if fps and 8 <= int(fps.group(1)) <= 60:
        scene.fps = int(fps.group(1))
    places = _places(text)
    genres = _found(places, GENRES)
    scene.genre = genres[0] if genres else "short film"
    scene.looks = _found(places, {look: look for look in LOOKS})
    scene.handheld = any(word in places for word in HANDHELD)
    scene.weather = _found(places, WEATHER)
    scene.times = _found(places, TIMES)
    scene.moods = _found(places, MOODS)
    for weather in scene.weather:
        mood = WEATHER_MOOD.get(weather)
        if mood and mood not in scene.moods:
            scene.moods.append(mood)
    return scene
