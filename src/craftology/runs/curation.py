"""What people do with generated assets: accept one, pin a target, or upload a replacement."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from craftology.errors import BadInput, NotFound
from craftology.ports.assets import AssetStore
from craftology.ports.events import Event, EventBus
from craftology.ports.metadata import MetadataStore, Page, Put, Query, Record
from craftology.runs.acceptance import accept, update_target
from craftology.runs.engines import EngineCache
from craftology.runs.records import ASSETS, now_iso, uploaded_asset_id
from craftology.runs.uploads import check_upload, split_head
from craftology.sync.fingerprint import Provenance
from craftology.sync.targets import parse_target

SOURCE = "craftology/assets"


class Curation:
    def __init__(
        self, metadata: MetadataStore, assets: AssetStore, events: EventBus, engines: EngineCache
    ) -> None:
        self._metadata = metadata
        self._assets = assets
        self._events = events
        self._engines = engines

    def get_asset(self, tenant: str, asset_id: str, project_id: str | None = None) -> Record:
        record = self._metadata.get(tenant, ASSETS, asset_id)
        if project_id is not None and record.project_id != project_id:
            raise NotFound(f"no asset {asset_id!r} in this project")
        return record

    def find_assets(self, tenant: str, query: Query) -> Page:
        return self._metadata.find(tenant, query)

    def _require_target(self, tenant: str, project_id: str, target: str) -> None:
        parse_target(target)
        with self._engines.lock:
            self._engines.get(tenant, project_id).status(target)  # NotFound if not in this project

    def accept(self, tenant: str, project_id: str, target: str, asset_id: str) -> dict[str, Any]:
        self._require_target(tenant, project_id, target)
        asset = self.get_asset(tenant, asset_id, project_id)
        if asset.data["target"] != target:
            raise BadInput(f"asset {asset_id} was made for {asset.data['target']}, not {target}")
        provenance = Provenance.from_dict(asset.data["provenance"])
        return self._accept(tenant, project_id, target, asset_id, provenance, [])

    def pin(self, tenant: str, project_id: str, target: str, pinned: bool) -> dict[str, Any]:
        self._require_target(tenant, project_id, target)

        def pin(record: dict[str, Any]) -> None:
            record["pinned"] = pinned

        record = update_target(self._metadata, tenant, project_id, target, pin)
        self._emit(
            tenant, "target.pinned" if pinned else "target.unpinned", target, {"project_id": project_id}
        )
        return record

    def set_seed(self, tenant: str, project_id: str, target: str, seed: int | None) -> dict[str, Any]:
        """Give a target its own seed (None: back to the default derived from the target id). Its
        accepted asset turns STALE with a SEED cause until it is made again with that seed."""
        self._require_target(tenant, project_id, target)
        if seed is not None and not 0 <= seed < 2**63:
            raise BadInput("a seed is a whole number from 0 to 2^63-1")

        def seeded(record: dict[str, Any]) -> None:
            if seed is None:
                record.pop("seed", None)
            else:
                record["seed"] = seed

        record = update_target(self._metadata, tenant, project_id, target, seeded)
        self._emit(tenant, "target.seeded", target, {"project_id": project_id, "seed": seed})
        return record

    def upload(
        self, tenant: str, project_id: str, target: str, chunks: Iterable[bytes], content_type: str
    ) -> Record:
        """Store a replacement made outside Craftology and accept it. Its provenance is the target's
        current inputs, so it counts as fresh until those change.

        Everything that can refuse it (type, bytes, target) is checked before the blob is written,
        so a refused upload stores nothing. Should the commit after the write fail, the blob is left
        unreferenced for the blob garbage collector: deleting it here could remove content another
        asset with the same bytes refers to."""
        head, stream = split_head(chunks)
        check_upload(target, content_type, head)
        with self._engines.lock:
            resolved = self._engines.get(tenant, project_id).resolve(target)
        blob = self._assets.put(tenant, stream)
        provenance = resolved.provenance(replacement=blob.key)
        asset_id = uploaded_asset_id()
        data = {
            "target": target, "fingerprint": provenance.fingerprint, "blob_key": blob.key, "size": blob.size,
            "content_type": content_type, "provenance": provenance.to_dict(), "source": "upload",
            "metadata": {"uploaded": True}, "run_id": None, "created_at": now_iso(),
        }  # fmt: skip
        self._accept(
            tenant,
            project_id,
            target,
            asset_id,
            provenance,
            [Put(ASSETS, asset_id, data, project_id=project_id)],
        )
        self._emit(
            tenant, "asset.stored", target, {"asset_id": asset_id, "blob": blob.key, "size": blob.size}
        )
        return self._metadata.get(tenant, ASSETS, asset_id)

    def _accept(
        self,
        tenant: str,
        project_id: str,
        target: str,
        asset_id: str,
        provenance: Provenance,
        extra: list[Put],
    ) -> dict[str, Any]:
        record = accept(self._metadata, tenant, project_id, asset_id, provenance, extra)
        self._emit(tenant, "target.accepted", target, {"project_id": project_id, "asset_id": asset_id})
        return record

    def _emit(self, tenant: str, kind: str, target: str, data: dict[str, Any]) -> None:
        self._events.publish(Event(type=kind, source=SOURCE, tenant=tenant, subject=target, data=data))
