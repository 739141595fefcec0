"""The incremental sync engine: per-target status kept up to date change by change.

Each target keeps its own causes (DATA/CODE/SEED: its snapshot against its accepted provenance)
and the set of upstream targets that are "bad" for it (not usable, or not the accepted asset it was
made from). Status follows from those two: MISSING without an accepted asset, STALE if either is
non-empty, FRESH otherwise. What downstream sees of a target is only (usable, accepted
fingerprint); a change walks downstream only while that view changes, so the work is proportional
to what the change touches. The cut keeps a set of bad clips instead of rescanning every clip.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from craftology.errors import BadInput, NotFound
from craftology.sync.causes import (
    Cause,
    CodeCause,
    SeedCause,
    Status,
    TargetStatus,
    UpstreamCause,
    data_causes,
    root_causes,
)
from craftology.sync.fingerprint import (
    Provenance,
    Resolved,
    fingerprint,
    inputs_digest,
    same_code,
)
from craftology.sync.graph import ProjectGraph
from craftology.sync.inputs import check_provenance, cut_inputs, sheet_inputs, shot_inputs
from craftology.sync.state import ProjectState
from craftology.sync.targets import RANK, TargetKind, parse_target

if TYPE_CHECKING:
    from craftology.sync.plan import Plan

Exported = tuple[bool, str | None]  # (usable by downstream, accepted fingerprint)


class EngineCore:
    """Status bookkeeping and queries; `SyncEngine` adds the change handlers."""

    def __init__(self, state: ProjectState, *, verify: bool = True) -> None:
        absent = [kind.value for kind in TargetKind if kind not in state.models]
        if absent:
            raise BadInput(f"no model for target kinds {absent}")
        for kind, spec in state.models.items():
            if spec.kind is not kind:
                raise BadInput(f"the model given for {kind.value} is for {spec.kind.value}")
        self._state = s = state.copy()
        for shot in s.shots.values():
            for card_id in shot.cards:
                if card_id not in s.cards:
                    raise BadInput(f"shot {shot.id} references unknown card {card_id}")
        self._graph = ProjectGraph(s.project.id, list(s.cards), s.shots)
        live = list(self._graph.all_targets())
        known = set(live)
        # Records of targets that no longer exist (a deleted shot's clip) play no part.
        s.accepted = {t: p for t, p in s.accepted.items() if t in known}
        s.pinned = {t for t in s.pinned if t in known}
        s.seeds = {t: seed for t, seed in s.seeds.items() if t in known}
        for target, provenance in s.accepted.items():
            check_provenance(target, provenance, verify=verify)
        self._own: dict[str, tuple[Cause, ...]] = {}
        self._bad: dict[str, set[str]] = {}
        self._status: dict[str, Status] = {}
        self._counts: Counter[Status] = Counter()
        self._exported: dict[str, Exported] = {}
        self._nonfresh: set[str] = set()
        self._digests: dict[str, str] = {}
        for target in live:  # all_targets yields layer by layer: upstream is always settled first
            self._own[target] = self._compute_own(target)
            self._bad[target] = self._compute_bad(target)
            self._set_status(target, self._evaluate(target))
            self._exported[target] = self._export(target)
        self._begin()

    # --- per-change bookkeeping ---

    def _begin(self) -> None:
        self._pre: dict[str, tuple[Status, bool, tuple[Cause, ...]] | None] = {}
        self._flips: dict[str, set[str]] = {}
        self._queue: list[set[str]] = [set() for _ in RANK]
        self._visited = 0
        self._added: list[str] = []
        self._removed: list[str] = []
        self._upstream_order_before: dict[str, list[str]] = {}

    def _before_upstream_reorder(self, target: str) -> None:
        """UPSTREAM causes are listed in upstream order (a shot's card order, the shot order), so an
        edit can reorder a target's causes without changing which upstream targets they name."""
        self._touch(target)
        self._upstream_order_before.setdefault(target, self.bad_upstream(target))

    def _changed_targets(self) -> list[str]:
        order_before = self._upstream_order_before
        changed = [
            target
            for target, before in self._pre.items()
            if target in self._status
            and (
                before is None
                or before != (self._status[target], target in self._state.pinned, self._own[target])
                or self._flips.get(target)
                or (target in order_before and order_before[target] != self.bad_upstream(target))
            )
        ]
        changed.sort(key=self._graph.sort_key)
        return changed

    def _touch(self, target: str) -> None:
        """Remember how a target looked before this change, to report only real differences."""
        if target not in self._pre:
            self._pre[target] = (self._status[target], target in self._state.pinned, self._own[target])

    def _enqueue(self, target: str) -> None:
        self._queue[RANK[parse_target(target)[0]]].add(target)

    def _flip(self, target: str, upstream: str) -> None:
        self._touch(target)
        bad = self._bad[target]
        if upstream in bad:
            bad.remove(upstream)
        else:
            bad.add(upstream)
        self._flips.setdefault(target, set()).symmetric_difference_update((upstream,))
        self._enqueue(target)

    def _sync_membership(self, target: str, upstream: str) -> None:
        if self._is_bad(upstream, self._state.accepted.get(target)) != (upstream in self._bad[target]):
            self._flip(target, upstream)

    def _refresh_own(self, target: str) -> None:
        self._touch(target)
        self._own[target] = self._compute_own(target)
        self._digests.pop(target, None)
        self._enqueue(target)

    def _refresh_bad(self, target: str) -> None:
        for upstream in self._bad[target] ^ self._compute_bad(target):
            self._flip(target, upstream)

    def _drain(self) -> None:
        """Settle queued targets layer by layer; each notifies downstream only if its view changed."""
        # Edges only go to higher layers, so finishing a layer before the next visits each target once.
        for queue in self._queue:
            while queue:
                target = queue.pop()
                if target not in self._status:
                    continue  # removed during this change
                self._visited += 1
                status = self._evaluate(target)
                if status is not self._status[target]:
                    self._touch(target)
                    self._set_status(target, status)
                exported = self._export(target)
                if exported == self._exported[target]:
                    continue
                self._exported[target] = exported
                for downstream in self._graph.downstream(target):
                    self._sync_membership(downstream, target)

    # --- status rules ---

    def _inputs(self, kind: TargetKind, subject: str) -> dict[str, object]:
        s = self._state
        if kind is TargetKind.SHEET:
            return sheet_inputs(s.cards[subject], s.project)
        if kind is TargetKind.CUT:
            return cut_inputs(s.project, self._graph.order_digest, len(self._graph.order))
        return shot_inputs(kind, s.shots[subject], s.project)

    def _compute_own(self, target: str) -> tuple[Cause, ...]:
        accepted = self._state.accepted.get(target)
        if accepted is None:
            return ()
        kind, subject = parse_target(target)
        causes: list[Cause] = list(data_causes(accepted.inputs, self._inputs(kind, subject)))
        code = self._state.models[kind].code
        if not same_code(accepted.code, code):
            causes.append(CodeCause(accepted.code, code))
        seed = self._state.seed_for(target)
        if seed != accepted.seed:
            causes.append(SeedCause(accepted.seed, seed))
        return tuple(causes)

    def _is_bad(self, upstream: str, accepted: Provenance | None) -> bool:
        usable, accepted_fingerprint = self._exported[upstream]
        return not usable or (
            accepted is not None and accepted.upstream.get(upstream) != accepted_fingerprint
        )

    def _compute_bad(self, target: str) -> set[str]:
        accepted = self._state.accepted.get(target)
        return {u for u in self._graph.upstream(target) if self._is_bad(u, accepted)}

    def _evaluate(self, target: str) -> Status:
        if target not in self._state.accepted:
            return Status.MISSING
        return Status.STALE if self._own[target] or self._bad[target] else Status.FRESH

    def _set_status(self, target: str, status: Status) -> None:
        previous = self._status.get(target)
        if previous is not None:
            self._counts[previous] -= 1
        self._counts[status] += 1
        self._status[target] = status
        if status is Status.FRESH:
            self._nonfresh.discard(target)
        else:
            self._nonfresh.add(target)

    def _export(self, target: str) -> Exported:
        accepted = self._state.accepted.get(target)
        if accepted is None:
            return (False, None)
        usable = target in self._state.pinned or self._status[target] is Status.FRESH
        return (usable, accepted.fingerprint)

    def _require(self, target: str) -> tuple[TargetKind, str]:
        kind, subject = parse_target(target)
        if target not in self._status:
            raise NotFound(f"no target {target} in this project", target=target)
        return kind, subject

    # --- queries ---

    @property
    def state(self) -> ProjectState:
        """The engine's current view of the project (read it, do not change it: send changes)."""
        return self._state

    @property
    def graph(self) -> ProjectGraph:
        return self._graph

    def targets(self) -> list[str]:
        return list(self._graph.all_targets())

    def not_fresh(self) -> set[str]:
        """Targets that are MISSING or STALE (pinned ones included)."""
        return set(self._nonfresh)

    def bad_upstream(self, target: str) -> list[str]:
        """Upstream targets behind this target's UPSTREAM causes, in upstream order."""
        kind, _ = self._require(target)
        bad = self._bad[target]
        if kind is TargetKind.CUT:
            return sorted(bad, key=lambda clip: self._graph.shot_key(parse_target(clip)[1]))
        if kind is TargetKind.KEYFRAME:
            return [u for u in self._graph.upstream(target) if u in bad]
        return list(bad)

    def status(self, target: str) -> TargetStatus:
        kind, _ = self._require(target)
        upstream = tuple(UpstreamCause(u) for u in self.bad_upstream(target))
        return TargetStatus(
            target, kind, self._status[target], self._own[target] + upstream, target in self._state.pinned
        )

    def counts(self) -> dict[Status, int]:
        """How many targets are in each status, kept up to date change by change."""
        return {status: self._counts[status] for status in Status}

    def status_page(self, start: int, limit: int) -> tuple[list[TargetStatus], int]:
        """One page of `statuses()` in the same order, and how many targets there are: costs the
        page, not the project."""
        return [self.status(t) for t in self._graph.targets_slice(start, start + limit)], (
            self._graph.target_count()
        )

    def statuses(self) -> dict[str, TargetStatus]:
        return {target: self.status(target) for target in self._graph.all_targets()}

    def root_causes(self, target: str, memo: dict[str, tuple[Cause, ...]] | None = None) -> tuple[Cause, ...]:
        return root_causes(target, self.status, {} if memo is None else memo)

    def inputs_digest(self, target: str) -> str:
        if target not in self._digests:
            kind, subject = self._require(target)
            code = self._state.models[kind].code
            self._digests[target] = inputs_digest(
                self._inputs(kind, subject), code, self._state.seed_for(target)
            )
        return self._digests[target]

    def resolve(self, target: str) -> Resolved:
        """The current inputs of a target, built on the ACCEPTED assets of its upstream targets."""
        kind, subject = self._require(target)
        inputs = self._inputs(kind, subject)
        accepted = self._state.accepted
        upstream = {
            u: (accepted[u].fingerprint if u in accepted else None) for u in self._graph.upstream(target)
        }
        code = self._state.models[kind].code
        seed = self._state.seed_for(target)
        return Resolved(
            target, kind, inputs, upstream, code, seed,
            fingerprint(kind, inputs, upstream, code, seed), self.inputs_digest(target),
        )  # fmt: skip

    def cost(self, target: str) -> tuple[float, float, str]:
        """(estimated cost, units, unit): clips are priced by their seconds, the cut by the total."""
        kind, subject = self._require(target)
        spec = self._state.models[kind]
        units = 1.0
        if spec.unit == "second" and kind is TargetKind.CLIP:
            units = self._state.shots[subject].duration
        elif spec.unit == "second" and kind is TargetKind.CUT:
            units = self._graph.total_us / 1_000_000
        return spec.cost_per_unit * units, units, spec.unit

    def plan(self, targets: Iterable[str] | None = None) -> Plan:
        """Everything MISSING or STALE and not pinned (or exactly the given targets, minus pinned
        ones), in dependency order, with causes, root causes and costs."""
        from craftology.sync.plan import build_plan

        return build_plan(self, targets)
