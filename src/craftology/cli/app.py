"""Commands. Expected failures print one readable line and exit 2; nothing prints a traceback."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from craftology.cli import remote
from craftology.cli.chat import chat
from craftology.cli.gc import gc
from craftology.cli.mcp import mcp
from craftology.cli.progress import follow_run, print_plan
from craftology.config import Settings
from craftology.errors import CraftologyError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Craftology: AI content production with change-driven regeneration.",
)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where embedded engines keep their files.")]


def settings_for(data_dir: Path | None) -> Settings:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir.resolve()})
    return settings


def listening(settings: Settings, host: str | None, port: int | None) -> Settings:
    """The settings with the listen address the command line gave, if any."""
    given = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    return settings.model_copy(update={"api": settings.api.model_copy(update=given)})


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@app.command()
def up(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default 8080).")] = None,
) -> None:
    """Run the platform: API, worker and (unless configured) the embedded Temporal server."""
    from craftology.cli.serve import serve

    try:
        asyncio.run(serve(listening(settings_for(data_dir), host, port), err))
    except CraftologyError as error:
        raise fail(error.detail) from None
    except KeyboardInterrupt:
        pass


@app.command()
def api(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default 8080).")] = None,
) -> None:
    """Run only the API, against the configured (or this data dir's embedded) Temporal server."""
    from craftology.cli.serve import serve_api_only

    try:
        asyncio.run(serve_api_only(listening(settings_for(data_dir), host, port), err))
    except CraftologyError as error:
        raise fail(error.detail) from None
    except KeyboardInterrupt:
        pass


@app.command()
def worker(
    data_dir: DataDir = None,
    queue: Annotated[str | None, typer.Option("--queue", help="Task queue (default: from settings).")] = None,
) -> None:
    """Run only the sync worker, against the configured (or this data dir's embedded) Temporal."""
    from craftology.cli.worker import serve_worker

    settings = settings_for(data_dir)
    if queue is not None:
        settings = settings.model_copy(
            update={"temporal": settings.temporal.model_copy(update={"task_queue": queue})}
        )
    try:
        asyncio.run(serve_worker(settings, err))
    except CraftologyError as error:
        raise fail(error.detail) from None
    except KeyboardInterrupt:
        pass


@app.command()
def demo(
    brief: Annotated[str, typer.Option(help="What to make, in words.")],
    out: Annotated[Path, typer.Option(help="Directory for storyboard.png, cut.mp4 and report.json.")],
    shots: Annotated[
        int | None, typer.Option(min=1, max=48, help="Number of shots (default: from the brief).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Headless main job: brief -> storyboard -> sync -> edit one card -> plan -> re-sync."""
    from craftology.demo import run_demo
    from craftology.runtime import running

    settings = settings_for(data_dir)

    async def go() -> dict[str, object]:
        async with running(settings) as container:
            return await run_demo(
                container, brief, out, shots, lambda plan: print_plan(err, plan), follow_run
            )

    try:
        report = asyncio.run(go())
    except CraftologyError as error:
        raise fail(error.detail) from None
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        first, edit, second = report["first_run"], report["edit"], report["second_run"]
        err.print(f"first sync: {first['generated']} generated in {first['seconds']} s")  # type: ignore[index]
        err.print(f"edit: {edit['card']} {edit['path']} → plan of {len(edit['plan_targets'])} targets")  # type: ignore[index]
        err.print(f"second sync: {second['generated']} regenerated, in {second['seconds']} s")  # type: ignore[index]
        err.print(f"wrote {out / 'storyboard.png'}, {out / 'cut.mp4'}, {out / 'report.json'}")


@app.command()
def status(
    project: Annotated[str, typer.Option(help="Project id.")],
    api: remote.ApiUrl = None,
    token: remote.Token = None,
) -> None:
    """Target status with causes, from a running `craftology up`."""
    with remote.client(api, token) as http:
        body = remote.call(http, "GET", f"/v1/projects/{project}/targets")
    remote.print_statuses(body)


@app.command()
def plan(
    project: Annotated[str, typer.Option(help="Project id.")],
    api: remote.ApiUrl = None,
    token: remote.Token = None,
) -> None:
    """What a sync would regenerate now, why, and what it would cost."""
    with remote.client(api, token) as http:
        body = remote.call(http, "GET", f"/v1/projects/{project}/plan")
    remote.print_plan_dict(body)


@app.command()
def sync(
    project: Annotated[str, typer.Option(help="Project id.")],
    api: remote.ApiUrl = None,
    token: remote.Token = None,
    wait: Annotated[bool, typer.Option(help="Follow the run with a progress bar until it ends.")] = True,
) -> None:
    """Start a sync run of a project and follow its progress."""
    with remote.client(api, token) as http:
        run = remote.call(http, "POST", f"/v1/projects/{project}/runs")
        err.print(f"run {run['id']}: {run['plan_size']} targets")
        if wait:
            remote.follow(http, run["id"], err)


@app.command()
def events(
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new events.")] = False,
    after: Annotated[int, typer.Option(help="Start after this offset.")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Print the event log (run started/finished, target generated/failed/superseded, asset stored)."""
    from craftology.cli.eventlog import print_events

    try:
        print_events(settings_for(data_dir), follow, after)
    except CraftologyError as error:
        raise fail(error.detail) from None
    except KeyboardInterrupt:
        pass


@app.command("tenant")
def tenant_create(
    name: Annotated[str, typer.Argument(help="Company name.")],
    owner_email: Annotated[
        str | None, typer.Option(help="The owner's email (default: a placeholder owner@<tenant>.invalid).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a tenant with its sandbox and owner, and print the owner's first API token (shown once)."""
    from craftology.container import build_container

    container = build_container(settings_for(data_dir))
    try:
        created = container.tenancy.create_tenant(name, owner_email=owner_email)
    except CraftologyError as error:
        raise fail(error.detail) from None
    finally:
        container.close()
    typer.echo(f"tenant {created.tenant.id}\ntoken  {created.token}\nowner  {created.owner.email}")


app.command()(gc)
app.command()(mcp)
app.command()(chat)
