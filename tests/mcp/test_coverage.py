"""Coverage of the MCP tools, derived from the server's own tool list, never from a list kept here:
every tool declares a policy action the REST API also declares; called by another tenant's owner with
the first tenant's real ids it answers not-found (never data, and nothing of the first tenant
changes); a viewer is refused exactly the tools whose action is not a read, and may use the others.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import Tool
from PIL import Image

from craftology.api.actions import ROUTE_ACTIONS
from craftology.identity.principal import Role, Scope
from craftology.mcp.board import BOARD_CHECKS, BOARD_URI
from craftology.mcp.server import build_mcp_server
from craftology.mcp.tooling import TOOLS
from craftology.policy.vocabulary import ACTION_GROUPS, ACTIONS, RESOURCE_TYPES
from tests.api.fuzz_app import snapshot
from tests.mcp.conftest import McpWorld, connect, error_text, mcp_world

READ_ACTIONS = frozenset(ACTION_GROUPS[Scope.READ])
PROBLEM = re.compile(r"^Error executing tool \w+: (Not found|Forbidden): ")


def png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 90)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[McpWorld]:
    """The sweeps call every tool, run starts included: Temporal is a closed port here, so a start fails
    at once rather than reaching a server another test may have left on the default port."""
    with mcp_world(tmp_path / "data", temporal={"address": "127.0.0.1:9"}) as made:
        yield made


def arguments(tool: Tool, ids: dict[str, str]) -> dict[str, Any]:
    """Valid arguments for a tool, naming the records of `ids`: every required argument must be an id
    or listed here, so a new tool with a new argument fails until it gets a case."""
    values: dict[str, Any] = {
        **ids,
        "project": {"name": "Mine"},
        "card": {"kind": "prop", "name": "x"},
        "shot": {"description": "x"},
        "patch": {"name": "pwned"},
        "shot_ids": [ids["shot_id"]],
        "after": ids["shot_id"],
        "content_type": "image/png",
        "content_base64": png(),
        "pinned": True,
        "seed": 7,
        "plan_digest": "0" * 64,
        "kind": "keyframe",
        "prompt": "a lighthouse in a storm",
    }
    required = tool.input_schema.get("required", [])
    missing = [name for name in required if name not in values]
    assert not missing, f"{tool.name}: add a value for {missing}"
    chosen = {name: values[name] for name in tool.input_schema["properties"] if name in values}
    if tool.name == "move_shot":
        chosen.pop("before", None)
    return chosen


def served_tools() -> list[Tool]:
    return asyncio.run(build_mcp_server(lambda: None).list_tools())  # type: ignore[arg-type,return-value]


def test_every_tool_declares_an_action_the_rest_api_declares() -> None:
    tools = served_tools()
    assert len(tools) >= 30
    rest = set(ROUTE_ACTIONS.values())
    for tool in tools:
        entry = TOOLS[tool.name]
        assert entry.check.action in ACTIONS, tool.name
        assert entry.check.resource in RESOURCE_TYPES, tool.name
        assert entry.check in rest, f"{tool.name}: {entry.check} is no REST route's"
        assert tool.description, tool.name
        if entry.check.id_param is not None:
            assert entry.check.id_param in tool.input_schema.get("required", []), tool.name
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint == (entry.check.action in READ_ACTIONS), tool.name
    for check in BOARD_CHECKS:
        assert check.action in READ_ACTIONS


def _sweep(world: McpWorld, token: str, ids: dict[str, str]) -> dict[str, Any]:
    """Every served tool called once with `ids`: its result by tool name, and the board's."""

    async def run() -> dict[str, Any]:
        outcomes: dict[str, Any] = {}
        async with connect(world.url, token) as client:
            outcomes["board"] = await _board(client, ids["project_id"])  # before any tool deletes it
            for tool in sorted((await client.list_tools()).tools, key=_reads_first_deletes_last):
                outcomes[tool.name] = (await client.call_tool(tool.name, arguments(tool, ids)), tool)
        return outcomes

    return asyncio.run(run())


def _reads_first_deletes_last(tool: Tool) -> tuple[bool, bool]:
    action = TOOLS[tool.name].check.action
    return action not in READ_ACTIONS, action.startswith("delete_")


async def _board(client: Client, project_id: str) -> str:
    try:
        read = await client.read_resource(BOARD_URI.format(project_id=project_id))
    except MCPError as error:
        return f"refused: {error}"
    return read.contents[0].text  # type: ignore[union-attr]


def test_another_tenant_reaches_nothing_through_any_tool(world: McpWorld) -> None:
    """globex's owner, with acme's real ids: not-found for every tool naming a record, and only its own
    records from those that name none (lists, creations, the shared registry)."""
    acme = {key: value for key, value in world.ids.items() if key not in ("model_id", "version", "kind")}
    before = snapshot(world.gateway)  # type: ignore[arg-type]
    outcomes = _sweep(world, world.other_token, acme)
    assert set(outcomes) - {"board"} == set(TOOLS)
    for name, (result, tool) in ((n, o) for n, o in outcomes.items() if n != "board"):
        text = json.dumps(result.model_dump(mode="json"))
        sent = json.dumps(arguments(tool, acme))
        leaked = [i for i in acme.values() if i in text and i not in sent]
        assert not leaked, (name, leaked)
        if TOOLS[name].check.id_param is not None or "project_id" in tool.input_schema["properties"]:
            assert PROBLEM.match(error_text(result)), (name, result.content)
            assert "Not found" in error_text(result), name
        else:
            assert not result.is_error, (name, result.content)
    assert outcomes["board"].startswith("refused: ")
    assert "Not found" in outcomes["board"]
    assert snapshot(world.gateway) == before  # type: ignore[arg-type]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_a_role_may_call_exactly_the_tools_its_actions_allow(world: McpWorld, role: Role) -> None:
    """A viewer is refused every tool whose action is not a read and may call every other; an editor
    (read, write, generate) is refused none. Refusals come before the service: nothing changes."""
    member = world.gateway.members[role]
    before = snapshot(world.gateway)  # type: ignore[arg-type]
    outcomes = _sweep(world, member.token, world.ids)
    assert not outcomes["board"].startswith("refused"), outcomes["board"]
    for name, (result, _tool) in ((n, o) for n, o in outcomes.items() if n != "board"):
        refused = result.is_error and "Forbidden" in error_text(result)
        expected = role is Role.VIEWER and TOOLS[name].check.action not in READ_ACTIONS
        assert refused == expected, (name, result.content)
        if TOOLS[name].check.action in READ_ACTIONS:
            assert not result.is_error, (name, result.content)
    if role is Role.VIEWER:
        assert snapshot(world.gateway) == before  # type: ignore[arg-type]
