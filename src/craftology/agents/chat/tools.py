"""The agent's hands: MCP tool calls, made in-process through the same server (registry, policy
wrappers, services) that serves /mcp and `craftology mcp`, acting as the person who chats.

The server is built for that one principal (as over stdio), so every call is authorised as the user:
nothing a message or a card's text says can widen what the agent may do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from mcp import Client
from mcp.types import CallToolResult

from craftology.identity.principal import Principal
from craftology.mcp.server import build_mcp_server
from craftology.mcp.services import McpServices, McpState
from craftology.mcp.tooling import TOOLS, Call, authorize


class ToolRefused(Exception):
    """A tool answered with an error (refused by the policy, bad arguments, a conflict): its
    readable message, e.g. `Forbidden: ...`."""

    def __init__(self, tool: str, message: str) -> None:
        super().__init__(message)
        self.tool = tool
        self.message = message


class ToolSession:
    def __init__(self, client: Client, services: McpServices, principal: Principal) -> None:
        self._client = client
        self._services = services
        self._principal = principal

    async def call(self, tool: str, arguments: Mapping[str, Any]) -> Any:
        """The tool's structured result (a bare list or text comes back as itself)."""
        result: CallToolResult = await self._client.call_tool(tool, dict(arguments))
        if result.is_error:
            text = " ".join(getattr(block, "text", "") for block in result.content)
            # The SDK prefixes what the tool said; the person needs only the tool's own words.
            raise ToolRefused(tool, text.removeprefix(f"Error executing tool {tool}: ") or "it failed")
        body = result.structured_content
        if body is None:
            return " ".join(getattr(block, "text", "") for block in result.content)
        return body["result"] if set(body) == {"result"} else body

    def may(self, tool: str, arguments: Mapping[str, Any]) -> None:
        """Ask the policy, as the tool itself will, before offering to do it: a person is never asked
        to confirm what they may not do. Raises Forbidden or NotFound."""
        call = Call(self._services, self._principal, self._services.api_base_url)
        authorize(call, TOOLS[tool].check, arguments)


@asynccontextmanager
async def tool_session(services: McpServices, principal: Principal) -> AsyncIterator[ToolSession]:
    server = build_mcp_server(lambda: McpState(services, principal))
    try:
        async with Client(server, raise_exceptions=False) as client:
            yield ToolSession(client, services, principal)
    except BaseExceptionGroup as group:
        # The client's task groups wrap what the session's user raised; the caller wants that error.
        raise _single(group) from None


def _single(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error
