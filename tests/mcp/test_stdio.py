"""MCP over stdio: a real MCP client session spawning `craftology mcp --tenant T` on the data directory
of a running container, as a token's principal or (embedded stores, no token) as the tenant's owner."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from craftology.identity.principal import Role
from tests.api.fuzz_app import _seed as seed
from tests.api.gateway_world import GatewayWorld, gateway_settings, gateway_world
from tests.mcp.conftest import error_text, structured
from tests.principals import as_owner

CLI = str(Path(sys.executable).parent / "craftology")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[GatewayWorld]:
    with gateway_world(gateway_settings(tmp_path / "data")) as made:
        made.ids["other_token"] = made.container.tenancy.create_tenant("Globex", tenant_id="globex").token
        seed(made.container, "globex", "dawn run")
        yield made


def command(world: GatewayWorld, *args: str) -> StdioServerParameters:
    env = {"CRAFTOLOGY_DATA_DIR": str(world.settings.data_dir)}
    return StdioServerParameters(command=CLI, args=["mcp", "--tenant", "acme", *args], env=env)


@asynccontextmanager
async def stdio(world: GatewayWorld, *args: str) -> AsyncIterator[Client]:
    async with Client(command(world, *args)) as client:
        yield client


def test_a_token_acts_as_its_principal_over_stdio(world: GatewayWorld) -> None:
    project_id, card_id = world.ids["project_id"], world.ids["card_id"]
    editor, viewer = world.members[Role.EDITOR], world.members[Role.VIEWER]

    async def scenario() -> tuple[dict[str, Any], str]:
        async with stdio(world, "--token", editor.token) as client:
            new = {"project_id": project_id, "shot": {"description": "storm", "cards": [card_id]}}
            shot = structured(await client.call_tool("create_shot", new))
            board = await client.read_resource(f"craftology://projects/{project_id}/board")
            body = json.loads(board.contents[0].text)  # type: ignore[union-attr]
            assert shot["id"] in [s["id"] for s in body["shots"]]
        async with stdio(world, "--token", viewer.token) as client:
            assert structured(await client.call_tool("get_project", {"project_id": project_id}))
            refused = error_text(await client.call_tool("create_project", {"project": {"name": "x"}}))
            return shot, refused

    shot, refused = asyncio.run(scenario())
    assert refused.startswith("Error executing tool create_project: Forbidden")
    assert (
        world.container.projects.get_shot(as_owner("acme"), project_id, shot["id"]).value.description
        == "storm"
    )


def test_without_a_token_the_local_operator_acts_as_the_tenant_owner(world: GatewayWorld) -> None:
    async def scenario() -> dict[str, Any]:
        async with stdio(world) as client:
            created = structured(await client.call_tool("create_project", {"project": {"name": "Local"}}))
            foreign = await client.call_tool("get_project", {"project_id": "nope"})
            assert "Not found" in error_text(foreign)
            link: dict[str, Any] = structured(
                await client.call_tool("download_link", {"asset_id": world.ids["asset_id"]})
            )
            assert link["url"].endswith(f"/v1/assets/{world.ids['asset_id']}/content")
            return created  # type: ignore[no-any-return]

    created = asyncio.run(scenario())
    assert world.container.projects.get_project(as_owner("acme"), created["id"]).value.name == "Local"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--token", "{other_token}"], "is not one of tenant 'acme'"),
        (["--token", "cft_not-a-token"], "unknown or revoked API token"),
        (["--tenant", "nope"], "tenant nope not found"),  # no token: the owner of a tenant that exists
    ],
)
def test_a_token_of_another_tenant_or_none_at_all_is_refused_at_start(
    world: GatewayWorld, args: list[str], message: str
) -> None:
    params = command(world, *(a.format(other_token=world.ids["other_token"]) for a in args))
    done = subprocess.run(
        [params.command, *params.args],
        env={**_base_env(), **(params.env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert done.stdout == ""  # stdout is the protocol's: nothing else is written there
    assert "Traceback" not in done.stderr


def _base_env() -> dict[str, str]:
    import os

    return {key: value for key, value in os.environ.items() if not key.startswith("CRAFTOLOGY_")}
