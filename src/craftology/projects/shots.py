"""Shot methods of the projects service: ordered storyboard panels that reference cards."""

from __future__ import annotations

from collections import Counter

from craftology.errors import BadInput
from craftology.projects.base import (
    SEQUENCES,
    SHOTS,
    Batch,
    Patch,
    ServiceBase,
    check_revision,
    editable,
    versioned,
)
from craftology.projects.changes import Listing, Versioned
from craftology.projects.models import Shot, ShotIn
from craftology.projects.validation import merge_patch, new_id, validate


class ShotMethods(ServiceBase):
    """Shots keep a dense `order` 0..n-1: create appends, delete and reorder renumber in one commit."""

    def create_shot(self, tenant: str, project_id: str, shot: ShotIn) -> Versioned[Shot]:
        """Append a shot at the end of the project (order = number of shots); its cards must exist."""

        def build() -> Batch:
            sequence = self._get(tenant, SEQUENCES, project_id)  # NotFound for an unknown project too
            self._check_card_refs(tenant, project_id, shot.cards)
            order = int(sequence.data["count"])
            value = Shot(id=new_id("shot", "shot"), project_id=project_id, order=order, **shot.model_dump())
            batch = Batch(tenant, project_id)
            batch.put(SHOTS, value.id, value.model_dump(mode="json"), None)
            batch.bump_sequence(sequence, +1)
            return batch

        return versioned(Shot, self._write(tenant, build)[0])

    def get_shot(self, tenant: str, project_id: str, shot_id: str) -> Versioned[Shot]:
        """The shot; NotFound unless it belongs to this project of this tenant."""
        return versioned(Shot, self._get(tenant, SHOTS, shot_id, project_id))

    def list_shots(
        self, tenant: str, project_id: str, cursor: str | None = None, limit: int = 50
    ) -> Listing[Shot]:
        """Shots in storyboard order, one page at a time (the cursor is the last order seen)."""
        self._get(tenant, SEQUENCES, project_id)
        after = -1
        if cursor is not None:
            if not cursor.isdigit():
                raise BadInput(f"cursor: {cursor!r} is not a cursor of this list")
            after = int(cursor)
        shots = [r for r in self._shots(tenant, project_id) if int(r.data["order"]) > after]
        page = shots[:limit]
        next_cursor = str(page[-1].data["order"]) if len(shots) > limit else None
        return Listing([versioned(Shot, r) for r in page], next_cursor)

    def update_shot(
        self, tenant: str, project_id: str, shot_id: str, changes: ShotIn | Patch, expect_revision: int | None
    ) -> Versioned[Shot]:
        """Replace or merge-patch the shot's editable fields (not its order: see reorder_shots)."""

        def build() -> Batch:
            before = self._get(tenant, SHOTS, shot_id, project_id)
            check_revision(before, expect_revision)
            if isinstance(changes, ShotIn):
                edited = changes
            else:
                edited = validate(ShotIn, merge_patch(editable(ShotIn, before.data), changes))
            order = int(before.data["order"])
            data = Shot(id=shot_id, project_id=project_id, order=order, **edited.model_dump()).model_dump(
                mode="json"
            )
            batch = Batch(tenant, project_id)
            if data == before.data:
                return batch
            batch.put(SHOTS, shot_id, data, before)
            if data["cards"] != before.data.get("cards"):
                # Serialise with card deletion so a shot never ends up pointing at a deleted card.
                self._check_card_refs(tenant, project_id, edited.cards)
                batch.bump_sequence(self._get(tenant, SEQUENCES, project_id))
            return batch

        return self._write_one(tenant, SHOTS, shot_id, Shot, build)

    def delete_shot(self, tenant: str, project_id: str, shot_id: str, expect_revision: int | None) -> None:
        """Delete a shot and close the gap: later shots move up by one, in the same commit."""

        def build() -> Batch:
            shot = self._get(tenant, SHOTS, shot_id, project_id)
            check_revision(shot, expect_revision)
            batch = Batch(tenant, project_id)
            batch.delete(shot)
            remaining = [r for r in self._shots(tenant, project_id) if r.id != shot_id]
            for order, record in enumerate(remaining):
                if record.data["order"] != order:
                    batch.put(SHOTS, record.id, {**record.data, "order": order}, record)
            batch.bump_sequence(self._get(tenant, SEQUENCES, project_id), -1)
            return batch

        self._write(tenant, build)

    def reorder_shots(self, tenant: str, project_id: str, shot_ids: list[str]) -> list[Versioned[Shot]]:
        """Put the project's shots in the given order. `shot_ids` must name every shot exactly once."""

        def build() -> Batch:
            sequence = self._get(tenant, SEQUENCES, project_id)
            shots = {r.id: r for r in self._shots(tenant, project_id)}
            repeated = sorted(i for i, n in Counter(shot_ids).items() if n > 1)
            unknown = sorted(set(shot_ids) - shots.keys())
            missing = sorted(shots.keys() - set(shot_ids))
            if repeated or unknown or missing:
                problems = [
                    f"{label}: {', '.join(ids)}"
                    for label, ids in (("repeated", repeated), ("unknown", unknown), ("missing", missing))
                    if ids
                ]
                raise BadInput(
                    f"shot_ids must list each of the project's {len(shots)} shots exactly once ("
                    + "; ".join(problems)
                    + ")",
                    repeated=repeated,
                    unknown=unknown,
                    missing=missing,
                )
            batch = Batch(tenant, project_id)
            for order, shot_id in enumerate(shot_ids):
                record = shots[shot_id]
                if record.data["order"] != order:
                    batch.put(SHOTS, shot_id, {**record.data, "order": order}, record)
            batch.bump_sequence(sequence)
            return batch

        self._write(tenant, build)
        return [versioned(Shot, r) for r in self._shots(tenant, project_id)]
