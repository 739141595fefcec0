"""What people do with generated assets: accept one, pin a target, or upload a replacement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from craftology.assets.acceptance import accept, update_target
from craftology.assets.records import ASSETS, now_iso, uploaded_asset_id
from craftology.assets.uploads import check_upload, split_head
from craftology.errors import BadInput, NotFound
from craftology.events.catalogue import new_event
from craftology.events.outbox import Outbox
from craftology.events.relay import OutboxRelay
from craftology.identity.principal import Principal
from craftology.policy.guard import Guard
from craftology.ports.assets import AssetStore
from craftology.ports.events import Event, EventPublisher
from craftology.ports.metadata import MetadataStore, Page, Put, Query, Record
from craftology.ports.policy import PolicyPort
from craftology.runs.engines import EngineCache
from craftology.sync.fingerprint import Provenance
from craftology.sync.targets import parse_target

SOURCE = "craftology/assets"


class Curation:
    def __init__(
        self,
        metadata: MetadataStore,
        assets: AssetStore,
        events: EventPublisher,
        engines: EngineCache,
        policy: PolicyPort,
    ) -> None:
        self._guard = Guard(policy)
        self._metadata = metadata
        self._assets = assets
        self._outbox = Outbox(metadata, OutboxRelay(metadata, events))
        self._engines = engines

    def flush(self) -> None:
        """Dequeue the events this process published (called at shutdown)."""
        self._outbox.flush()

    def get_asset(self, principal: Principal, asset_id: str, project_id: str | None = None) -> Record:
        """An asset's record; with `project_id`, NotFound unless it belongs to that project."""
        tenant = self._guard.check(principal, "read_asset", "Asset", asset_id, project=project_id or "")
        return self._asset(tenant, asset_id, project_id)

    def _asset(self, tenant: str, asset_id: str, project_id: str | None) -> Record:
        record = self._metadata.get(tenant, ASSETS, asset_id)
        if project_id is not None and record.project_id != project_id:
            raise NotFound(f"no asset {asset_id!r} in this project")
        return record

    def find_assets(self, principal: Principal, query: Query) -> Page:
        """A page of asset records (the query names the project)."""
        if query.collection != ASSETS:
            raise BadInput("find_assets reads assets only")
        tenant = self._guard.check(principal, "read_asset", "Asset", project=query.project_id or "")
        return self._metadata.find(tenant, query)

    def _require_target(self, tenant: str, project_id: str, target: str) -> None:
        parse_target(target)
        with self._engines.lock:
            self._engines.get(tenant, project_id).status(target)  # NotFound if not in this project

    def accept(self, principal: Principal, project_id: str, target: str, asset_id: str) -> dict[str, Any]:
        tenant = self._guard.check(principal, "accept_target", "Target", target, project=project_id)
        self._require_target(tenant, project_id, target)
        asset = self._asset(tenant, asset_id, project_id)
        if asset.data["target"] != target:
            raise BadInput(f"asset {asset_id} was made for {asset.data['target']}, not {target}")
        provenance = Provenance.from_dict(asset.data["provenance"])
        return self._accept(tenant, project_id, target, asset_id, provenance, [])

    def pin(self, principal: Principal, project_id: str, target: str, pinned: bool) -> dict[str, Any]:
        tenant = self._guard.check(principal, "pin_target", "Target", target, project=project_id)
        self._require_target(tenant, project_id, target)

        def pin(record: dict[str, Any]) -> None:
            record["pinned"] = pinned

        kind = "target.pinned" if pinned else "target.unpinned"

        def pinned_event(_record: dict[str, Any], revision: int) -> list[Event]:
            return [_event(tenant, kind, target, {"project_id": project_id, "revision": revision})]

        return update_target(
            self._metadata, tenant, project_id, target, pin, outbox=self._outbox, describe=pinned_event
        )

    def set_seed(
        self, principal: Principal, project_id: str, target: str, seed: int | None
    ) -> dict[str, Any]:
        """Give a target its own seed (None: back to the default derived from the target id). Its
        accepted asset turns STALE with a SEED cause until it is made again with that seed."""
        tenant = self._guard.check(principal, "seed_target", "Target", target, project=project_id)
        self._require_target(tenant, project_id, target)
        if seed is not None and not 0 <= seed < 2**63:
            raise BadInput("a seed is a whole number from 0 to 2^63-1")

        def seeded(record: dict[str, Any]) -> None:
            if seed is None:
                record.pop("seed", None)
            else:
                record["seed"] = seed

        def seeded_event(_record: dict[str, Any], revision: int) -> list[Event]:
            data = {"project_id": project_id, "seed": seed, "revision": revision}
            return [_event(tenant, "target.seeded", target, data)]

        return update_target(
            self._metadata, tenant, project_id, target, seeded, outbox=self._outbox, describe=seeded_event
        )

    def upload(
        self,
        principal: Principal,
        project_id: str,
        target: str,
        chunks: Iterable[bytes],
        content_type: str,
    ) -> Record:
        """Store a replacement made outside Craftology and accept it. Its provenance is the target's
        current inputs, so it counts as fresh until those change.

        Everything that can refuse it (type, bytes, target) is checked before the blob is written,
        so a refused upload stores nothing. Should the commit after the write fail, the blob is left
        unreferenced for the blob garbage collector: deleting it here could remove content another
        asset with the same bytes refers to."""
        tenant = self._guard.check(principal, "create_asset", "Asset", project=project_id)
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
        stored = _event(tenant, "asset.stored", target, {
            "project_id": project_id, "run_id": None, "asset_id": asset_id, "blob": blob.key,
            "size": blob.size,
        })  # fmt: skip
        put_asset = Put(ASSETS, asset_id, data, project_id=project_id)
        self._accept(tenant, project_id, target, asset_id, provenance, [put_asset], [stored])
        return self._metadata.get(tenant, ASSETS, asset_id)

    def _accept(
        self,
        tenant: str,
        project_id: str,
        target: str,
        asset_id: str,
        provenance: Provenance,
        extra: list[Put],
        also: Sequence[Event] = (),
    ) -> dict[str, Any]:
        """Accept `asset_id`; `also`: events of `extra`, written in the same commit."""

        def accepted_event(_record: dict[str, Any], revision: int) -> list[Event]:
            data = {"project_id": project_id, "asset_id": asset_id, "revision": revision}
            return [*also, _event(tenant, "target.accepted", target, data)]

        return accept(
            self._metadata, tenant, project_id, asset_id, provenance, extra,
            outbox=self._outbox, describe=accepted_event,
        )  # fmt: skip


def _event(tenant: str, kind: str, target: str, data: dict[str, Any]) -> Event:
    return new_event(kind, SOURCE, tenant, target, data)
