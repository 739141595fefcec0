"""`craftology mcp --tenant T`: the MCP server over stdio, for an agent on this machine.

It acts as one principal for its whole life. With an API token (`--token` or CRAFTOLOGY_TOKEN) that is
the token's principal, exactly as over HTTP: its role and scopes, checked by the same policy. Without
one it acts as the tenant's owner, but only on embedded stores: whoever can start it there can read
the data directory anyway, so a token would protect nothing. With a configured control-plane database
a token is required. Stdout carries the protocol; messages go to stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from craftology.config import Settings
    from craftology.container import Container
    from craftology.identity.principal import Principal


def mcp(
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant every tool acts in.")],
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="CRAFTOLOGY_TOKEN", help="An API token of that tenant to act as."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where embedded engines keep their files.")
    ] = None,
) -> None:
    """Serve MCP over stdio for one tenant: as the token's principal, or without a token (embedded
    stores only) as the tenant's owner."""
    from craftology.cli.app import fail, settings_for
    from craftology.errors import CraftologyError

    try:
        asyncio.run(_serve(settings_for(data_dir), tenant, token))
    except CraftologyError as error:
        raise fail(error.detail) from None
    except KeyboardInterrupt:
        pass


@asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[Container]:
    """The API role's container: reads need no Temporal; a sync joins the data dir's (or configured)
    server, and says so when there is none."""
    from craftology.container import build_container
    from craftology.errors import BadInput
    from craftology.runtime import periodic_passes, worker_settings

    with contextlib.suppress(BadInput):  # no Temporal server known: all but starting a sync works
        settings = worker_settings(settings)
    container = build_container(settings)
    try:
        async with periodic_passes(container):
            yield container
    finally:
        container.close()


def stdio_principal(container: Container, tenant: str, token: str | None) -> Principal:
    from craftology.errors import BadInput, Unauthenticated
    from craftology.identity.principal import system_principal

    if token:
        principal = container.api_tokens.authenticate_token(token)
        if principal.tenant != tenant:
            raise Unauthenticated(f"this API token is not one of tenant {tenant!r}")
        return principal
    if not container.settings.database_url.startswith("sqlite"):
        raise BadInput("the control plane is not embedded here: pass --token or set CRAFTOLOGY_TOKEN")
    container.tenancy.get_tenant(tenant)  # NotFound for an unknown tenant
    return system_principal(tenant)


async def _serve(settings: Settings, tenant: str, token: str | None) -> None:
    from craftology.mcp.server import build_mcp_server
    from craftology.mcp.services import McpServices, McpState

    async with _opened(settings) as container:
        principal = stdio_principal(container, tenant, token)
        state = McpState(McpServices.of(container), principal)
        await build_mcp_server(lambda: state).run_stdio_async()
