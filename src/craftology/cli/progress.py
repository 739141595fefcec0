"""Rich progress for sync runs followed in process (demo) and plan printing."""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from craftology.container import Container
from craftology.controlplane.runs import Run
from craftology.identity.principal import Principal
from craftology.sync.plan import Plan, render_plan

POLL_SECONDS = 0.25
_console = Console(stderr=True, soft_wrap=True)


def new_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


async def follow_run(container: Container, principal: Principal, run: Run) -> None:
    """A progress bar over the run (and any follow-up runs it starts) until it ends."""
    with new_progress(_console) as progress:
        while True:
            task = progress.add_task(f"sync {run.id[:8]}", total=max(run.plan_size, 1), detail="")
            while True:
                view = await container.sync.get_run(principal, run.id)
                if view.progress is not None:
                    live = view.progress
                    flying = ", ".join(live.in_flight[:2])
                    progress.update(task, completed=live.done, total=max(live.total, 1), detail=flying)
                if view.run.status.terminal:
                    progress.update(
                        task,
                        completed=max(view.run.plan_size, 1),
                        detail=f"{view.run.status.value}: {view.run.generated} generated, "
                        f"{view.run.skipped} skipped, {view.run.superseded} superseded",
                    )
                    break
                await asyncio.sleep(POLL_SECONDS)
            follow_up = view.run.summary.follow_up
            if not follow_up:
                return
            run = container.runs.get(principal.tenant, follow_up)


def print_plan(console: Console, plan: Plan) -> None:
    console.print("[bold]plan[/bold]")
    for line in render_plan(plan):
        console.print(line, highlight=False, markup=False)
