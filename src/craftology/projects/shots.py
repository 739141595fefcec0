"""Shot methods of the projects service: ordered storyboard panels that reference cards.

A shot's place is its sparse `order` key (craftology.projects.order_keys), so an edit writes only the
shots whose place changes: an append writes the new shot (and the tail in the sequence record), a
delete only the deleted shot, a move only the moved one, a reorder only the shots that leave the
longest run already in the wanted order.

Reads are as small as writes: a list page and a move's neighbour are ranges of the store's order
index (an ordered `find`), not a read of every shot. A project that still holds any pre-key integer
position is read whole, as before keys (the store sorts numbers before keys, so its order would
not be the storyboard's).
"""

from __future__ import annotations

import re
from collections import Counter

from craftology.errors import BadInput, NotFound
from craftology.identity.principal import Principal
from craftology.ports.metadata import Query, Record
from craftology.projects.base import (
    SEQUENCES,
    SHOTS,
    Batch,
    Patch,
    ServiceBase,
    check_revision,
    editable,
    order_key,
    shot_position,
    versioned,
)
from craftology.projects.changes import Listing, Versioned
from craftology.projects.models import Shot, ShotIn
from craftology.projects.order_keys import is_key, keys_between, next_key, plan_reorder
from craftology.projects.validation import merge_patch, new_id, validate

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_STORE_PAGE = 1000  # the most records one `find` returns


class ShotMethods(ServiceBase):
    """Shots of a project in storyboard order, each placed by its sparse order key."""

    def create_shot(self, principal: Principal, project_id: str, shot: ShotIn) -> Versioned[Shot]:
        """Append a shot at the end of the project (the key after the tail); its cards must exist."""
        tenant = self._guard.check(principal, "create_shot", "Shot", project=project_id)

        def build() -> Batch:
            sequence = self._get(tenant, SEQUENCES, project_id)  # NotFound for an unknown project too
            self._check_card_refs(tenant, project_id, shot.cards)
            key = next_key(self._tail(tenant, project_id, sequence))
            value = Shot(id=new_id("shot", "shot"), project_id=project_id, order=key, **shot.model_dump())
            batch = Batch(tenant, project_id)
            batch.put(SHOTS, value.id, value.model_dump(mode="json"), None)
            batch.bump_sequence(sequence, tail=key)
            return batch

        return versioned(Shot, self._write(tenant, build)[0])

    def _tail(
        self, tenant: str, project_id: str, sequence: Record, shots: list[Record] | None = None
    ) -> str | None:
        """The last key an append handed out: every key in use is below `next_key` of it. Before the
        first append, or in a sequence from before keys, it is the greatest key in use (the last of
        `shots`, which must hold at least the project's last shot, or is read when None)."""
        tail = sequence.data.get("tail")
        if isinstance(tail, str):
            return tail
        if shots is None:
            shots = self._shots(tenant, project_id)
        return order_key(shots[-1]) if shots else None

    def _end(self, tenant: str, project_id: str, shots: list[Record]) -> str:
        """A key above every key in use that the next append will take: a shot moved to the end
        goes below it, so an append still comes last."""
        return next_key(self._tail(tenant, project_id, self._get(tenant, SEQUENCES, project_id), shots))

    def get_shot(
        self, principal: Principal, project_id: str, shot_id: str, *, tenant: str | None = None
    ) -> Versioned[Shot]:
        """The shot; NotFound unless it belongs to this project of this tenant."""
        tenant = self._guard.check(principal, "read_shot", "Shot", shot_id, project=project_id, tenant=tenant)
        return versioned(Shot, self._get(tenant, SHOTS, shot_id, project_id))

    def list_shots(
        self,
        principal: Principal,
        project_id: str,
        cursor: str | None = None,
        limit: int = 50,
        *,
        tenant: str | None = None,
    ) -> Listing[Shot]:
        """Shots in storyboard order, one page at a time (the cursor is the last shot's key and id;
        a page holds at most 1000 shots, whatever the limit)."""
        tenant = self._guard.check(principal, "read_shot", "Shot", project=project_id, tenant=tenant)
        self._get(tenant, SEQUENCES, project_id)
        if limit < 1:
            raise BadInput(f"limit must be at least 1, not {limit}")
        after: tuple[str, str] | None = None
        if cursor is not None:
            key, _, last_id = cursor.partition(".")
            if not is_key(key) or not _ID.fullmatch(last_id):
                raise BadInput(f"cursor: {cursor!r} is not a cursor of this list")
            after = (key, last_id)
        if self._keyed(tenant, project_id):
            query = Query(SHOTS, project_id, limit=min(limit, _STORE_PAGE), order_by="order", after=after)
            found = self._store.find(tenant, query)
            page, more = found.records, found.next_cursor is not None
        else:
            shots = [r for r in self._shots(tenant, project_id) if after is None or shot_position(r) > after]
            page, more = shots[:limit], len(shots) > limit
        next_cursor = ".".join(shot_position(page[-1])) if more else None
        return Listing([versioned(Shot, r) for r in page], next_cursor)

    def _keyed(self, tenant: str, project_id: str) -> bool:
        """Whether every shot's `order` is a key, so the store's order by it is storyboard order.
        The store sorts numbers before strings, so a pre-key integer position would come first."""
        first = self._store.find(tenant, Query(SHOTS, project_id, limit=1, order_by="order")).records
        return not first or isinstance(first[0].data.get("order"), str)

    def update_shot(
        self,
        principal: Principal,
        project_id: str,
        shot_id: str,
        changes: ShotIn | Patch,
        expect_revision: int | None,
    ) -> Versioned[Shot]:
        """Replace or merge-patch the shot's editable fields (not its place: see move_shot)."""
        tenant = self._guard.check(principal, "update_shot", "Shot", shot_id, project=project_id)

        def build() -> Batch:
            before = self._get(tenant, SHOTS, shot_id, project_id)
            check_revision(before, expect_revision)
            if isinstance(changes, ShotIn):
                edited = changes
            else:
                edited = validate(ShotIn, merge_patch(editable(ShotIn, before.data), changes))
            key = order_key(before)
            data = Shot(id=shot_id, project_id=project_id, order=key, **edited.model_dump()).model_dump(
                mode="json"
            )
            batch = Batch(tenant, project_id)
            if data == {**before.data, "order": key}:  # a pre-key position is no reason to write
                return batch
            batch.put(SHOTS, shot_id, data, before)
            if data["cards"] != before.data.get("cards"):
                # Serialise with card deletion so a shot never ends up pointing at a deleted card.
                self._check_card_refs(tenant, project_id, edited.cards)
                batch.bump_sequence(self._get(tenant, SEQUENCES, project_id))
            return batch

        return self._write_one(tenant, SHOTS, shot_id, Shot, build)

    def delete_shot(
        self, principal: Principal, project_id: str, shot_id: str, expect_revision: int | None
    ) -> None:
        """Delete a shot. The others keep their keys, so this writes the deleted shot only."""
        tenant = self._guard.check(principal, "delete_shot", "Shot", shot_id, project=project_id)

        def build() -> Batch:
            shot = self._get(tenant, SHOTS, shot_id, project_id)
            check_revision(shot, expect_revision)
            batch = Batch(tenant, project_id)
            batch.delete(shot)
            return batch

        self._write(tenant, build)

    def move_shot(
        self,
        principal: Principal,
        project_id: str,
        shot_id: str,
        *,
        after: str | None = None,
        before: str | None = None,
        expect_revision: int | None,
    ) -> Versioned[Shot]:
        """Put one shot right after (or right before) another shot of the project: a new key between
        its new neighbours, so only the moved shot is written."""
        tenant = self._guard.check(principal, "update_shot", "Shot", shot_id, project=project_id)
        if (after is None) == (before is None):
            raise BadInput("name exactly one of `after` and `before`: the shot to move next to")
        anchor = after if after is not None else before

        def build() -> Batch:
            moving = self._get(tenant, SHOTS, shot_id, project_id)
            check_revision(moving, expect_revision)
            if anchor == shot_id:
                raise BadInput(f"shot {shot_id!r} cannot move next to itself")
            if self._keyed(tenant, project_id):
                batch = self._move_between_neighbours(
                    tenant, project_id, moving, str(anchor), after is not None
                )
                if batch is not None:
                    return batch
            shots = self._shots(tenant, project_id)
            others = [r.id for r in shots if r.id != shot_id]
            try:
                at = others.index(str(anchor)) + (after is not None)
            except ValueError:
                raise BadInput(
                    f"{'after' if after is not None else 'before'}: no shot {anchor!r} in this project",
                    unknown=[anchor],
                ) from None
            wanted = [*others[:at], shot_id, *others[at:]]
            if [r.id for r in shots] == wanted:
                return Batch(tenant, project_id)  # already there
            records = {r.id: r for r in shots}
            low = order_key(records[others[at - 1]]) if at else None
            if at < len(others):
                high = order_key(records[others[at]])
            else:
                high = self._end(tenant, project_id, shots)
            if low is not None and not low < high:
                # Neighbours that raced to the same key leave no room: re-key as a reorder does.
                return self._rekey(tenant, project_id, shots, wanted)
            batch = Batch(tenant, project_id)
            batch.put(SHOTS, shot_id, {**moving.data, "order": keys_between(low, high, 1)[0]}, moving)
            return batch

        return self._write_one(tenant, SHOTS, shot_id, Shot, build)

    def _move_between_neighbours(
        self, tenant: str, project_id: str, moving: Record, anchor_id: str, after: bool
    ) -> Batch | None:
        """A move's batch from the anchor and its one neighbour on the far side, or None when only
        the whole list can place the shot (neighbours that raced to the same key)."""
        try:
            anchor = self._get(tenant, SHOTS, anchor_id, project_id)
        except NotFound:
            raise BadInput(
                f"{'after' if after else 'before'}: no shot {anchor_id!r} in this project",
                unknown=[anchor_id],
            ) from None
        # The one shot beside the anchor on the far side: the moving shot itself, or the neighbour.
        beside = self._store.find(
            tenant,
            Query(
                SHOTS,
                project_id,
                limit=1,
                order_by="order",
                after=shot_position(anchor),
                descending=not after,
            ),
        ).records
        if beside and beside[0].id == moving.id:
            return Batch(tenant, project_id)  # already there
        neighbour = beside[0] if beside else None
        if after:
            low: str | None = order_key(anchor)
            if neighbour is not None:
                high = order_key(neighbour)
            else:  # the anchor is the last shot but for the moving one, maybe
                last = max(anchor, moving, key=shot_position)
                high = next_key(
                    self._tail(tenant, project_id, self._get(tenant, SEQUENCES, project_id), [last])
                )
        else:
            low, high = (order_key(neighbour) if neighbour is not None else None), order_key(anchor)
        if low is not None and not low < high:
            return None
        batch = Batch(tenant, project_id)
        batch.put(SHOTS, moving.id, {**moving.data, "order": keys_between(low, high, 1)[0]}, moving)
        return batch

    def reorder_shots(
        self, principal: Principal, project_id: str, shot_ids: list[str]
    ) -> list[Versioned[Shot]]:
        """Put the project's shots in the given order. `shot_ids` must name every shot exactly once;
        only the shots outside the longest run already in that order are written. A concurrent edit
        of a shot it writes makes it start over; a shot appended meanwhile ends up last, and a shot
        it leaves in place that a concurrent move relocates stays where that move put it."""
        tenant = self._guard.check(principal, "update_shot", "Shot", project=project_id)

        def build() -> Batch:
            self._get(tenant, SEQUENCES, project_id)  # NotFound for an unknown project
            shots = self._shots(tenant, project_id)
            known = {r.id for r in shots}
            repeated = sorted(i for i, n in Counter(shot_ids).items() if n > 1)
            unknown = sorted(set(shot_ids) - known)
            missing = sorted(known - set(shot_ids))
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
            return self._rekey(tenant, project_id, shots, shot_ids)

        self._write(tenant, build)
        return [versioned(Shot, r) for r in self._shots(tenant, project_id)]

    def _rekey(self, tenant: str, project_id: str, shots: list[Record], wanted: list[str]) -> Batch:
        """A batch writing new keys for the shots that must move for `wanted` to be the order."""
        batch = Batch(tenant, project_id)
        if [r.id for r in shots] == wanted:
            return batch
        records = {r.id: r for r in shots}
        current = [(r.id, order_key(r)) for r in shots]
        for shot_id, key in plan_reorder(current, wanted, self._end(tenant, project_id, shots)).items():
            record = records[shot_id]
            batch.put(SHOTS, shot_id, {**record.data, "order": key}, record)
        return batch
