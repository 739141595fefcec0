"""The shape of a project's target graph, kept up to date edit by edit.

Edges: sheet(card) -> keyframe(shot) for each card the shot references; keyframe(shot) ->
clip(shot); clip(shot) -> cut. The shot order and the card -> shots index are maintained
incrementally so that finding a target's neighbours never scans the project.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from itertools import islice

from craftology.projects.models import Shot
from craftology.sync.order import HEAD, TAIL, as_hex, order_sum, spliced
from craftology.sync.targets import (
    RANK,
    TargetKind,
    clip_target,
    cut_target,
    keyframe_target,
    parse_target,
    sheet_target,
)


def _us(seconds: float) -> int:
    # Durations are summed as integer microseconds so adding and removing shots never drifts.
    return round(seconds * 1_000_000)


class ProjectGraph:
    """Shot order, card references and edges between targets."""

    def __init__(self, project_id: str, card_ids: list[str], shots: dict[str, Shot]) -> None:
        self.project_id = project_id
        self.cut = cut_target(project_id)
        self._shots = shots  # the live dict owned by the engine's state
        self.order: list[str] = sorted(shots, key=self._key)
        self._order_sum = order_sum(self.order)
        self.referenced_by: dict[str, dict[str, None]] = {card_id: {} for card_id in card_ids}
        self.total_us = 0
        for shot in shots.values():
            self._add_refs(shot)
            self.total_us += _us(shot.duration)

    def _key(self, shot_id: str) -> tuple[str, str]:
        return (self._shots[shot_id].order, shot_id)

    def _add_refs(self, shot: Shot) -> None:
        for card_id in dict.fromkeys(shot.cards):
            self.referenced_by[card_id][shot.id] = None

    def _remove_refs(self, shot: Shot) -> None:
        for card_id in dict.fromkeys(shot.cards):
            self.referenced_by[card_id].pop(shot.id, None)

    # --- edits (the engine updates its state's dicts first, then tells the graph) ---

    def card_added(self, card_id: str) -> None:
        self.referenced_by[card_id] = {}

    def card_removed(self, card_id: str) -> None:
        del self.referenced_by[card_id]

    def _insert(self, shot_id: str) -> None:
        index = bisect_left(self.order, self._key(shot_id), key=self._key)
        before = self.order[index - 1] if index else HEAD
        after = self.order[index] if index < len(self.order) else TAIL
        self.order.insert(index, shot_id)
        self._order_sum = spliced(self._order_sum, before, after, shot_id)

    def _take_out(self, old: Shot) -> None:
        index = bisect_left(self.order, (old.order, old.id), key=self._old_key(old))
        before = self.order[index - 1] if index else HEAD
        after = self.order[index + 1] if index + 1 < len(self.order) else TAIL
        del self.order[index]
        self._order_sum = spliced(self._order_sum, before, after, old.id, remove=True)

    def shot_added(self, shot: Shot) -> None:
        self._insert(shot.id)
        self._add_refs(shot)
        self.total_us += _us(shot.duration)

    def shot_replaced(self, old: Shot, new: Shot) -> None:
        if old.cards != new.cards:
            self._remove_refs(old)
            self._add_refs(new)
        self.total_us += _us(new.duration) - _us(old.duration)
        if old.order != new.order:
            self._take_out(old)
            self._insert(new.id)

    def _old_key(self, old: Shot) -> Callable[[str], tuple[str, str]]:
        # While the moved shot is being removed, the live dict already holds its new order key.
        def key(shot_id: str) -> tuple[str, str]:
            return (old.order, shot_id) if shot_id == old.id else self._key(shot_id)

        return key

    def shot_removed(self, old: Shot) -> None:
        self._take_out(old)
        self._remove_refs(old)
        self.total_us -= _us(old.duration)

    def reordered(self, shot_ids: list[str]) -> None:
        self.order = list(shot_ids)  # names every shot: as costly as the list, whatever we do
        self._order_sum = order_sum(self.order)

    # --- queries ---

    @property
    def order_digest(self) -> str:
        """`sync.order.order_digest(self.order)`, kept up to date edit by edit."""
        return as_hex(self._order_sum)

    def shot_key(self, shot_id: str) -> tuple[str, str]:
        """Where a shot stands: the order list is sorted by this, so no position map is needed."""
        return self._key(shot_id)

    def upstream(self, target: str) -> list[str]:
        """Upstream targets in a stable order (a shot's card order; the cut's shot order)."""
        kind, subject = parse_target(target)
        if kind is TargetKind.KEYFRAME:
            return [sheet_target(c) for c in dict.fromkeys(self._shots[subject].cards)]
        if kind is TargetKind.CLIP:
            return [keyframe_target(subject)]
        if kind is TargetKind.CUT:
            return [clip_target(s) for s in self.order]
        return []

    def downstream(self, target: str) -> list[str]:
        kind, subject = parse_target(target)
        if kind is TargetKind.SHEET:
            return [keyframe_target(s) for s in self.referenced_by[subject]]
        if kind is TargetKind.KEYFRAME:
            return [clip_target(subject)]
        if kind is TargetKind.CLIP:
            return [self.cut]
        return []

    def sort_key(self, target: str) -> tuple[int, str, str]:
        """Dependency order: by layer, then shot order within keyframes and clips."""
        kind, subject = parse_target(target)
        rank = RANK[kind]
        inner = self._shots[subject].order if kind in (TargetKind.KEYFRAME, TargetKind.CLIP) else ""
        return (rank, inner, subject)

    def targets_of(self, kind: TargetKind) -> Iterator[str]:
        if kind is TargetKind.SHEET:
            yield from (sheet_target(c) for c in self.referenced_by)
        elif kind is TargetKind.KEYFRAME:
            yield from (keyframe_target(s) for s in self.order)
        elif kind is TargetKind.CLIP:
            yield from (clip_target(s) for s in self.order)
        else:
            yield self.cut

    def target_count(self) -> int:
        return len(self.referenced_by) + 2 * len(self.order) + 1

    def targets_slice(self, start: int, stop: int) -> list[str]:
        """`list(all_targets())[start:stop]` without walking the targets before `start`."""
        cards, shots = len(self.referenced_by), len(self.order)
        found: list[str] = []
        if start < cards:
            found += [sheet_target(c) for c in islice(self.referenced_by, start, min(stop, cards))]
        for offset, make in ((cards, keyframe_target), (cards + shots, clip_target)):
            lo, hi = max(start - offset, 0), min(stop - offset, shots)
            found += [make(s) for s in self.order[lo:hi]] if lo < hi else []
        if start <= cards + 2 * shots < stop:
            found.append(self.cut)
        return found

    def all_targets(self) -> Iterator[str]:
        for kind in TargetKind:
            yield from self.targets_of(kind)

    def exists(self, target: str) -> bool:
        kind, subject = parse_target(target)
        if kind is TargetKind.SHEET:
            return subject in self.referenced_by
        if kind is TargetKind.CUT:
            return subject == self.project_id
        return subject in self._shots
