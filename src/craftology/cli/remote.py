"""Commands that talk to a running `craftology up` over its REST API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from craftology.cli.progress import new_progress

ApiUrl = Annotated[
    str | None,
    typer.Option("--api", envvar="CRAFTOLOGY_API_URL", help="API base URL (default http://127.0.0.1:8080)."),
]
Token = Annotated[
    str | None, typer.Option("--token", envvar="CRAFTOLOGY_TOKEN", help="The tenant's API token.")
]
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@contextmanager
def client(api: str | None, token: str | None) -> Iterator[httpx.Client]:
    if not token:
        raise _fail("no API token: pass --token or set CRAFTOLOGY_TOKEN")
    with httpx.Client(
        base_url=api or "http://127.0.0.1:8080", timeout=30.0, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        yield http


def call(http: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    try:
        response = http.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise _fail(f"cannot reach the API at {http.base_url}: {error}") from None
    if response.is_error:
        try:
            problem = response.json()
            detail = problem.get("detail") or problem.get("title")
        except ValueError:
            detail = response.text[:200]
        raise _fail(f"{response.status_code} {detail}")
    return response.json()


def print_statuses(body: dict[str, Any]) -> None:
    for item in body["items"]:
        pinned = " (pinned)" if item["pinned"] else ""
        out.print(f"{item['status']:<8} {item['target']}{pinned}", highlight=False)
        for line in item["explained"]:
            out.print(f"         {line}", highlight=False, markup=False)
    out.print(", ".join(f"{k}: {v}" for k, v in sorted(body["counts"].items())), highlight=False)


def print_plan_dict(body: dict[str, Any]) -> None:
    for number, item in enumerate(body["items"], 1):
        out.print(
            f"{number:>4}. {item['status'].upper():<7} {item['target']}  {item['cost']:.4f} "
            f"({item['units']:g} {item['unit']})",
            highlight=False,
        )
        for cause in item["causes"][:5]:
            out.print(f"        {cause.get('text', cause)}", highlight=False, markup=False)
    for kept in body.get("kept_models", []):
        out.print(
            f"   -  KEPT    {kept['kind']} targets stay on {kept['model_id']} {kept['kept_version']} "
            f"(the registry has {kept['current_model_id']} {kept['current_version']}; not re-rendered)",
            highlight=False,
        )
    out.print(f"{body['count']} targets, estimated cost {body['total_cost']:.4f}", highlight=False)


def follow(http: httpx.Client, run_id: str, console: Console) -> None:
    with new_progress(console) as progress:
        while True:
            run = call(http, "GET", f"/v1/runs/{run_id}")
            task = progress.add_task(f"sync {run_id[:8]}", total=max(run["plan_size"], 1), detail="")
            while run["status"] in ("planned", "running"):
                live = run.get("progress")
                if live:
                    progress.update(
                        task,
                        completed=live["done"],
                        total=max(live["total"], 1),
                        detail=", ".join(live["in_flight"][:2]),
                    )
                time.sleep(0.5)
                run = call(http, "GET", f"/v1/runs/{run_id}")
            progress.update(
                task,
                completed=max(run["plan_size"], 1),
                detail=f"{run['status']}: {run['generated']} generated, {run['skipped']} skipped",
            )
            run_id = run["summary"].get("follow_up") or ""
            if not run_id:
                return
