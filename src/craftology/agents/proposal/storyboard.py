"""Shots for a cast: each beat of the arc has a few shot patterns (framing, camera, motion, what
happens, who is in it), played in turn while the focus moves through the characters and props, so
every card appears and a long board does not repeat itself shot for shot."""

from __future__ import annotations

from dataclasses import dataclass, field

from craftology.agents.proposal.arc import Beat
from craftology.projects.models import Camera, Framing, Motion

_E, _W, _M, _C, _X = (
    Framing.EXTREME_WIDE,
    Framing.WIDE,
    Framing.MEDIUM,
    Framing.CLOSE_UP,
    Framing.EXTREME_CLOSE_UP,
)
_NONE, _SLOW, _MED, _FAST = Motion.NONE, Motion.SLOW, Motion.MEDIUM, Motion.FAST

# (framing, camera, motion, what happens, who is in it). Roles: place, lead, other, focus, thing.
Pattern = tuple[Framing, Camera, Motion, str, tuple[str, ...]]
PATTERNS: dict[Beat, tuple[Pattern, ...]] = {
    Beat.ESTABLISHING: (
        (_E, Camera.DOLLY_IN, _SLOW, "Wide view of {place}{weather_at}{time_at}", ("place",)),
        (_W, Camera.PAN_RIGHT, _SLOW, "{Place} and its surroundings, setting a {mood} tone", ("place",)),
        (_W, Camera.TILT_DOWN, _SLOW, "Textures of {place}{weather_at}", ("place",)),
    ),
    Beat.INTRODUCTION: (
        (_M, Camera.STATIC, _NONE, "{Focus} is introduced at {place}", ("place", "focus")),
        (_C, Camera.DOLLY_IN, _SLOW, "Close on {focus}", ("focus",)),
        (_M, Camera.PAN_LEFT, _SLOW, "{Lead} with {focus} in {place}", ("place", "lead", "focus")),
    ),
    Beat.RISING: (
        (
            _W,
            Camera.PAN_RIGHT,
            _MED,
            "{Weather_cap} gathers over {place} as {lead} looks on",
            ("place", "lead"),
        ),
        (_M, Camera.HANDHELD, _MED, "{Lead} braces for what is coming, {other} close by", ("lead", "other")),
        (_C, Camera.TILT_UP, _MED, "{Lead} reaches for {thing}", ("lead", "thing")),
        (_M, Camera.DOLLY_IN, _MED, "Tension builds around {focus}", ("place", "focus")),
    ),
    Beat.CLIMAX: (
        (
            _W,
            Camera.HANDHELD,
            _FAST,
            "{Weather_peak}: {lead} fights on at {place}",
            ("place", "lead", "thing"),
        ),
        (_C, Camera.HANDHELD, _FAST, "{Lead}'s face at the decisive moment", ("lead",)),
        (_X, Camera.STATIC, _FAST, "{Thing} at the heart of the moment", ("thing",)),
        (_M, Camera.PAN_LEFT, _FAST, "{Lead} and {other} in the thick of it", ("lead", "other")),
    ),
    Beat.RESOLUTION: (
        (_M, Camera.STATIC, _SLOW, "Calm returns: {lead} and {other} at {place}", ("place", "lead", "other")),
        (_C, Camera.TILT_DOWN, _SLOW, "A quiet detail: {thing}", ("thing",)),
        (_E, Camera.DOLLY_OUT, _SLOW, "Pull back from {place}{time_at}, the story told", ("place", "lead")),
    ),
}
HERO: Pattern = (_C, Camera.DOLLY_IN, _SLOW, "Hero shot of {thing}, the product at its best", ("thing",))
# With no one in it (a product film), the things carry the story.
THINGS_ONLY: dict[Beat, tuple[Pattern, ...]] = {
    **PATTERNS,
    Beat.INTRODUCTION: (
        (_M, Camera.DOLLY_IN, _SLOW, "{Focus} revealed at {place}", ("place", "focus")),
        (_C, Camera.PAN_LEFT, _SLOW, "Close on {focus}: shape, texture and detail", ("focus",)),
    ),
    Beat.RISING: (
        (_W, Camera.PAN_RIGHT, _MED, "{Focus} in use across {place}", ("place", "focus")),
        (_X, Camera.TILT_UP, _MED, "Detail of {focus} as the pace picks up", ("focus",)),
        (_M, Camera.DOLLY_IN, _MED, "{Focus} against {place}{weather_at}", ("place", "focus")),
    ),
    Beat.CLIMAX: (
        HERO,
        (_X, Camera.STATIC, _FAST, "{Thing} at the decisive moment", ("thing",)),
    ),
    Beat.RESOLUTION: (
        (_M, Camera.STATIC, _SLOW, "{Thing} at rest at {place}{time_at}", ("place", "thing")),
        (
            _E,
            Camera.DOLLY_OUT,
            _SLOW,
            "Pull back from {place}{time_at}, {thing} in frame",
            ("place", "thing"),
        ),
    ),
}


@dataclass(frozen=True)
class Member:
    draft_id: str
    name: str
    proper: bool = False  # a given name ("Mia"), written without "the"

    @property
    def called(self) -> str:
        return self.name if self.proper else f"the {self.name.lower()}"


@dataclass
class Board:
    """Who can be in the shots (by draft id) and the scene words the descriptions use."""

    style: str
    places: list[Member]
    characters: list[Member] = field(default_factory=list)
    props: list[Member] = field(default_factory=list)
    weather: str | None = None
    time: str | None = None
    mood: str = "quiet"
    commercial: bool = False
    handheld: bool = False


@dataclass(frozen=True)
class Planned:
    description: str
    framing: Framing
    camera: Camera
    motion: Motion
    cards: list[str]


def _roles(board: Board, index: int, beat_index: int) -> dict[str, Member | None]:
    featured = board.characters + board.props
    lead = board.characters[0] if board.characters else (board.props[0] if board.props else None)
    others = [m for m in featured if m is not lead]  # characters before props
    things = board.props or others
    # Rising action and the climax may move between places; the rest stays at the first one.
    return {
        "place": board.places[index % len(board.places)] if board.places else None,
        "lead": lead,
        "other": others[beat_index % len(others)] if others else None,
        "focus": featured[beat_index % len(featured)] if featured else None,
        "thing": things[beat_index % len(things)] if things else lead,
    }


def _text(template: str, roles: dict[str, Member | None], board: Board) -> str:
    called = {name: (member.called if member else "the scene") for name, member in roles.items()}
    weather = board.weather or "trouble"
    values = {
        **called,
        **{name.title(): value[:1].upper() + value[1:] for name, value in called.items()},
        "weather_at": f" in the {board.weather}" if board.weather else "",
        "time_at": f" at {board.time}" if board.time else "",
        "mood": board.mood,
        "Weather_cap": weather[:1].upper() + weather[1:],
        "Weather_peak": f"The {board.weather} at its height" if board.weather else "The turning point",
    }
    return template.format(**values)


def plan_shot(board: Board, beat: Beat, beat_index: int, last: bool) -> Planned:
    """The `beat_index`-th shot of a beat (the final shot of the board always pulls back)."""
    patterns = (PATTERNS if board.characters else THINGS_ONLY)[beat]
    if board.commercial and board.characters and beat is Beat.CLIMAX:
        patterns = (HERO, *patterns)
    if beat is Beat.RESOLUTION:  # the pull-back ends the board, and only ends it
        patterns = patterns[-1:] if last else patterns[:-1]
    pattern = patterns[beat_index % len(patterns)]
    framing, camera, motion, template, cast = pattern
    place_turn = beat_index if beat in (Beat.RISING, Beat.CLIMAX) else 0
    roles = _roles(board, place_turn, beat_index // len(patterns) + beat_index)
    if board.handheld and camera is Camera.STATIC:
        camera = Camera.HANDHELD
    cards = [board.style] + [m.draft_id for role in cast if (m := roles[role]) is not None]
    return Planned(_text(template, roles, board), framing, camera, motion, list(dict.fromkeys(cards)))
