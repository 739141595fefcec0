"""The shape of a project's target graph, kept up to date edit by edit.

Edges: sheet(card) -> keyframe(shot) for each card the shot references; keyframe(shot) ->
clip(shot); clip(shot) -> cut. The shot order and the card -> shots index are maintained
incrementally so that finding a target's neighbours never scans the project.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterator

from craftology.projects.models import Shot
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
        self._position: dict[str, int] | None = None
        self.referenced_by: dict[str, dict[str, None]] = {card_id: {} for card_id in card_ids}
        self.total_us = 0
        for shot in shots.values():
            self._add_refs(shot)
            self.total_us += _us(shot.duration)

    def _key(self, shot_id: str) -> tuple[int, str]:
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

    def shot_added(self, shot: Shot) -> None:
        insort(self.order, shot.id, key=self._key)
        self._position = None
        self._add_refs(shot)
        self.total_us += _us(shot.duration)

    def shot_replaced(self, old: Shot, new: Shot) -> None:
        if old.cards != new.cards:
            self._remove_refs(old)
            self._add_refs(new)
        self.total_us += _us(new.duration) - _us(old.duration)
        if old.order != new.order:
            del self.order[bisect_left(self.order, (old.order, old.id), key=self._old_key(old))]
            insort(self.order, new.id, key=self._key)
            self._position = None

    def _old_key(self, old: Shot) -> Callable[[str], tuple[int, str]]:
        # While the moved shot is being removed, the live dict already holds its new order.
        def key(shot_id: str) -> tuple[int, str]:
            return (old.order, shot_id) if shot_id == old.id else self._key(shot_id)

        return key

    def shot_removed(self, old: Shot) -> None:
        del self.order[bisect_left(self.order, (old.order, old.id), key=self._old_key(old))]
        self._position = None
        self._remove_refs(old)
        self.total_us -= _us(old.duration)

    def reordered(self, shot_ids: list[str]) -> None:
        self.order = list(shot_ids)
        self._position = None

    # --- queries ---

    def position(self, shot_id: str) -> int:
        if self._position is None:
            self._position = {shot_id: i for i, shot_id in enumerate(self.order)}
        return self._position[shot_id]

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

    def sort_key(self, target: str) -> tuple[int, int, str]:
        """Dependency order: by layer, then shot order within keyframes and clips."""
        kind, subject = parse_target(target)
        rank = RANK[kind]
        inner = self.position(subject) if kind in (TargetKind.KEYFRAME, TargetKind.CLIP) else 0
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
