"""The shot-order digest: updated in O(1) per insert/delete/move, always equal to computing it anew."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from craftology.sync.order import HEAD, TAIL, order_digest, order_sum, spliced


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 50)), max_size=40))
def test_splicing_equals_recomputing(edits: list[tuple[bool, int]]) -> None:
    order: list[str] = []
    total = order_sum(order)
    for number, (insert, where) in enumerate(edits):
        if insert or not order:
            index = where % (len(order) + 1)
            before = order[index - 1] if index else HEAD
            after = order[index] if index < len(order) else TAIL
            order.insert(index, f"s{number}")
            total = spliced(total, before, after, f"s{number}")
        else:
            index = where % len(order)
            before = order[index - 1] if index else HEAD
            after = order[index + 1] if index + 1 < len(order) else TAIL
            total = spliced(total, before, after, order.pop(index), remove=True)
        assert total == order_sum(order)


def test_every_order_of_the_same_shots_has_its_own_digest() -> None:
    orders = [list(p) for p in itertools.permutations("abc")]
    assert len({order_digest(o) for o in orders}) == len(orders)
    assert order_digest(["a", "b"]) != order_digest(["a", "b", "c"])
    assert order_digest([]) != order_digest(["a"])
