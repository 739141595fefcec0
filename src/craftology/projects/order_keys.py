"""Sparse, sortable keys for the storyboard order: an edit re-keys only the shots it moves.

A key is twelve base-36 digits (an integer part) and optional further digits (a fraction), with no
trailing zero, so comparing two keys as plain strings compares the numbers they spell. Between any
two keys there is always another one: appending takes the next integer, inserting between two
neighbours takes a point between them (a fraction when the integers are adjacent). Shots sort by
(key, id): keys are unique in practice, and the id settles the order should two writers that raced
pick the same one.

Records written before keys carried a dense integer position 0..n-1; `as_key` reads such a
position as `position_key(n)`, which sorts the same way, so old sandboxes load unchanged.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from craftology.errors import BadInput

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
WIDTH = 12
KEY_PATTERN = r"^[0-9a-z]{12}(?:[0-9a-z]*[1-9a-z])?$"
_KEY = re.compile(KEY_PATTERN)
_LIMIT = BASE**WIDTH
# The first shot sits in the middle, so the storyboard can grow as far backwards as forwards.
_FIRST = _LIMIT // 2


def _integer(value: int) -> str:
    if not 0 <= value < _LIMIT:
        raise BadInput("the storyboard order has no room left at this end; reorder the shots")
    digits = []
    for _ in range(WIDTH):
        value, digit = divmod(value, BASE)
        digits.append(DIGITS[digit])
    return "".join(reversed(digits))


def _scaled(key: str, precision: int) -> int:
    """The key as an integer with `precision` fraction digits (`precision` >= its own)."""
    return int(key.ljust(WIDTH + precision, "0"), BASE)


def _unscaled(value: int, precision: int) -> str:
    whole, fraction = divmod(value, BASE**precision)
    text = _integer(whole)
    if precision:
        digits = []
        for _ in range(precision):
            fraction, digit = divmod(fraction, BASE)
            digits.append(DIGITS[digit])
        text += "".join(reversed(digits)).rstrip("0")
    return text


def is_key(value: object) -> bool:
    return isinstance(value, str) and _KEY.fullmatch(value) is not None


def position_key(position: int) -> str:
    """The key of the shot at a dense position (how records from before keys are read)."""
    return _integer(_FIRST + position)


def as_key(value: object) -> object:
    """A stored `order`: a key as it is, a pre-key integer position as its key. Anything else is
    returned unchanged for validation to refuse."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return position_key(value)
    return value


def next_key(key: str | None) -> str:
    """The next integer after `key`: where a shot appended after it goes."""
    if key is None:
        return position_key(0)
    return _integer(int(key[:WIDTH], BASE) + 1)


def keys_between(low: str | None, high: str | None, count: int) -> list[str]:
    """`count` increasing keys strictly between `low` and `high` (None: no bound on that side), as
    short as they can be and evenly spread, so later inserts between them stay short too."""
    if count <= 0:
        return []
    if low is None and high is None:
        return [position_key(i) for i in range(count)]
    if high is None:
        assert low is not None
        start = int(low[:WIDTH], BASE)
        return [_integer(start + i) for i in range(1, count + 1)]
    if low is None:
        # Whole numbers below `high`'s integer part are below `high`, whatever its fraction.
        end = int(high[:WIDTH], BASE)
        return [_integer(end - i) for i in range(count, 0, -1)]
    if not low < high:
        raise ValueError(f"no key lies between {low!r} and {high!r}")
    precision = max(len(low), len(high)) - WIDTH
    lo, hi = _scaled(low, precision), _scaled(high, precision)
    while hi - lo <= count:  # one more digit gives BASE times the room
        precision += 1
        lo, hi = lo * BASE, hi * BASE
    span = hi - lo
    return [_unscaled(lo + span * (i + 1) // (count + 1), precision) for i in range(count)]


def _longest_increasing(values: Sequence[int]) -> set[int]:
    """Indexes into `values` of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []  # tails[k]: smallest last value of an increasing run of length k + 1
    tail_at: list[int] = []  # index of that value
    previous = [-1] * len(values)
    for index, value in enumerate(values):
        length = bisect_left(tails, value)
        if length == len(tails):
            tails.append(value)
            tail_at.append(index)
        else:
            tails[length] = value
            tail_at[length] = index
        previous[index] = tail_at[length - 1] if length else -1
    chosen: set[int] = set()
    index = tail_at[-1] if tail_at else -1
    while index != -1:
        chosen.add(index)
        index = previous[index]
    return chosen


def plan_reorder(
    current: Sequence[tuple[str, str]], wanted: Sequence[str], end: str | None
) -> dict[str, str]:
    """New keys for the shots that must move so that `wanted` (every id of `current` once) is the
    order: the longest run of shots already in the wanted relative order keeps its keys, each
    other shot gets a key between its kept neighbours. `current` is (id, key) in today's order;
    `end` is a key above every key in use, or None. Returns only the keys that change."""
    keys = dict(current)
    position = {shot_id: index for index, (shot_id, _) in enumerate(current)}
    kept = _longest_increasing([position[shot_id] for shot_id in wanted])
    moved: dict[str, str] = {}
    low: str | None = None
    run: list[str] = []
    for index, shot_id in enumerate(wanted):
        key = keys[shot_id]
        # Two kept shots with the same key (writers that raced) leave no room between them.
        if index in kept and not (run and low is not None and key <= low):
            moved.update(zip(run, keys_between(low, key, len(run)), strict=True))
            low, run = key, []
        else:
            run.append(shot_id)
    if run:
        high = end if end is not None and (low is None or low < end) else None
        moved.update(zip(run, keys_between(low, high, len(run)), strict=True))
    return {shot_id: key for shot_id, key in moved.items() if keys[shot_id] != key}
