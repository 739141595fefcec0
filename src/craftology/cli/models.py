"""`craftology models list|register|set-default`: the model registry, read and changed directly in the
control-plane database (as `craftology tenant` does), so an operator needs no running API."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer

from craftology.cli.app import DataDir
from craftology.cli.control import control_plane
from craftology.errors import BadInput
from craftology.registry.models import CostUnit, ModelKind, ModelRecord
from craftology.registry.schemas import ModelList
from craftology.registry.service import ModelRegistry

models_app = typer.Typer(
    no_args_is_help=True,
    help="The model registry: which model versions exist, what they cost, which one serves each kind.",
)

E = TypeVar("E", ModelKind, CostUnit)


@contextmanager
def _registry(data_dir: DataDir) -> Iterator[ModelRegistry]:
    """The registry of the configured control-plane database, seeded as `craftology up` seeds it (so a
    first model registered here does not silently become a kind's default before the preview one)."""
    with control_plane(data_dir) as engine:
        registry = ModelRegistry(engine)
        registry.seed_preview_models()
        yield registry


def _choice(enum: type[E], value: str, what: str) -> E:
    try:
        return enum(value)
    except ValueError:
        raise BadInput(f"unknown {what} {value!r} (one of: {', '.join(e.value for e in enum)})") from None


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise BadInput(f"--cost must be a number, not {value!r}") from None


def _json(value: str) -> object:
    try:
        return json.loads(value)
    except ValueError as error:
        raise BadInput(f"--params is not valid JSON: {error}") from None


@models_app.command("list")
def list_models(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the registry as JSON on stdout.")] = False,
) -> None:
    """Every model version: kind, backend, template, cost; `*` marks the one serving each kind now."""
    with _registry(data_dir) as registry:
        listing = ModelList.of(registry.list(), registry.current_all())
    if as_json:
        sys.stdout.write(listing.model_dump_json(indent=2) + "\n")
        return
    rows = [("", "KIND", "MODEL", "VERSION", "BACKEND", "TEMPLATE", "COST", "PARAMS")]
    for item in sorted(listing.items, key=lambda m: list(ModelKind).index(m.kind)):
        rows.append((
            "*" if item.current else "", item.kind.value, item.id, item.version, item.backend,
            item.template_version, f"{item.cost_per_unit:g}/{item.unit.value}",
            json.dumps(item.params, sort_keys=True),
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    missing = [kind.value for kind in ModelKind if kind not in listing.current]
    if missing:
        typer.echo(f"no model serves: {', '.join(missing)}")


@models_app.command("register")
def register(
    model_id: Annotated[str, typer.Argument(metavar="ID", help="Model id, e.g. sdxl.")],
    version: Annotated[str, typer.Argument(help="Version, e.g. 1.1 (dotted numbers compare numerically).")],
    kind: Annotated[str, typer.Option(help="Target kind it makes: sheet, keyframe, clip or cut.")],
    backend: Annotated[str, typer.Option(help="Generator implementation that runs it, e.g. preview.")],
    template_version: Annotated[str, typer.Option(help="Version of its prompt template.")],
    cost: Annotated[str, typer.Option(help="Credits (GPU-second-equivalents) per unit, >= 0.")],
    unit: Annotated[str, typer.Option(help="Unit of cost: image, second or clip.")],
    params: Annotated[str, typer.Option(help="Generation parameters as a JSON object.")] = "{}",
    data_dir: DataDir = None,
) -> None:
    """Register a model version (immutable once registered; the same again does nothing).

    A newer version of the model serving a kind takes over that kind at once."""
    with _registry(data_dir) as registry:
        record = ModelRecord(
            id=model_id,
            version=version,
            kind=_choice(ModelKind, kind, "kind"),
            backend=backend,
            template_version=template_version,
            params=_json(params),  # type: ignore[arg-type]  # ModelRecord rejects all but an object
            cost_per_unit=_number(cost),
            unit=_choice(CostUnit, unit, "unit"),
        )
        added = registry.register(record)
        serving = registry.current_all().get(record.kind)
    state = "registered" if added else "already registered (unchanged)"
    typer.echo(f"{record.id} {record.version} {state}")
    if serving is not None:
        typer.echo(f"{record.kind.value} is served by {serving.id} {serving.version}")


@models_app.command("set-default")
def set_default(
    kind: Annotated[str, typer.Argument(help="Target kind: sheet, keyframe, clip or cut.")],
    model_id: Annotated[str, typer.Argument(metavar="MODEL_ID", help="A registered model of that kind.")],
    data_dir: DataDir = None,
) -> None:
    """Make a model serve a kind: its newest version generates the kind's targets from now on."""
    with _registry(data_dir) as registry:
        record = registry.set_default(_choice(ModelKind, kind, "kind"), model_id)
    typer.echo(f"{record.kind.value} is served by {record.id} {record.version}")
