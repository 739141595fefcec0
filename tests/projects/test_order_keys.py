"""Sparse order keys: always room between two keys, string order is the intended order, and a reorder
re-keys only the shots outside the longest run already in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from craftology.projects.order_keys import (
    as_key,
    is_key,
    keys_between,
    next_key,
    plan_reorder,
    position_key,
)


def test_positions_sort_like_the_integers_they_replace() -> None:
    keys = [position_key(n) for n in (0, 1, 9, 10, 35, 36, 1000, 10**9)]
    assert keys == sorted(keys)
    assert all(is_key(k) for k in keys)
    assert as_key(3) == position_key(3)
    assert as_key(position_key(3)) == position_key(3)
    assert next_key(position_key(4)) == position_key(5)
    assert next_key(None) == position_key(0)


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 4)), min_size=1, max_size=60))
def test_there_is_always_room_between_neighbours(inserts: list[tuple[int, int]]) -> None:
    order: list[str] = []
    for where, count in inserts:
        index = where % (len(order) + 1)
        low = order[index - 1] if index else None
        high = order[index] if index < len(order) else None
        made = keys_between(low, high, count)
        assert len(made) == count
        assert all(is_key(k) for k in made)
        order[index:index] = made
        assert order == sorted(order)
        assert len(set(order)) == len(order)


def test_inserting_at_one_spot_grows_keys_slowly() -> None:
    low, high = position_key(0), position_key(1)
    for _ in range(200):
        high = keys_between(low, high, 1)[0]
    assert len(high) < 12 + 60  # about one digit per five halvings


@given(st.data(), st.integers(0, 30))
def test_a_reorder_rekeys_only_what_leaves_the_longest_ordered_run(data: st.DataObject, size: int) -> None:
    ids = [f"s{i}" for i in range(size)]
    current = [(shot_id, position_key(i)) for i, shot_id in enumerate(ids)]
    wanted = data.draw(st.permutations(ids))
    moved = plan_reorder(current, wanted, next_key(position_key(size)))
    keys = dict(current) | moved
    assert sorted(wanted, key=lambda s: (keys[s], s)) == wanted
    assert all(keys[s] < position_key(size + 1) for s in ids)  # below the next append
    assert len(moved) == size - _longest_increasing_length([ids.index(s) for s in wanted])


def test_moving_one_shot_rekeys_one_and_ties_still_resolve() -> None:
    current = [(f"s{i}", position_key(i)) for i in range(6)]
    wanted = ["s0", "s1", "s4", "s2", "s3", "s5"]
    assert len(plan_reorder(current, wanted, None)) == 1
    # Two shots that raced to the same key: the plan still yields the wanted order.
    tied = [("a", position_key(1)), ("b", position_key(1)), ("c", position_key(2))]
    wanted = ["a", "c", "b"]
    keys = dict(tied) | plan_reorder(tied, wanted, None)
    assert sorted(wanted, key=lambda s: (keys[s], s)) == wanted


def _longest_increasing_length(values: list[int]) -> int:
    best = [1] * len(values)
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)
