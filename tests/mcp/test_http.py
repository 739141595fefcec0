"""MCP over streamable HTTP at /mcp, with a real MCP client session against the API served by uvicorn:
the tools act through the same services as REST, as the token's principal, within its tenant."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from pathlib import Path

import httpx
import pytest
from mcp.shared.exceptions import MCPError
from PIL import Image

from craftology.identity.principal import Role, Scope
from tests.mcp.conftest import McpWorld, connect, error_text, mcp_world, serving, structured
from tests.principals import as_owner


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 90, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_an_agent_builds_a_storyboard_and_reads_its_plan(world: McpWorld, mode: str) -> None:
    editor = world.gateway.members[Role.EDITOR]

    async def scenario() -> None:
        async with connect(world.url, editor.token, mode) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"create_project", "move_shot", "preview_plan", "approve_plan", "get_run"} <= names
            project = structured(await client.call_tool("create_project", {"project": {"name": "Storm"}}))
            p = project["id"]
            card = structured(await client.call_tool(
                "create_card", {"project_id": p, "card": {"kind": "character", "name": "Keeper",
                                                          "attributes": {"appearance": "grey beard"}}},
            ))  # fmt: skip
            shots = [
                structured(await client.call_tool(
                    "create_shot", {"project_id": p, "shot": {"description": d, "cards": [card["id"]]}}
                ))["id"]
                for d in ("the lamp", "the wave", "the cat")
            ]  # fmt: skip
            move = {"project_id": p, "shot_id": shots[2], "after": shots[0]}
            moved = await client.call_tool("move_shot", move)
            assert not moved.is_error, moved.content
            listed = structured(await client.call_tool("list_shots", {"project_id": p}))
            assert [s["id"] for s in listed["items"]] == [shots[0], shots[2], shots[1]]

            edited = await client.call_tool("update_card", {
                "project_id": p, "card_id": card["id"], "patch": {"attributes": {"appearance": "red beard"}},
                "revision": card["revision"],
            })  # fmt: skip
            assert structured(edited)["attributes"]["appearance"] == "red beard"
            stale = await client.call_tool("update_card", {
                "project_id": p, "card_id": card["id"], "patch": {"name": "x"}, "revision": card["revision"],
            })  # fmt: skip
            assert error_text(stale).startswith("Error executing tool update_card: Precondition failed")

            status = structured(await client.call_tool("target_status", {"project_id": p, "limit": 200}))
            assert status["counts"] == {"MISSING": 1 + 2 * 3 + 1}
            assert {item["status"] for item in status["items"]} == {"MISSING"}
            plan = structured(await client.call_tool("preview_plan", {"project_id": p}))
            assert plan["count"] == 8
            assert len(plan["plan_digest"]) == 64

            board = await client.read_resource(f"craftology://projects/{p}/board")
            body = json.loads(board.contents[0].text)  # type: ignore[union-attr]
            assert body["project"]["id"] == p
            assert [c["id"] for c in body["cards"]] == [card["id"]]
            assert [s["id"] for s in body["shots"]] == [shots[0], shots[2], shots[1]]

    asyncio.run(scenario())
    # Written through the same service the REST API reads.
    assert any(
        p.value.name == "Storm"
        for p in world.gateway.container.projects.list_projects(as_owner("acme")).items
    )


def test_assets_upload_metadata_and_a_download_link_that_serves_the_bytes(world: McpWorld) -> None:
    owner = world.gateway.owner
    project_id, card_id = world.ids["project_id"], world.ids["card_id"]
    content = png()

    async def scenario() -> dict[str, object]:
        async with connect(world.url, owner.token) as client:
            uploaded = structured(await client.call_tool("upload_asset", {
                "project_id": project_id, "target": f"card/{card_id}/sheet", "content_type": "image/png",
                "content_base64": base64.b64encode(content).decode(),
            }))  # fmt: skip
            assert uploaded["size"] == len(content)
            assert uploaded["source"] == "upload"
            listed = structured(await client.call_tool("list_assets", {"project_id": project_id}))
            assert uploaded["id"] in [a["id"] for a in listed["items"]]
            lying = await client.call_tool("upload_asset", {
                "project_id": project_id, "target": f"card/{card_id}/sheet", "content_type": "image/png",
                "content_base64": base64.b64encode(b"not a png at all").decode(),
            })  # fmt: skip
            assert "Invalid input" in error_text(lying)
            models = structured(await client.call_tool("list_models", {}))
            assert models["items"]
            link: dict[str, object] = structured(
                await client.call_tool("download_link", {"asset_id": uploaded["id"]})
            )
            assert link["url"] == f"{world.base_url}/v1/assets/{uploaded['id']}/content"
            return link

    link = asyncio.run(scenario())
    got = httpx.get(str(link["url"]), headers=owner.auth)
    assert got.status_code == 200
    assert got.content == content


def test_errors_are_readable_and_carry_no_internals(world: McpWorld) -> None:
    async def scenario() -> None:
        async with connect(world.url, world.gateway.owner.token) as client:
            missing = error_text(await client.call_tool("get_project", {"project_id": "nope"}))
            assert missing == "Error executing tool get_project: Not found: no project 'nope'"
            unplaced = {"project_id": world.ids["project_id"], "shot_id": world.ids["shot_id"]}
            bad = error_text(await client.call_tool("move_shot", unplaced))
            assert "Invalid input: name exactly one of `after` and `before`" in bad
            malformed = error_text(await client.call_tool("get_project", {"project_id": "../etc"}))
            assert "project_id" in malformed
            for text in (missing, bad, malformed):
                assert "Traceback" not in text
                assert 'File "' not in text

    asyncio.run(scenario())


def test_unknown_and_revoked_tokens_get_401_before_any_tool(world: McpWorld) -> None:
    container, viewer = world.gateway.container, world.gateway.members[Role.VIEWER]
    ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    assert httpx.post(world.url, json=ping, headers={**headers, **viewer.auth}).status_code == 200
    for credentials in ({"Authorization": "Bearer cft_unknown"}, {"Authorization": "Basic eDp5"}, {}):
        answer = httpx.post(world.url, json=ping, headers={**headers, **credentials})
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"] == "Bearer"
    (token,) = [t for t in container.api_tokens.list("acme") if t.user_id == viewer.user_id]
    container.api_tokens.revoke("acme", token.id)
    assert httpx.post(world.url, json=ping, headers={**headers, **viewer.auth}).status_code == 401

    async def refused() -> None:
        async with connect(world.url, viewer.token):
            pass

    with pytest.raises(BaseExceptionGroup) as raised:
        asyncio.run(refused())
    # The SDK's client reports an HTTP refusal as a JSON-RPC error of its own (the 401 is above).
    assert all(isinstance(leaf, MCPError) for leaf in leaves(raised.value)), leaves(raised.value)


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def test_the_gateway_rate_limits_apply_to_mcp_requests(tmp_path: Path) -> None:
    with mcp_world(tmp_path / "data", gateway={"rate_limit_per_principal": 3}) as world:
        editor = world.gateway.members[Role.EDITOR]
        ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        headers = {"Accept": "application/json, text/event-stream",
                   **editor.auth}  # fmt: skip
        codes = [httpx.post(world.url, json=ping, headers=headers).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        other = {**headers, **world.gateway.members[Role.VIEWER].auth}
        assert httpx.post(world.url, json=ping, headers=other).status_code == 200  # per principal


def test_a_token_without_the_write_scope_reads_but_cannot_write(world: McpWorld) -> None:
    container, editor = world.gateway.container, world.gateway.members[Role.EDITOR]
    read_only = container.api_tokens.create("acme", editor.user_id, "reader", [Scope.READ]).secret

    async def scenario() -> None:
        async with connect(world.url, read_only) as client:
            project = await client.call_tool("get_project", {"project_id": world.ids["project_id"]})
            assert structured(project)["id"] == world.ids["project_id"]
            refused = await client.call_tool("create_project", {"project": {"name": "x"}})
            assert error_text(refused).startswith("Error executing tool create_project: Forbidden")

    asyncio.run(scenario())


def test_an_edit_through_one_api_process_is_read_through_another(world: McpWorld) -> None:
    """MCP is served stateless: no session lives in a process, so any API process answers any call."""
    editor = world.gateway.members[Role.EDITOR]
    project_id, shot_id = world.ids["project_id"], world.ids["shot_id"]
    container, app = world.gateway.second_app()
    try:
        with serving(app) as other_base:

            async def scenario() -> None:
                async with (
                    connect(world.url, editor.token) as first,
                    connect(f"{other_base}/mcp", editor.token) as second,
                ):
                    patch = {"project_id": project_id, "shot_id": shot_id, "patch": {"description": "gale"}}
                    assert not (await first.call_tool("update_shot", patch)).is_error
                    read = await second.call_tool("get_shot", {"project_id": project_id, "shot_id": shot_id})
                    assert structured(read)["description"] == "gale"

            asyncio.run(scenario())
    finally:
        container.close()


def test_an_mcp_request_over_the_body_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with mcp_world(tmp_path / "data", api={"max_body_bytes": 4096}) as world:
        headers = {"Accept": "application/json, text/event-stream", **world.gateway.owner.auth}
        upload = {"project_id": world.ids["project_id"], "target": f"card/{world.ids['card_id']}/sheet",
                  "content_type": "image/png", "content_base64": "A" * 8192}  # fmt: skip
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "upload_asset", "arguments": upload}}  # fmt: skip
        blobs = sorted(world.gateway.container.assets.keys("acme"))
        answer = httpx.post(world.url, json=call, headers=headers)
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert sorted(world.gateway.container.assets.keys("acme")) == blobs
