"""The project board as an MCP resource: the project with its cards and its storyboard in one read."""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from pydantic import BaseModel, Field

from craftology.api.actions import RouteAction
from craftology.api.schemas import CardOut, ProjectOut, ShotOut
from craftology.errors import CraftologyError, NotFound
from craftology.mcp.tooling import Ctx, authorize, calling, readable

BOARD_URI = "craftology://projects/{project_id}/board"
# The board shows the project, its cards and its shots: the principal must be allowed to read each.
BOARD_CHECKS = (
    RouteAction("read_project", "Project", "project_id"),
    RouteAction("read_card", "Card"),
    RouteAction("read_shot", "Shot"),
)
SHOTS_ON_BOARD = 1000  # a page of the store; list_shots continues from `shots_next_cursor`


class Board(BaseModel):
    project: ProjectOut
    cards: list[CardOut]
    shots: list[ShotOut] = Field(description=f"The storyboard in order, its first {SHOTS_ON_BOARD} shots")
    shots_next_cursor: str | None = Field(description="Where list_shots continues, if there are more shots")


def project_board(project_id: str, ctx: Ctx) -> str:
    """The project with its cards and its storyboard (JSON)."""
    try:
        call = calling(ctx)
        for check in BOARD_CHECKS:
            authorize(call, check, {"project_id": project_id})
        projects, principal = call.services.projects, call.principal
        project = projects.get_project(principal, project_id)
        cards: list[CardOut] = []
        cursor: str | None = None
        while True:
            page = projects.list_cards(principal, project_id, cursor, 200)
            cards.extend(CardOut.of(card) for card in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        shots = projects.list_shots(principal, project_id, None, SHOTS_ON_BOARD)
    except NotFound as error:
        raise ResourceNotFoundError(readable(error)) from None
    except CraftologyError as error:
        raise ResourceError(readable(error)) from None
    board = Board(
        project=ProjectOut.of(project),
        cards=cards,
        shots=[ShotOut.of(shot) for shot in shots.items],
        shots_next_cursor=shots.next_cursor,
    )
    return board.model_dump_json()
