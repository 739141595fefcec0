"""Full audit: every target's status recomputed from scratch, straight from the definitions.

It shares nothing with the incremental engine but the pure helpers (snapshots, fingerprints, the
leaf diff), so the engine can be checked against it. Also: accepting everything as generated now
(for tests, demos and benchmarks) and the expected blast radius of a visual card edit.
"""

from __future__ import annotations

from collections.abc import Iterator

from craftology.sync.causes import (
    Cause,
    CodeCause,
    SeedCause,
    Status,
    TargetStatus,
    UpstreamCause,
    data_causes,
)
from craftology.sync.fingerprint import Provenance, fingerprint, inputs_digest, same_code
from craftology.sync.inputs import cut_inputs, sheet_inputs, shot_inputs
from craftology.sync.order import order_digest
from craftology.sync.state import ProjectState
from craftology.sync.targets import (
    TargetKind,
    clip_target,
    cut_target,
    keyframe_target,
    sheet_target,
)

Node = tuple[str, TargetKind, dict[str, object], list[str]]  # target, kind, inputs, upstream


def _nodes(state: ProjectState) -> Iterator[Node]:
    """Every target with its current inputs and upstream targets, in topological order."""
    project = state.project
    ordered = sorted(state.shots.values(), key=lambda shot: (shot.order, shot.id))
    for card in state.cards.values():
        yield sheet_target(card.id), TargetKind.SHEET, sheet_inputs(card, project), []
    for shot in ordered:
        sheets = [sheet_target(c) for c in dict.fromkeys(shot.cards)]
        yield (
            keyframe_target(shot.id),
            TargetKind.KEYFRAME,
            shot_inputs(TargetKind.KEYFRAME, shot, project),
            sheets,
        )
    for shot in ordered:
        yield (
            clip_target(shot.id), TargetKind.CLIP, shot_inputs(TargetKind.CLIP, shot, project),
            [keyframe_target(shot.id)],
        )  # fmt: skip
    clips = [clip_target(shot.id) for shot in ordered]
    yield (
        cut_target(project.id),
        TargetKind.CUT,
        cut_inputs(project, order_digest(s.id for s in ordered), len(ordered)),
        clips,
    )


def full_audit(state: ProjectState) -> dict[str, TargetStatus]:
    """Status and causes of every target, by definition: FRESH when the accepted fingerprint equals
    the current one and every upstream target is usable (fresh, or pinned with an accepted asset)."""
    out: dict[str, TargetStatus] = {}
    for target, kind, inputs, upstream_targets in _nodes(state):
        accepted = state.accepted.get(target)
        pinned = target in state.pinned
        if accepted is None:
            waiting = tuple(UpstreamCause(u) for u in upstream_targets if not out[u].usable)
            out[target] = TargetStatus(target, kind, Status.MISSING, waiting, pinned)
            continue
        upstream = {u: _accepted_fingerprint(state, u) for u in upstream_targets}
        code = state.models[kind].code
        seed = state.seed_for(target)
        causes: list[Cause] = list(data_causes(accepted.inputs, inputs))
        if not same_code(accepted.code, code):
            causes.append(CodeCause(accepted.code, code))
        if seed != accepted.seed:
            causes.append(SeedCause(accepted.seed, seed))
        causes.extend(
            UpstreamCause(u)
            for u in upstream_targets
            if not out[u].usable or accepted.upstream.get(u) != upstream[u]
        )
        current = fingerprint(kind, inputs, upstream, code, seed, accepted.replacement)
        fresh = current == accepted.fingerprint and all(out[u].usable for u in upstream_targets)
        out[target] = TargetStatus(
            target, kind, Status.FRESH if fresh else Status.STALE, tuple(causes), pinned
        )
    return out


def _accepted_fingerprint(state: ProjectState, target: str) -> str | None:
    accepted = state.accepted.get(target)
    return accepted.fingerprint if accepted else None


def accept_everything(state: ProjectState) -> dict[str, Provenance]:
    """Provenance for every target as if each were generated and accepted now, upstream first,
    so that every target is FRESH. Linear in the project size."""
    accepted: dict[str, Provenance] = {}
    for target, kind, inputs, upstream_targets in _nodes(state):
        upstream: dict[str, str | None] = {u: accepted[u].fingerprint for u in upstream_targets}
        code = state.models[kind].code
        seed = state.seed_for(target)
        accepted[target] = Provenance(
            target, fingerprint(kind, inputs, upstream, code, seed), inputs, upstream, code, seed
        )
    return accepted


def current_inputs_digest(state: ProjectState, target: str) -> str:
    """The own-inputs digest of one target, computed from scratch (for checks against the engine)."""
    for node_target, kind, inputs, _ in _nodes(state):
        if node_target == target:
            return inputs_digest(inputs, state.models[kind].code, state.seed_for(target))
    raise KeyError(target)


def expected_targets_for_card_visual_edit(state: ProjectState, card_id: str) -> set[str]:
    """What a visual edit of one card must regenerate in an all-fresh project, worked out directly
    from which shots reference the card: its sheet, those shots' keyframes and clips, the cut."""
    users = [shot.id for shot in state.shots.values() if card_id in shot.cards]
    expected = {sheet_target(card_id)}
    expected.update(keyframe_target(s) for s in users)
    expected.update(clip_target(s) for s in users)
    if users:
        expected.add(cut_target(state.project.id))
    return expected


def render_statuses(statuses: dict[str, TargetStatus], *, include_fresh: bool = False) -> list[str]:
    """One line per target, then its causes indented."""
    lines: list[str] = []
    for status in statuses.values():
        if status.status is Status.FRESH and not status.pinned and not include_fresh:
            continue
        lines.append(status.render())
        lines.extend(f"    {cause.render()}" for cause in status.causes)
    return lines
