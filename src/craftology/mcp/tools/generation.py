"""One-off generation as a tool: the REST API's `POST /v1/projects/{id}/generations`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from craftology.api.sync_schemas import AssetOut
from craftology.generation.oneoff import MAX_PROMPT, MAX_SEED
from craftology.mcp.tooling import Ctx, calling, tool
from craftology.mcp.tools.args import ProjectId
from craftology.registry.models import ID_PATTERN

Kind = Annotated[
    Literal["sheet", "keyframe"], Field(description="What to make: a reference sheet or a keyframe.")
]
Prompt = Annotated[str, Field(min_length=1, max_length=MAX_PROMPT, description="What the image shows.")]
ModelId = Annotated[
    str | None,
    Field(
        pattern=ID_PATTERN,
        description="A registered model of that kind (see list_models); null: the default.",
    ),
]
Seed = Annotated[
    int | None,
    Field(ge=0, le=MAX_SEED, description="null: one derived from the prompt (same prompt, same image)."),
]


@tool("generate_target", "Project", "project_id")
def generate(
    ctx: Ctx, project_id: ProjectId, kind: Kind, prompt: Prompt, model_id: ModelId = None, seed: Seed = None
) -> AssetOut:
    """Generate one image from a prompt (this spends credits: the model's price is in list_models). It is
    stored as an asset of the project with its provenance and attached to no target: the project's
    sync status and plan do not change. Download it with download_link."""
    call = calling(ctx)
    record = call.services.oneoff.generate(call.principal, project_id, kind, prompt, model_id, seed)
    return AssetOut.of(record)
