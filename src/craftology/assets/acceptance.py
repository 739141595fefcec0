"""Reading and writing a target's accepted asset: shared by the activity, curation and the demo."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from craftology.assets.records import ASSETS, TARGETS, target_record
from craftology.errors import Conflict, NotFound, PreconditionFailed
from craftology.events.outbox import Outbox
from craftology.ports.assets import AssetStore
from craftology.ports.events import Event
from craftology.ports.metadata import MUST_NOT_EXIST, MetadataStore, Put
from craftology.sync.fingerprint import Provenance


def current_target(metadata: MetadataStore, tenant: str, target: str) -> dict[str, Any]:
    """The target's record, or a blank one (nothing accepted, not pinned)."""
    try:
        return dict(metadata.get(tenant, TARGETS, target).data)
    except NotFound:
        return target_record(target, None, None, pinned=False)


# The events that describe a target change, given the new record and the revision it will have.
Describe = Callable[[dict[str, Any], int], Sequence[Event]]


def _no_events(_record: dict[str, Any], _revision: int) -> Sequence[Event]:
    return ()


def _next_revision(metadata: MetadataStore, tenant: str, target: str) -> int:
    # A re-created record continues after its deleted incarnation (see MetadataStore.commit).
    earlier = metadata.history(tenant, TARGETS, target)
    return earlier[-1].revision + 1 if earlier else 1


def update_target(
    metadata: MetadataStore,
    tenant: str,
    project_id: str,
    target: str,
    change: Callable[[dict[str, Any]], None],
    extra: Sequence[Put] = (),
    attempts: int = 5,
    *,
    outbox: Outbox | None = None,
    describe: Describe = _no_events,
) -> dict[str, Any]:
    """Change a target's record compare-and-set, committed with `extra` in one transaction: a pin
    racing an accept is re-read and re-applied instead of one of them silently losing the other.
    With an `outbox`, the events `describe` returns are written in that same transaction."""
    for attempt in range(attempts):
        try:
            current = metadata.get(tenant, TARGETS, target)
            record, expect, revision = dict(current.data), current.revision, current.revision + 1
        except NotFound:
            record, expect = target_record(target, None, None, pinned=False), MUST_NOT_EXIST
            revision = _next_revision(metadata, tenant, target)
        change(record)
        ops = [*extra, Put(TARGETS, target, record, project_id=project_id, expect=expect)]
        try:
            if outbox is None:
                metadata.commit(tenant, ops)
            else:
                outbox.commit(tenant, ops, describe(record, revision))
        except (PreconditionFailed, Conflict):
            if attempt == attempts - 1:
                raise
            continue
        return record
    raise AssertionError("unreachable")


def accept(
    metadata: MetadataStore,
    tenant: str,
    project_id: str,
    asset_id: str,
    provenance: Provenance,
    extra: Sequence[Put] = (),
    *,
    outbox: Outbox | None = None,
    describe: Describe = _no_events,
) -> dict[str, Any]:
    """Make `asset_id` the accepted version of its target, keeping its pin and seed."""

    def accepted(record: dict[str, Any]) -> None:
        record.update(accepted_asset_id=asset_id, provenance=provenance.to_dict())

    return update_target(
        metadata, tenant, project_id, provenance.target, accepted, extra, outbox=outbox, describe=describe
    )


def accepted_blob(metadata: MetadataStore, assets: AssetStore, tenant: str, target: str) -> bytes:
    """The bytes of a target's accepted asset (NotFound when nothing is accepted)."""
    record = metadata.get(tenant, TARGETS, target)
    asset_id = record.data.get("accepted_asset_id")
    if not asset_id:
        raise NotFound(f"{target} has no accepted asset")
    asset = metadata.get(tenant, ASSETS, asset_id)
    return assets.read_bytes(tenant, asset.data["blob_key"])
