"""The `generate` tool over a real MCP client session (streamable HTTP): an agent makes a one-off image
for a project, finds it among the project's assets with its provenance and downloads it; the plan is
the same before and after. A viewer is refused, another tenant's project is not found, and neither
stores anything."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from craftology.identity.principal import Role
from tests.mcp.conftest import McpWorld, connect, error_text, structured


def test_an_agent_generates_a_one_off_image_and_downloads_it(world: McpWorld) -> None:
    editor = world.gateway.members[Role.EDITOR]
    project_id = world.ids["project_id"]

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with connect(world.url, editor.token) as client:
            models = structured(await client.call_tool("list_models", {}))
            keyframe_model = models["current"]["keyframe"]
            before = structured(await client.call_tool("preview_plan", {"project_id": project_id}))
            made = await client.call_tool(
                "generate", {"project_id": project_id, "kind": "keyframe", "prompt": "a cat on a boat"}
            )
            asset = structured(made)
            assert asset["source"] == "one-off"
            assert asset["provenance"]["prompt"] == "a cat on a boat"
            assert asset["provenance"]["model_id"] == keyframe_model["id"]
            listed = structured(await client.call_tool("list_assets", {"project_id": project_id}))
            assert asset["id"] in [item["id"] for item in listed["items"]]
            link = structured(await client.call_tool("download_link", {"asset_id": asset["id"]}))
            after = structured(await client.call_tool("preview_plan", {"project_id": project_id}))
            assert after == before
            return asset, link

    asset, link = asyncio.run(scenario())
    got = httpx.get(str(link["url"]), headers=editor.auth)
    assert got.status_code == 200
    assert got.content.startswith(b"\x89PNG")
    assert len(got.content) == asset["size"]


def test_a_viewer_and_another_tenant_get_nothing_made(world: McpWorld) -> None:
    viewer = world.gateway.members[Role.VIEWER]
    arguments = {"project_id": world.ids["project_id"], "kind": "keyframe", "prompt": "x"}
    tenant = world.gateway.tenant_id
    stores = world.gateway.container.assets
    blobs = {name: sorted(stores.keys(name)) for name in (tenant, "globex")}

    async def scenario() -> tuple[str, str]:
        async with connect(world.url, viewer.token) as client:
            refused = error_text(await client.call_tool("generate", arguments))
        async with connect(world.url, world.other_token) as client:
            hidden = error_text(await client.call_tool("generate", arguments))
        return refused, hidden

    refused, hidden = asyncio.run(scenario())
    assert "Forbidden" in refused
    assert "Not found" in hidden
    assert {name: sorted(stores.keys(name)) for name in blobs} == blobs
