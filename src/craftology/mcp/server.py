"""The MCP server: every registered tool, policed, and the project board resource."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from mcp.server import MCPServer
from mcp.types import ToolAnnotations

from craftology.identity.principal import Scope
from craftology.mcp import tools  # noqa: F401  (importing it registers every tool)
from craftology.mcp.board import BOARD_URI, project_board
from craftology.mcp.services import McpState
from craftology.mcp.tooling import TOOLS, policed
from craftology.policy.vocabulary import ACTION_GROUPS

NAME = "craftology"
INSTRUCTIONS = (
    "Craftology: a tenant's AI content projects. A project has cards (characters, locations, props, "
    "style) and shots (the storyboard). Targets (card sheets, shot keyframes and clips, the cut) are "
    "MISSING, STALE or FRESH with causes; preview_plan says what a sync would regenerate and what it "
    "costs, approve_plan starts a run of exactly that plan, get_run follows it. Edits may take the "
    "`revision` you read: then a change someone made meanwhile is never overwritten."
)
READ_ACTIONS = frozenset(ACTION_GROUPS[Scope.READ])
DESTRUCTIVE = frozenset({"delete_project", "delete_card", "delete_shot"})


def build_mcp_server(state: Callable[[], McpState]) -> MCPServer[McpState]:
    """The server; `state` gives its lifespan state when a transport starts it."""

    @asynccontextmanager
    async def lifespan(_server: MCPServer[McpState]) -> AsyncIterator[McpState]:
        yield state()

    opened: Callable[[MCPServer[McpState]], AbstractAsyncContextManager[McpState]] = lifespan
    # The SDK configures the root logger when none is: at WARNING it prints what Python would anyway,
    # rather than every library's INFO lines in every process that serves the API.
    server: MCPServer[McpState] = MCPServer(
        NAME, instructions=INSTRUCTIONS, lifespan=opened, log_level="WARNING"
    )
    for entry in TOOLS.values():
        read_only = entry.check.action in READ_ACTIONS
        hints = ToolAnnotations(
            read_only_hint=read_only,
            destructive_hint=entry.check.action in DESTRUCTIVE,
            open_world_hint=False,
        )
        server.add_tool(policed(entry), name=entry.name, annotations=hints)
    server.resource(BOARD_URI, name="board", mime_type="application/json")(project_board)
    return server
