"""Tools for projects and their cards: the REST API's /projects and /projects/{p}/cards routes."""

from __future__ import annotations

from craftology.api.pagination import PageOut
from craftology.api.schemas import CardOut, ProjectOut
from craftology.mcp.tooling import Ctx, calling, tool
from craftology.mcp.tools.args import CardId, Cursor, Limit, MergePatch, ProjectId, Revision
from craftology.projects.models import CardIn, ProjectIn


@tool("read_project", "Project")
def list_projects(ctx: Ctx, cursor: Cursor = None, limit: Limit = 50) -> PageOut[ProjectOut]:
    """The tenant's projects in id order, one page at a time."""
    call = calling(ctx)
    listing = call.services.projects.list_projects(call.principal, cursor, limit)
    return PageOut(items=[ProjectOut.of(p) for p in listing.items], next_cursor=listing.next_cursor)


@tool("read_project", "Project", "project_id")
def get_project(ctx: Ctx, project_id: ProjectId) -> ProjectOut:
    """One project: name, brief and settings (aspect ratio, fps, shot count, style, review mode)."""
    call = calling(ctx)
    return ProjectOut.of(call.services.projects.get_project(call.principal, project_id))


@tool("create_project", "Project")
def create_project(ctx: Ctx, project: ProjectIn) -> ProjectOut:
    """Create a project; its id is made from the name."""
    call = calling(ctx)
    return ProjectOut.of(call.services.projects.create_project(call.principal, project))


@tool("update_project", "Project", "project_id")
def update_project(
    ctx: Ctx, project_id: ProjectId, patch: MergePatch, revision: Revision = None
) -> ProjectOut:
    """Merge-patch the name, brief and settings; validated as a whole after merging."""
    call = calling(ctx)
    return ProjectOut.of(call.services.projects.update_project(call.principal, project_id, patch, revision))


@tool("delete_project", "Project", "project_id")
def delete_project(ctx: Ctx, project_id: ProjectId, revision: Revision = None) -> str:
    """Delete the project with all its cards, shots and assets (one atomic write)."""
    call = calling(ctx)
    call.services.projects.delete_project(call.principal, project_id, revision)
    return f"deleted project {project_id}"


@tool("read_card", "Card")
def list_cards(ctx: Ctx, project_id: ProjectId, cursor: Cursor = None, limit: Limit = 50) -> PageOut[CardOut]:
    """The project's cards (characters, locations, props, styles) in id order, one page at a time."""
    call = calling(ctx)
    listing = call.services.projects.list_cards(call.principal, project_id, cursor, limit)
    return PageOut(items=[CardOut.of(c) for c in listing.items], next_cursor=listing.next_cursor)


@tool("read_card", "Card", "card_id")
def get_card(ctx: Ctx, project_id: ProjectId, card_id: CardId) -> CardOut:
    """One card with its attributes."""
    call = calling(ctx)
    return CardOut.of(call.services.projects.get_card(call.principal, project_id, card_id))


@tool("create_card", "Card")
def create_card(ctx: Ctx, project_id: ProjectId, card: CardIn) -> CardOut:
    """Add a card to the project; its id is made from the name. The visual attributes of its kind
    (e.g. a character's appearance, wardrobe, age, build, palette) are what its sheet is drawn from."""
    call = calling(ctx)
    return CardOut.of(call.services.projects.create_card(call.principal, project_id, card))


@tool("update_card", "Card", "card_id")
def update_card(
    ctx: Ctx, project_id: ProjectId, card_id: CardId, patch: MergePatch, revision: Revision = None
) -> CardOut:
    """Merge-patch the card's kind, name and attributes (recursively inside `attributes`)."""
    call = calling(ctx)
    return CardOut.of(
        call.services.projects.update_card(call.principal, project_id, card_id, patch, revision)
    )


@tool("delete_card", "Card", "card_id")
def delete_card(ctx: Ctx, project_id: ProjectId, card_id: CardId, revision: Revision = None) -> str:
    """Delete a card; refused while shots still use it (the error names them)."""
    call = calling(ctx)
    call.services.projects.delete_card(call.principal, project_id, card_id, revision)
    return f"deleted card {card_id}"
