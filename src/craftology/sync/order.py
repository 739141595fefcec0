"""A digest of the shot order that an insert, a delete or a move updates in O(1).

The order is read as its set of links (predecessor, shot) from a head mark to a tail mark: with
unique shot ids the links determine the order and the order the links. The digest is the sum of a
hash per link, modulo 2^128, so inserting x between a and b adds h(a,x) + h(x,b) - h(a,b) without
looking at any other shot. Computed from scratch (`order_digest`) it is the same number, which is how
the full audit checks the engine. The sum is a change detector over the project's own data, not a
defence against someone crafting colliding orders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

HEAD, TAIL = "\x00head", "\x00tail"
_MOD = 1 << 128


def link(before: str, after: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{before}\n{after}".encode()).digest()[:16], "big")


def order_sum(shot_ids: Iterable[str]) -> int:
    total, previous = 0, HEAD
    for shot_id in shot_ids:
        total += link(previous, shot_id)
        previous = shot_id
    return (total + link(previous, TAIL)) % _MOD


def spliced(total: int, before: str, after: str, inserted: str, *, remove: bool = False) -> int:
    """The sum after putting `inserted` between neighbours `before` and `after` (or, with `remove`,
    taking it out from between them)."""
    delta = link(before, inserted) + link(inserted, after) - link(before, after)
    return (total - delta if remove else total + delta) % _MOD


def as_hex(total: int) -> str:
    return f"{total:032x}"


def order_digest(shot_ids: Iterable[str]) -> str:
    return as_hex(order_sum(shot_ids))
