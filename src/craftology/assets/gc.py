"""Blob garbage collection: remove blobs that no asset record references, once they are old enough.

Writers store a blob first and record the asset that references it afterwards (a generation
activity, an upload), so "unreferenced" alone is not "garbage": between the two steps the blob is
unreferenced and about to be used. The grace period is what protects those blobs; whatever a writer
killed between the two steps left behind becomes collectable once it is older than the grace period.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from craftology.assets.records import ASSETS
from craftology.errors import NotFound
from craftology.ports.assets import AssetStore, StoredBlob
from craftology.ports.metadata import MetadataStore


@dataclass(frozen=True)
class TenantCollection:
    """What one pass did to (or, in a dry run, would do to) one tenant's blobs."""

    tenant: str
    removed: list[StoredBlob] = field(default_factory=list)
    referenced: int = 0
    young_unreferenced: int = 0  # within the grace period: possibly a write about to be recorded
    temp_files_removed: int = 0

    @property
    def bytes_freed(self) -> int:
        return sum(blob.size for blob in self.removed)


@dataclass(frozen=True)
class Collection:
    grace_seconds: float
    dry_run: bool
    tenants: list[TenantCollection]

    @property
    def removed(self) -> int:
        return sum(len(t.removed) for t in self.tenants)

    @property
    def bytes_freed(self) -> int:
        return sum(t.bytes_freed for t in self.tenants)

    @property
    def young_unreferenced(self) -> int:
        return sum(t.young_unreferenced for t in self.tenants)

    @property
    def temp_files_removed(self) -> int:
        return sum(t.temp_files_removed for t in self.tenants)


def garbage(blobs: Iterable[StoredBlob], referenced: set[str], cutoff: float) -> list[StoredBlob]:
    """The rule: unreferenced and last written before `cutoff` (now minus the grace period)."""
    return [blob for blob in blobs if blob.key not in referenced and blob.modified < cutoff]


def referenced_keys(metadata: MetadataStore, tenant: str) -> set[str]:
    """Every blob key an asset record of the tenant points at."""
    return {key for record in metadata.scan(tenant, ASSETS) if (key := record.data.get("blob_key"))}


def collect_tenant(
    assets: AssetStore,
    metadata: MetadataStore,
    tenant: str,
    grace_seconds: float,
    *,
    dry_run: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> TenantCollection:
    cutoff = time.time() - grace_seconds
    # Order matters. The blobs are listed BEFORE the references are read: a writer records its asset
    # only after its blob is stored, so any blob in this listing that was recorded before the read
    # below is seen as referenced. Reading the references first would let a blob stored and recorded
    # between the two reads look unreferenced, leaving only its age to save it. What remains
    # unreferenced here is either garbage or a blob whose writer has not recorded it yet; the
    # cutoff keeps the latter as long as a write takes less than the grace period.
    blobs = list(assets.list_blobs(tenant))
    referenced = referenced_keys(metadata, tenant)
    candidates = garbage(blobs, referenced, cutoff)
    unreferenced = sum(1 for blob in blobs if blob.key not in referenced)
    removed: list[StoredBlob] = []
    for blob in candidates:
        if should_stop():
            break
        # Conditional on age again at the moment of deletion: a writer that stored the same content
        # after the listing refreshed the blob's mtime and is about to reference it.
        if dry_run or assets.delete(tenant, blob.key, modified_before=cutoff):
            removed.append(blob)
    return TenantCollection(
        tenant=tenant,
        removed=removed,
        referenced=len(blobs) - unreferenced,
        young_unreferenced=unreferenced - len(candidates),
        temp_files_removed=0 if dry_run else assets.sweep_incomplete(tenant),
    )


def collect(
    assets: AssetStore,
    metadata: MetadataStore,
    tenants: Iterable[str],
    grace_seconds: float,
    *,
    dry_run: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> Collection:
    """One pass over the tenants. Idempotent, and safe while writers and other collectors run."""
    done: list[TenantCollection] = []
    for tenant in tenants:
        if should_stop():
            break
        try:
            done.append(
                collect_tenant(
                    assets, metadata, tenant, grace_seconds, dry_run=dry_run, should_stop=should_stop
                )
            )
        except NotFound:
            continue  # deleted since the tenants were listed
    return Collection(grace_seconds=grace_seconds, dry_run=dry_run, tenants=done)
