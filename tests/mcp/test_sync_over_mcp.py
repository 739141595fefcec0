"""An agent syncs a project through MCP on a real `craftology up` (API, worker, embedded Temporal):
it previews the plan, approves exactly that plan, follows the run to its end with get_run, and finds
every target fresh and its assets downloadable. An approval of a plan that changed is refused."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp import Client

from tests.mcp.conftest import connect, error_text, structured
from tests.platform.conftest import RUN_TIMEOUT, TERMINAL, Platform

pytestmark = pytest.mark.temporal


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    running = Platform(tmp_path_factory.mktemp("mcp-platform") / "data")
    try:
        running.start()
        yield running
        running.stop()
    finally:
        running.cleanup()


async def _until_ended(client: Client, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run: dict[str, Any] = structured(await client.call_tool("get_run", {"run_id": run_id}))
        if run["status"] in TERMINAL:
            return run
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.25)


def test_preview_approve_and_follow_a_sync_run(platform: Platform) -> None:
    _tenant, token = platform.new_tenant("Lighthouse")

    async def scenario() -> dict[str, Any]:
        async with connect(f"{platform.base_url}/mcp", token) as client:
            p = structured(await client.call_tool("create_project", {"project": {"name": "Storm"}}))["id"]
            card = {"kind": "character", "name": "Keeper", "attributes": {"appearance": "grey beard"}}
            c = structured(await client.call_tool("create_card", {"project_id": p, "card": card}))["id"]
            shot = {"description": "the keeper lights the lamp", "cards": [c]}
            await client.call_tool("create_shot", {"project_id": p, "shot": shot})
            previewed = structured(await client.call_tool("preview_plan", {"project_id": p}))
            assert previewed["count"] == 4  # sheet, keyframe, clip, cut

            edit = {"project_id": p, "card_id": c, "patch": {"attributes": {"appearance": "red beard"}}}
            assert not (await client.call_tool("update_card", edit)).is_error
            outdated = {"project_id": p, "plan_digest": previewed["plan_digest"]}
            refused = error_text(await client.call_tool("approve_plan", outdated))
            assert "Conflict: the plan changed since it was previewed" in refused
            assert structured(await client.call_tool("list_runs", {"project_id": p})) == []

            current = structured(await client.call_tool("preview_plan", {"project_id": p}))
            approve = {"project_id": p, "plan_digest": current["plan_digest"]}
            run = structured(await client.call_tool("approve_plan", approve))
            assert run["plan_size"] == 4
            ended = await _until_ended(client, run["id"])
            assert ended["status"] == "succeeded", ended
            assert ended["generated"] == 4
            status = structured(await client.call_tool("target_status", {"project_id": p}))
            assert status["counts"] == {"FRESH": 4}
            assets = structured(await client.call_tool("list_assets", {"project_id": p}))["items"]
            link = structured(await client.call_tool("download_link", {"asset_id": assets[0]["id"]}))
            return {"link": link, "size": assets[0]["size"]}

    found = asyncio.run(scenario())
    got = httpx.get(found["link"]["url"], headers={"Authorization": f"Bearer {token}"}, timeout=30.0)
    assert got.status_code == 200
    assert len(got.content) == found["size"]
