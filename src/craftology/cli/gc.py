"""`craftology gc`: remove every tenant's unreferenced blobs older than the grace period."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from craftology.assets.gc import Collection
    from craftology.config import Settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def gc(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where embedded engines keep their files.")
    ] = None,
    grace: Annotated[
        str | None,
        typer.Option(
            metavar="SECONDS",
            help="Keep unreferenced blobs younger than this (default: the gc.grace_seconds setting, 1 hour).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be removed; remove nothing.")
    ] = False,
) -> None:
    """Remove blobs no asset references and older than the grace period, in every tenant (safe while
    the platform runs)."""
    from sqlalchemy.exc import SQLAlchemyError

    from craftology.assets.gc import collect
    from craftology.container import build_container
    from craftology.errors import CraftologyError

    settings = _settings(data_dir)
    grace_seconds = settings.gc.grace_seconds if grace is None else _seconds(grace)
    try:
        container = build_container(settings)
        try:
            tenants = [tenant.id for tenant in container.tenancy.list_tenants()]
            done = collect(container.assets, container.metadata, tenants, grace_seconds, dry_run=dry_run)
        finally:
            container.close()
    except CraftologyError as error:
        raise _fail(error.detail) from None
    except SQLAlchemyError as error:  # the control plane is unreachable or misconfigured
        cause = getattr(error, "orig", None) or error  # the driver's message, without SQLAlchemy's frame
        raise _fail(f"control-plane database: {str(cause).splitlines()[0]}") from None
    _print(done)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(2)


def _settings(data_dir: Path | None) -> Settings:
    from pydantic import ValidationError

    from craftology.config import Settings

    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        where = "CRAFTOLOGY_" + "__".join(str(part) for part in first["loc"]).upper()
        raise _fail(f"{where}: {first['msg']}") from None
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir.resolve()})
    # A mistyped --data-dir must not be created empty and reported as "nothing to collect".
    embedded = settings.assets.url == "file" or settings.metadata.url == "sqlite" or not settings.database.url
    if embedded and not settings.data_dir.is_dir():
        raise _fail(f"no data directory at {settings.data_dir}")
    return settings


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise _fail(f"--grace must be a number of seconds, 0 or more, not {text!r}")
    return value


def _print(done: Collection) -> None:
    verb = "would remove" if done.dry_run else "removed"
    if done.removed:
        table = Table("tenant", "blob", "size", "age", title=f"blobs {verb}", title_justify="left")
        for tenant in done.tenants:
            for blob in tenant.removed:
                table.add_row(tenant.tenant, blob.key, human_bytes(blob.size), human_age(blob.modified))
        out.print(table)
    tenants = sum(1 for t in done.tenants if t.removed)
    out.print(
        f"{'dry run: ' if done.dry_run else ''}{verb} {done.removed} unreferenced "
        f"blob{'s' * (done.removed != 1)} from {tenants} of {len(done.tenants)} tenants, "
        f"{human_bytes(done.bytes_freed)} {'would be ' if done.dry_run else ''}freed"
    )
    if done.young_unreferenced:
        out.print(
            f"kept {done.young_unreferenced} unreferenced blob{'s' * (done.young_unreferenced != 1)} "
            f"younger than the grace period ({human_duration(done.grace_seconds)}): "
            "possibly written by work still running"
        )
    if done.temp_files_removed:
        out.print(f"removed {done.temp_files_removed} temp files left by writers that died")


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return " ".join(parts[:2]) or f"{seconds:g}s"


def human_age(modified: float) -> str:
    return human_duration(max(0.0, time.time() - modified))
