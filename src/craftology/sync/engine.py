"""`SyncEngine.apply`: one handler per kind of change, each touching only what the change reads."""

from __future__ import annotations

from craftology.errors import BadInput, NotFound
from craftology.projects.models import Card, Project, Shot
from craftology.projects.order_keys import plan_reorder
from craftology.sync.core import EngineCore
from craftology.sync.fingerprint import ModelSpec, Provenance
from craftology.sync.inputs import (
    card_read_fields_changed,
    check_provenance,
    project_fields_changed,
    readers,
    shot_fields_changed,
)
from craftology.sync.state import (
    AssetAccepted,
    CardDeleted,
    CardUpserted,
    Change,
    ChangeResult,
    ModelChanged,
    Pinned,
    ProjectUpdated,
    SeedChanged,
    ShotDeleted,
    ShotsReordered,
    ShotUpserted,
)
from craftology.sync.targets import Entity, TargetKind, clip_target, keyframe_target, sheet_target, target_id


class SyncEngine(EngineCore):
    """Status of every target of one project, updated incrementally as changes are applied.

    `statuses()` always equals `full_audit(engine.state)`; `apply` costs what the change touches."""

    def apply(self, change: Change) -> ChangeResult:
        """Apply one change and report the targets whose status, causes or pin changed."""
        self._begin()
        match change:
            case ProjectUpdated(project):
                self._project_updated(project)
            case CardUpserted(card):
                self._card_upserted(card)
            case CardDeleted(card_id):
                self._card_deleted(card_id)
            case ShotUpserted(shot):
                self._shot_upserted(shot)
            case ShotDeleted(shot_id):
                self._shot_deleted(shot_id)
            case ShotsReordered(shot_ids):
                self._reordered(list(shot_ids))
            case AssetAccepted(target, provenance):
                self._accepted(target, provenance)
            case Pinned(target, pinned):
                self._pinned(target, pinned)
            case ModelChanged(kind, spec):
                self._model_changed(kind, spec)
            case SeedChanged(target, seed):
                self._seed_changed(target, seed)
        self._drain()
        return ChangeResult(
            tuple(self._changed_targets()), tuple(self._added), tuple(self._removed), self._visited
        )

    # --- targets appearing and disappearing ---

    def _add_target(self, target: str) -> None:
        self._pre[target] = None
        self._added.append(target)
        self._own[target] = ()
        self._bad[target] = self._compute_bad(target)
        self._set_status(target, self._evaluate(target))
        self._exported[target] = self._export(target)

    def _remove_target(self, target: str) -> None:
        self._counts[self._status[target]] -= 1
        del self._own[target], self._bad[target], self._status[target], self._exported[target]
        self._digests.pop(target, None)
        self._pre.pop(target, None)
        self._flips.pop(target, None)
        self._nonfresh.discard(target)
        self._state.accepted.pop(target, None)
        self._state.pinned.discard(target)
        self._state.seeds.pop(target, None)
        self._removed.append(target)

    # --- handlers ---

    def _project_updated(self, project: Project) -> None:
        state = self._state
        if project.id != state.project.id:
            raise BadInput(f"project {project.id} is not {state.project.id}")
        old, state.project = state.project, project
        kinds = {
            kind for name in project_fields_changed(old, project) for kind in readers(Entity.PROJECT, name)
        }
        for kind in sorted(kinds, key=list(TargetKind).index):
            for target in self._graph.targets_of(kind):
                self._refresh_own(target)

    def _card_upserted(self, card: Card) -> None:
        old = self._state.cards.get(card.id)
        self._state.cards[card.id] = card
        if old is None:
            self._graph.card_added(card.id)
            self._add_target(sheet_target(card.id))
        elif card_read_fields_changed(old, card):
            self._refresh_own(sheet_target(card.id))

    def _card_deleted(self, card_id: str) -> None:
        if card_id not in self._state.cards:
            raise NotFound(f"no card {card_id}")
        users = self._graph.referenced_by[card_id]
        if users:
            raise BadInput(f"card {card_id} is still referenced by shots {sorted(users)[:5]}")
        del self._state.cards[card_id]
        self._graph.card_removed(card_id)
        self._remove_target(sheet_target(card_id))

    def _check_refs(self, shot: Shot) -> None:
        for card_id in shot.cards:
            if card_id not in self._state.cards:
                raise BadInput(f"shot {shot.id} references unknown card {card_id}")

    def _shot_upserted(self, shot: Shot) -> None:
        self._check_refs(shot)
        old = self._state.shots.get(shot.id)
        keyframe, clip, cut = keyframe_target(shot.id), clip_target(shot.id), self._graph.cut
        if old is not None and old.order != shot.order and clip in self._bad[cut]:
            # Only a bad clip appears among the cut's UPSTREAM causes, so only its move can
            # reorder them; checking costs a sort of the bad clips, so it is skipped otherwise.
            self._before_upstream_reorder(cut)
        if old is not None and old.cards != shot.cards:
            self._before_upstream_reorder(keyframe)
        self._state.shots[shot.id] = shot
        if old is None:
            self._graph.shot_added(shot)
            self._add_target(keyframe)
            self._add_target(clip)
            self._sync_membership(cut, clip)
            self._refresh_own(cut)
            return
        self._graph.shot_replaced(old, shot)
        fields = shot_fields_changed(old, shot)
        if "cards" in fields:
            self._refresh_bad(keyframe)
        for kind in {kind for name in fields for kind in readers(Entity.SHOT, name)}:
            self._refresh_own(target_id(kind, shot.id))
        if old.order != shot.order:
            self._refresh_own(cut)

    def _shot_deleted(self, shot_id: str) -> None:
        old = self._state.shots.pop(shot_id, None)
        if old is None:
            raise NotFound(f"no shot {shot_id}")
        self._graph.shot_removed(old)
        clip, cut = clip_target(shot_id), self._graph.cut
        self._remove_target(keyframe_target(shot_id))
        self._remove_target(clip)
        if clip in self._bad[cut]:
            self._flip(cut, clip)
        self._refresh_own(cut)

    def _reordered(self, shot_ids: list[str]) -> None:
        shots = self._state.shots
        if len(shot_ids) != len(shots) or set(shot_ids) != shots.keys():
            raise BadInput("a reorder must list every shot of the project exactly once")
        self._before_upstream_reorder(self._graph.cut)
        current = [(shot_id, shots[shot_id].order) for shot_id in self._graph.order]
        for shot_id, key in plan_reorder(current, shot_ids, None).items():
            shots[shot_id] = shots[shot_id].model_copy(update={"order": key})
        self._graph.reordered(shot_ids)
        self._refresh_own(self._graph.cut)

    def _accepted(self, target: str, provenance: Provenance) -> None:
        self._require(target)
        check_provenance(target, provenance, verify=True)
        self._state.accepted[target] = provenance
        self._refresh_own(target)
        self._refresh_bad(target)

    def _pinned(self, target: str, pinned: bool) -> None:
        self._require(target)
        self._touch(target)
        if pinned:
            self._state.pinned.add(target)
        else:
            self._state.pinned.discard(target)
        self._enqueue(target)

    def _model_changed(self, kind: TargetKind, spec: ModelSpec) -> None:
        if spec.kind is not kind:
            raise BadInput(f"a {spec.kind.value} model cannot serve {kind.value} targets")
        self._state.models[kind] = spec
        for target in self._graph.targets_of(kind):
            self._refresh_own(target)

    def _seed_changed(self, target: str, seed: int | None) -> None:
        self._require(target)
        if seed is None:
            self._state.seeds.pop(target, None)
        else:
            self._state.seeds[target] = seed
        self._refresh_own(target)
