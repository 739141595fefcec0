"""`craftology chat --project P`: the project's chat agent in the terminal, the same agent as
`POST /v1/projects/{id}/messages`, printing the same events; a confirmation is asked as y/n.

It runs on the stores itself (as `craftology mcp` does) and acts as a person, never as the platform:
with an API token (`--token` or CRAFTOLOGY_TOKEN) as the token's principal; without one, on embedded
stores only, as the tenant's owner (whoever can run it there can read the data directory anyway)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from craftology.errors import CraftologyError

if TYPE_CHECKING:
    from craftology.agents.chat.agent import ChatAgent
    from craftology.agents.chat.events import ChatEvent
    from craftology.container import Container
    from craftology.identity.principal import Principal

QUIT = frozenset({"exit", "quit", ":q"})


def chat(
    project: Annotated[str, typer.Option("--project", help="The project to talk about.")],
    tenant: Annotated[str, typer.Option("--tenant", help="The project's tenant.")] = "demo",
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="Say this once and exit (else a prompt loop).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="CRAFTOLOGY_TOKEN", help="An API token of that tenant to act as."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where embedded engines keep their files.")
    ] = None,
) -> None:
    """Talk to a project's agent: edits are made at once; deleting and starting a run ask y/n first.
    With --message, exits 1 when the agent reports an error."""
    from craftology.cli.app import fail, settings_for
    from craftology.container import build_container
    from craftology.runtime import worker_settings

    settings = settings_for(data_dir)
    with contextlib.suppress(CraftologyError):  # no Temporal server known: all but starting a run works
        settings = worker_settings(settings)
    container = build_container(settings)
    try:
        failed = asyncio.run(_session(container, tenant, token, project, message))
    except CraftologyError as error:
        raise fail(error.detail) from None
    finally:
        container.close()
    if failed and message is not None:
        raise typer.Exit(1)


async def _session(
    container: Container, tenant: str, token: str | None, project_id: str, message: str | None
) -> bool:
    """Every turn in one event loop (the Temporal client a run starts with belongs to it). Whether
    some turn ended in an error."""
    from craftology.agents.chat.wiring import chat_agent

    principal = _principal(container, tenant, token)
    agent = chat_agent(container)
    await asyncio.to_thread(agent.open, principal, project_id)  # an unknown project: one line, exit 2
    failed = False
    while True:
        text = message if message is not None else await asyncio.to_thread(_ask)
        if text is None:
            return failed
        if text.strip():
            failed = await _turn(agent, principal, project_id, text) or failed
        if message is not None:
            return failed


def _ask() -> str | None:
    try:
        text = input("you> ")
    except EOFError:
        return None
    return None if text.strip().lower() in QUIT else text


async def _turn(agent: ChatAgent, principal: Principal, project_id: str, text: str) -> bool:
    context = await asyncio.to_thread(agent.open, principal, project_id)
    offers: list[dict[str, Any]] = []
    failed = await _show(agent.reply(principal, context, text), offers)
    for offer in offers:
        cost = f" (cost {offer['cost']})" if offer["cost"] is not None else ""
        question = f"Confirm: {offer['summary']}{cost}?"
        if not await asyncio.to_thread(typer.confirm, question, False):
            typer.echo("Not done.")
            continue
        try:
            pending = await asyncio.to_thread(agent.take, principal, project_id, offer["token"])
        except CraftologyError as refused:
            typer.echo(f"error: {refused.detail}", err=True)
            failed = True
            continue
        failed = await _show(agent.perform(principal, project_id, pending), []) or failed
    return failed


async def _show(events: AsyncIterator[ChatEvent], offers: list[dict[str, Any]]) -> bool:
    """Print a turn's events as they come; keep its offers to ask about once it is done."""
    from craftology.agents.chat.events import Kind

    failed = False
    async for event in events:
        data = event.data
        match event.kind:
            case Kind.INTENT:
                slots = ", ".join(f"{k}={json.dumps(v)}" for k, v in data["slots"].items())
                typer.secho(
                    f"({data['intent']} {data['confidence']:.0%}{': ' + slots if slots else ''})", dim=True
                )
            case Kind.ACTION:
                typer.echo(f"-> {data['tool']}: {data['summary']}")
            case Kind.CONFIRM:
                offers.append(data)
            case Kind.MESSAGE:
                typer.echo(data["text"])
            case Kind.ERROR:
                typer.echo(f"error: {data['message']}", err=True)
                failed = True
    return failed


def _principal(container: Container, tenant: str, token: str | None) -> Principal:
    """The token's principal, or (embedded control plane only) the tenant's owner: a person, so the
    policy judges the agent's every call as that person's."""
    from craftology.errors import BadInput, NotFound, Unauthenticated
    from craftology.identity.principal import Principal, Role

    if token:
        principal = container.api_tokens.authenticate_token(token)
        if principal.tenant != tenant:
            raise Unauthenticated(f"this API token is not one of tenant {tenant!r}")
        return principal
    if not container.settings.database_url.startswith("sqlite"):
        raise BadInput("the control plane is not embedded here: pass --token or set CRAFTOLOGY_TOKEN")
    container.tenancy.get_tenant(tenant)  # NotFound for an unknown tenant
    owner = next((m for m in container.accounts.members(tenant) if m.role == Role.OWNER), None)
    if owner is None:
        raise NotFound(f"tenant {tenant!r} has no owner to act as: pass --token")
    return Principal(tenant=tenant, user_id=owner.user.id, roles=frozenset({Role.OWNER}))
