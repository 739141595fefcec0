"""Reading and writing a target's accepted asset: shared by the activity, curation and the demo."""

from __future__ import annotations

from typing import Any

from craftology.errors import NotFound
from craftology.ports.assets import AssetStore
from craftology.ports.metadata import MetadataStore, Put
from craftology.runs.records import ASSETS, TARGETS, target_record
from craftology.sync.fingerprint import Provenance


def current_target(metadata: MetadataStore, tenant: str, target: str) -> dict[str, Any]:
    """The target's record, or a blank one (nothing accepted, not pinned)."""
    try:
        return dict(metadata.get(tenant, TARGETS, target).data)
    except NotFound:
        return target_record(target, None, None, pinned=False)


def accept_put(
    metadata: MetadataStore, tenant: str, project_id: str, asset_id: str, provenance: Provenance
) -> Put:
    """The write that makes `asset_id` the accepted version of its target, keeping its pin."""
    record = current_target(metadata, tenant, provenance.target)
    record.update(accepted_asset_id=asset_id, provenance=provenance.to_dict())
    return Put(TARGETS, provenance.target, record, project_id=project_id)


def accepted_blob(metadata: MetadataStore, assets: AssetStore, tenant: str, target: str) -> bytes:
    """The bytes of a target's accepted asset (NotFound when nothing is accepted)."""
    record = metadata.get(tenant, TARGETS, target)
    asset_id = record.data.get("accepted_asset_id")
    if not asset_id:
        raise NotFound(f"{target} has no accepted asset")
    asset = metadata.get(tenant, ASSETS, asset_id)
    return assets.read_bytes(tenant, asset.data["blob_key"])
