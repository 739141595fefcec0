"""Tools for generated assets (metadata, downloads, uploads, review) and the model registry: the REST
API's assets, target curation and models routes."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from pydantic import BaseModel, Field

from craftology.api.sync_schemas import AssetList, AssetOut, TargetRecordOut
from craftology.assets.records import ASSETS
from craftology.assets.uploads import UPLOAD_MEDIA_TYPES
from craftology.errors import BadInput
from craftology.mcp.tooling import Ctx, calling, tool
from craftology.mcp.tools.args import AssetId, Cursor, Limit, ProjectId, TargetId
from craftology.ports.metadata import Query
from craftology.registry.schemas import ModelList

MediaType = Annotated[str, Field(description=f"One of {', '.join(UPLOAD_MEDIA_TYPES)}.")]
Seed = Annotated[
    int | None, Field(ge=0, le=2**63 - 1, description="The target's own seed; null: the default.")
]


class DownloadLink(BaseModel):
    url: str = Field(description="GET it with the same bearer token; supports `Range: bytes=...`.")
    content_type: str
    size: int


@tool("read_asset", "Asset")
def list_assets(
    ctx: Ctx,
    project_id: ProjectId,
    target: TargetId | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AssetList:
    """The project's assets (optionally of one target) with their provenance, one page at a time."""
    call = calling(ctx)
    call.services.projects.get_project(call.principal, project_id)
    where = {"target": target} if target else {}
    query = Query(ASSETS, project_id=project_id, cursor=cursor, limit=limit, where=where)
    found = call.services.curation.find_assets(call.principal, query)
    return AssetList(items=[AssetOut.of(r) for r in found.records], next_cursor=found.next_cursor)


@tool("read_asset", "Asset", "asset_id")
def get_asset(ctx: Ctx, asset_id: AssetId) -> AssetOut:
    """An asset's metadata and provenance (fingerprint, input snapshot, code version)."""
    call = calling(ctx)
    return AssetOut.of(call.services.curation.get_asset(call.principal, asset_id))


@tool("read_asset", "Asset", "asset_id")
def download_link(ctx: Ctx, asset_id: AssetId) -> DownloadLink:
    """Where to download an asset's bytes: the REST API's content route (the asset store gives no
    presigned URLs in its embedded form)."""
    call = calling(ctx)
    record = call.services.curation.get_asset(call.principal, asset_id)
    url = f"{call.base_url}/v1/assets/{asset_id}/content"
    return DownloadLink(url=url, content_type=record.data["content_type"], size=record.data["size"])


@tool("create_asset", "Asset", "target")
def upload_asset(
    ctx: Ctx, project_id: ProjectId, target: TargetId, content_type: MediaType, content_base64: str
) -> AssetOut:
    """Replace a target's asset with a small file, base64-encoded (at most the API's request body
    limit; larger files go to the REST upload route). It must be what `content_type` says by its
    first bytes; it becomes the target's accepted version."""
    call = calling(ctx)
    limit = call.services.max_inline_bytes
    if len(content_base64) > (limit + 2) // 3 * 4:
        raise BadInput(f"an upload through a tool takes at most {limit} bytes; use PUT .../upload")
    try:
        content = base64.b64decode(content_base64, validate=True)
    except binascii.Error:
        raise BadInput("content_base64 is not base64") from None
    call.services.projects.get_project(call.principal, project_id)
    record = call.services.curation.upload(call.principal, project_id, target, iter([content]), content_type)
    return AssetOut.of(record)


@tool("accept_target", "Target", "target")
def accept_asset(ctx: Ctx, project_id: ProjectId, target: TargetId, asset_id: AssetId) -> TargetRecordOut:
    """Make an asset the accepted version of its target (review mode); downstream builds on it."""
    call = calling(ctx)
    accepted = call.services.curation.accept(call.principal, project_id, target, asset_id)
    return TargetRecordOut.model_validate(accepted)


@tool("pin_target", "Target", "target")
def pin_target(ctx: Ctx, project_id: ProjectId, target: TargetId, pinned: bool) -> TargetRecordOut:
    """Pin a target (kept as it is, never planned) or unpin it."""
    call = calling(ctx)
    return TargetRecordOut.model_validate(
        call.services.curation.pin(call.principal, project_id, target, pinned)
    )


@tool("seed_target", "Target", "target")
def set_target_seed(ctx: Ctx, project_id: ProjectId, target: TargetId, seed: Seed) -> TargetRecordOut:
    """Give a target its own seed (null: the default); its asset turns STALE with a SEED cause."""
    call = calling(ctx)
    seeded = call.services.curation.set_seed(call.principal, project_id, target, seed)
    return TargetRecordOut.model_validate(seeded)


@tool("read_model", "Model", shared=True)
def list_models(ctx: Ctx) -> ModelList:
    """The model registry: every model version with its kind, backend and price, and which version
    generates each kind of target now."""
    registry = calling(ctx).services.registry
    return ModelList.of(registry.list(), registry.current_all())
