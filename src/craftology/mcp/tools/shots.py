"""Tools for the storyboard: the REST API's /projects/{p}/shots routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from craftology.api.pagination import PageOut
from craftology.api.schemas import ShotOut
from craftology.mcp.tooling import Ctx, calling, tool
from craftology.mcp.tools.args import Cursor, Limit, MergePatch, ProjectId, Revision, ShotId
from craftology.projects.models import Id, ShotIn

Neighbour = Annotated[Id | None, Field(description="A shot of the same project.")]


@tool("read_shot", "Shot")
def list_shots(ctx: Ctx, project_id: ProjectId, cursor: Cursor = None, limit: Limit = 50) -> PageOut[ShotOut]:
    """The project's shots in storyboard order, one page at a time."""
    call = calling(ctx)
    listing = call.services.projects.list_shots(call.principal, project_id, cursor, limit)
    return PageOut(items=[ShotOut.of(s) for s in listing.items], next_cursor=listing.next_cursor)


@tool("read_shot", "Shot", "shot_id")
def get_shot(ctx: Ctx, project_id: ProjectId, shot_id: ShotId) -> ShotOut:
    """One shot: description, camera, framing, motion, duration and the cards in it."""
    call = calling(ctx)
    return ShotOut.of(call.services.projects.get_shot(call.principal, project_id, shot_id))


@tool("create_shot", "Shot")
def create_shot(ctx: Ctx, project_id: ProjectId, shot: ShotIn) -> ShotOut:
    """Append a shot at the end of the storyboard. Its `cards` must be cards of this project."""
    call = calling(ctx)
    return ShotOut.of(call.services.projects.create_shot(call.principal, project_id, shot))


@tool("update_shot", "Shot", "shot_id")
def update_shot(
    ctx: Ctx, project_id: ProjectId, shot_id: ShotId, patch: MergePatch, revision: Revision = None
) -> ShotOut:
    """Merge-patch the description, camera, framing, motion, duration and cards (its place changes
    with move_shot or reorder_shots)."""
    call = calling(ctx)
    return ShotOut.of(
        call.services.projects.update_shot(call.principal, project_id, shot_id, patch, revision)
    )


@tool("delete_shot", "Shot", "shot_id")
def delete_shot(ctx: Ctx, project_id: ProjectId, shot_id: ShotId, revision: Revision = None) -> str:
    """Delete a shot; the others keep their places."""
    call = calling(ctx)
    call.services.projects.delete_shot(call.principal, project_id, shot_id, revision)
    return f"deleted shot {shot_id}"


@tool("update_shot", "Shot", "shot_id")
def move_shot(
    ctx: Ctx,
    project_id: ProjectId,
    shot_id: ShotId,
    after: Neighbour = None,
    before: Neighbour = None,
    revision: Revision = None,
) -> ShotOut:
    """Move one shot right `after` or right `before` another shot (give exactly one); no other shot
    changes."""
    call = calling(ctx)
    moved = call.services.projects.move_shot(
        call.principal, project_id, shot_id, after=after, before=before, expect_revision=revision
    )
    return ShotOut.of(moved)


@tool("update_shot", "Shot")
def reorder_shots(ctx: Ctx, project_id: ProjectId, shot_ids: list[Id]) -> list[ShotOut]:
    """Put the shots in a new order in one atomic write: `shot_ids` names every shot of the project
    exactly once. Returns the shots in their new order."""
    call = calling(ctx)
    return [ShotOut.of(s) for s in call.services.projects.reorder_shots(call.principal, project_id, shot_ids)]
