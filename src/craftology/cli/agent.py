"""`craftology agent intent "TEXT"`: what a message asks for, as the embedded intent engine reads it
(or, with --engine llm, the tenant's chat model with the tenant's stored provider key).

With --project, references resolve against that project's cards and shots, read directly from the
tenant's store (as `craftology tenant` reads the control plane), so no running API is needed."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from craftology.cli.app import DataDir, fail, settings_for
from craftology.config import Settings
from craftology.errors import CraftologyError
from craftology.identity.principal import system_principal
from craftology.ports.intent import IntentResult, ProjectContext

if TYPE_CHECKING:
    from craftology.container import Container

agent_app = typer.Typer(no_args_is_help=True, help="Agents: how Craftology reads what people ask of it.")


Engine = Literal["embedded", "llm"]


def project_context_of(container: Container, tenant: str, project_id: str) -> ProjectContext:
    """The project's cards and shots. The CLI runs on the data directory itself, so it reads as the
    operator acting for the tenant (the system principal), through the same policy check."""
    from craftology.agents.intent.context import project_context

    return project_context(*container.projects.load_project(system_principal(tenant), project_id))


def detect(
    settings: Settings, text: str, project: str | None, tenant: str, engine: Engine, provider: str
) -> IntentResult:
    from craftology.agents.intent import EmbeddedIntentEngine

    if engine == "embedded" and project is None:
        return EmbeddedIntentEngine().detect(text)
    from craftology.container import build_container

    container = build_container(settings)
    try:
        context = project_context_of(container, tenant, project) if project else None
        if engine == "embedded":
            return EmbeddedIntentEngine().detect(text, context)
        from craftology.agents.intent.llm import LlmIntentEngine

        # The tenant's own key for the provider: ProviderNotConfigured (one line) when it has none.
        return LlmIntentEngine(container.genai.chat(tenant, provider)).detect(text, context)
    finally:
        container.close()


@agent_app.command("intent")
def intent(
    text: Annotated[str, typer.Argument(help='The message, e.g. "make shot 2 a close-up".')],
    project: Annotated[
        str | None, typer.Option(help="Project id: resolve shots and cards named in the message to ids.")
    ] = None,
    tenant: Annotated[str, typer.Option(help="The project's tenant.")] = "demo",
    engine: Annotated[
        Engine,
        typer.Option(help="embedded: offline, no model. llm: the tenant's chat model, with its stored key."),
    ] = "embedded",
    provider: Annotated[
        str, typer.Option(help="With --engine llm: whose key to use (see `craftology providers`).")
    ] = "openai",
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"intent", "slots", "confidence"} as JSON on stdout.')
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Detect the intent of a message and its slots (the embedded engine by default: no network)."""
    try:
        if not text.strip():
            raise fail("the message is empty")
        result = detect(settings_for(data_dir), text, project, tenant, engine, provider)
    except CraftologyError as error:
        raise fail(error.detail) from None
    if as_json:
        sys.stdout.write(json.dumps(result.as_json()) + "\n")
        return
    slots = ", ".join(f"{name}={json.dumps(value)}" for name, value in result.slots.items())
    typer.echo(f"{result.intent.value} ({result.confidence:.0%}){': ' + slots if slots else ''}")
