"""One-off generation over HTTP: one image from a prompt, stored as an asset of the project and
attached to no target (craftology.generation.oneoff)."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from craftology.api.deps import Caller
from craftology.api.params import ProjectId
from craftology.api.problems import BODY_PROBLEMS
from craftology.api.sync_schemas import AssetOut
from craftology.generation.oneoff import MAX_PROMPT, MAX_SEED, OneOffGeneration
from craftology.registry.models import ID_PATTERN


class GenerationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["sheet", "keyframe"] = Field(description="What to make: a reference sheet or a keyframe.")
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT, description="What the image shows.")
    model_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="A registered model of that kind; omitted: the default."
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=MAX_SEED,
        description="Omitted: one derived from the prompt (same prompt, same image).",
    )


def build_generations_router(oneoff: OneOffGeneration) -> APIRouter:
    router = APIRouter(tags=["generations"])

    @router.post(
        "/projects/{project_id}/generations",
        status_code=201,
        response_model=AssetOut,
        responses=BODY_PROBLEMS,
    )
    async def generate(
        project_id: ProjectId, body: GenerationIn, caller: Caller, request: Request, response: Response
    ) -> AssetOut:
        """Generate one image from a prompt with the registry's model for the kind (or the one named),
        stored as an asset of the project with its provenance (prompt, model, seed, cost). It is
        attached to no target, so the project's sync status and plan do not change."""
        record = await asyncio.to_thread(
            oneoff.generate, caller, project_id, body.kind, body.prompt, body.model_id, body.seed
        )
        response.headers["Location"] = str(request.url_for("get_asset", asset_id=record.id))
        return AssetOut.of(record)

    return router
