"""The story arc of a storyboard: which beat each shot plays, and how long each shot lasts."""

from __future__ import annotations

from enum import StrEnum

MIN_TENTHS, MAX_TENTHS = 20, 40  # a shot lasts 2 to 4 seconds (craftology.projects.models.ShotIn)


class Beat(StrEnum):
    ESTABLISHING = "establishing"
    INTRODUCTION = "introduction"
    RISING = "rising action"
    CLIMAX = "climax"
    RESOLUTION = "resolution"


# Share of the shots each beat gets, and how long its shots last relative to the others: openings
# and endings breathe, the climax cuts fast.
SHARE = {
    Beat.ESTABLISHING: 0.1,
    Beat.INTRODUCTION: 0.2,
    Beat.RISING: 0.35,
    Beat.CLIMAX: 0.2,
    Beat.RESOLUTION: 0.15,
}
PACE = {
    Beat.ESTABLISHING: 1.3,
    Beat.INTRODUCTION: 1.05,
    Beat.RISING: 0.95,
    Beat.CLIMAX: 0.8,
    Beat.RESOLUTION: 1.2,
}
_SHORT = {
    1: (Beat.ESTABLISHING,),
    2: (Beat.ESTABLISHING, Beat.RESOLUTION),
    3: (Beat.ESTABLISHING, Beat.CLIMAX, Beat.RESOLUTION),
    4: (Beat.ESTABLISHING, Beat.INTRODUCTION, Beat.CLIMAX, Beat.RESOLUTION),
}


def beats(count: int) -> list[Beat]:
    """The beat of each of `count` shots, in order: every beat gets at least one shot from five shots
    on, the rest shared out by SHARE (largest remainder, so the counts always add up)."""
    if count in _SHORT:
        return list(_SHORT[count])
    order = list(SHARE)
    raw = [count * SHARE[beat] for beat in order]
    counts = [max(1, int(value)) for value in raw]
    by_remainder = sorted(range(len(order)), key=lambda i: (-(raw[i] - int(raw[i])), i))
    while sum(counts) < count:
        for index in by_remainder:
            if sum(counts) == count:
                break
            counts[index] += 1
    while sum(counts) > count:  # only when the minimum of one per beat overshot
        largest = max(range(len(order)), key=lambda i: (counts[i], -i))
        counts[largest] -= 1
    return [beat for beat, n in zip(order, counts, strict=True) for _ in range(n)]


def durations(shot_beats: list[Beat], total: float | None) -> tuple[list[float], float | None]:
    """Seconds per shot (tenths), paced by beat. With `total`, they add up to it exactly when 2 to 4
    seconds a shot allow it, else to the nearest possible length, which is returned as the second
    value (None when `total` was met or not given)."""
    weights = [PACE[beat] for beat in shot_beats]
    if total is None:
        return [max(MIN_TENTHS, min(MAX_TENTHS, round(30 * w))) / 10 for w in weights], None
    count = len(weights)
    wanted = round(total * 10)
    tenths_total = max(MIN_TENTHS * count, min(MAX_TENTHS * count, wanted))
    raw = [tenths_total * w / sum(weights) for w in weights]
    tenths = [max(MIN_TENTHS, min(MAX_TENTHS, int(value))) for value in raw]
    by_remainder = sorted(range(count), key=lambda i: (-(raw[i] - int(raw[i])), i))
    missing = tenths_total - sum(tenths)
    while missing:
        step = 1 if missing > 0 else -1
        for index in by_remainder if step > 0 else reversed(by_remainder):
            if missing and MIN_TENTHS <= tenths[index] + step <= MAX_TENTHS:
                tenths[index] += step
                missing -= step
    reached = None if tenths_total == wanted else tenths_total / 10
    return [t / 10 for t in tenths], reached
