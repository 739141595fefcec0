"""`craftology agent intent "TEXT"`: what a message asks for, as the embedded intent engine reads it.

With --project, references resolve against that project's cards and shots, read directly from the
tenant's store (as `craftology tenant` reads the control plane), so no running API is needed."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from craftology.cli.app import DataDir, fail, settings_for
from craftology.config import Settings
from craftology.errors import CraftologyError
from craftology.identity.principal import system_principal
from craftology.ports.intent import ProjectContext

agent_app = typer.Typer(no_args_is_help=True, help="Agents: how Craftology reads what people ask of it.")


def project_context_of(settings: Settings, tenant: str, project_id: str) -> ProjectContext:
    """The project's cards and shots. The CLI runs on the data directory itself, so it reads as the
    operator acting for the tenant (the system principal), through the same policy check."""
    from craftology.agents.intent.context import project_context
    from craftology.container import build_container

    container = build_container(settings)
    try:
        return project_context(*container.projects.load_project(system_principal(tenant), project_id))
    finally:
        container.close()


@agent_app.command("intent")
def intent(
    text: Annotated[str, typer.Argument(help='The message, e.g. "make shot 2 a close-up".')],
    project: Annotated[
        str | None, typer.Option(help="Project id: resolve shots and cards named in the message to ids.")
    ] = None,
    tenant: Annotated[str, typer.Option(help="The project's tenant.")] = "demo",
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"intent", "slots", "confidence"} as JSON on stdout.')
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Detect the intent of a message and its slots (no network: the embedded engine)."""
    from craftology.agents.intent import EmbeddedIntentEngine

    try:
        if not text.strip():
            raise fail("the message is empty")
        context = project_context_of(settings_for(data_dir), tenant, project) if project else None
        result = EmbeddedIntentEngine().detect(text, context)
    except CraftologyError as error:
        raise fail(error.detail) from None
    if as_json:
        sys.stdout.write(json.dumps(result.as_json()) + "\n")
        return
    slots = ", ".join(f"{name}={json.dumps(value)}" for name, value in result.slots.items())
    typer.echo(f"{result.intent.value} ({result.confidence:.0%}){': ' + slots if slots else ''}")
