"""`craftology policies list|show|set|test|rollback`: the Cedar policy sets, read and changed directly
in the control-plane database (as `craftology models` does), so an operator needs no running API.

Without `--tenant` a command works on the global set, which is in force for every tenant."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from craftology.cli.app import DataDir, fail
from craftology.cli.control import control_plane
from craftology.errors import BadInput
from craftology.identity.principal import ALL_SCOPES, Via
from craftology.policy.center import PolicyCenter
from craftology.policy.schemas import PrincipalIn, ResourceIn, VersionOut
from craftology.policy.vocabulary import GLOBAL_SCOPE, MAX_POLICY_BYTES

policies_app = typer.Typer(
    no_args_is_help=True,
    help="Cedar policies: the global set and each tenant's, with versions; test a request against them.",
)
ACTOR = "cli"  # who changes made here are recorded as

TenantOpt = Annotated[
    str | None, typer.Option("--tenant", help="A tenant id; without it, the global set.", show_default=False)
]


def _scope(tenant: str | None) -> str:
    return GLOBAL_SCOPE if tenant is None else tenant


@contextmanager
def _center(data_dir: DataDir) -> Iterator[PolicyCenter]:
    with control_plane(data_dir) as engine:
        yield PolicyCenter(engine)


def _read(path: str) -> str:
    """The policy text of a file, or of stdin for `-`."""
    try:
        raw = sys.stdin.buffer.read(MAX_POLICY_BYTES + 1) if path == "-" else Path(path).read_bytes()
        return raw.decode("utf-8")
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text") from None


@policies_app.command("list")
def list_versions(
    tenant: TenantOpt = None,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON on stdout.")] = False,
) -> None:
    """Every version of a set, oldest first; `*` marks the active one (0 is the built-in set)."""
    with _center(data_dir) as center:
        versions = center.versions(_scope(tenant))
    if as_json:
        items = [VersionOut.of(version).model_dump(mode="json") for version in versions]
        sys.stdout.write(json.dumps(items, indent=2) + "\n")
        return
    rows = [("", "VERSION", "CREATED", "BY", "NOTE")]
    for version in versions:
        created = version.created_at.strftime("%Y-%m-%d %H:%M:%S") if version.created_at else "-"
        rows.append(
            ("*" if version.active else "", str(version.version), created, version.created_by, version.note)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@policies_app.command("show")
def show(
    tenant: TenantOpt = None,
    version: Annotated[int | None, typer.Option(help="A version number (default: the active one).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Print a set's Cedar text."""
    with _center(data_dir) as center:
        shown = center.show(_scope(tenant), version)
    typer.echo(
        f"// {tenant or 'global'} version {shown.version}{' (active)' if shown.active else ''}", err=True
    )
    sys.stdout.write(shown.text if shown.text.endswith("\n") or not shown.text else shown.text + "\n")


@policies_app.command("set")
def set_policies(
    path: Annotated[str, typer.Argument(metavar="FILE", help="Cedar policies to store, or - for stdin.")],
    tenant: TenantOpt = None,
    note: Annotated[str, typer.Option(help="Why it changed.")] = "",
    activate: Annotated[bool, typer.Option(help="Make the new version active at once.")] = True,
    data_dir: DataDir = None,
) -> None:
    """Store a new version of a set, validated against the schema first (nothing is stored if invalid)."""
    with _center(data_dir) as center:
        stored = center.set(_scope(tenant), _read(path), actor=ACTOR, note=note, activate=activate)
    state = "active" if stored.active else "stored, not active"
    typer.echo(f"{tenant or 'global'} version {stored.version} {state}")


@policies_app.command("rollback")
def rollback(
    version: Annotated[int, typer.Argument(help="The earlier version to go back to (0: the built-in set).")],
    tenant: TenantOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Make an earlier version's text a new, active version."""
    with _center(data_dir) as center:
        stored = center.rollback(_scope(tenant), version, actor=ACTOR)
    typer.echo(f"{tenant or 'global'} version {stored.version} active (the text of version {version})")


@policies_app.command("test")
def try_request(
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant of the principal.")],
    action: Annotated[str, typer.Option(help="e.g. update_project.")],
    resource: Annotated[str, typer.Option(help="TYPE/ID, e.g. Project/p1.")],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="A role of the principal (repeat).")
    ] = None,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="A token scope (repeat; default: all, as a session).")
    ] = None,
    user: Annotated[str, typer.Option(help="The principal's user id.")] = "someone",
    resource_tenant: Annotated[
        str | None, typer.Option(help="The resource's tenant (default: --tenant; empty: shared).")
    ] = None,
    attr: Annotated[list[str] | None, typer.Option("--attr", help="A resource attribute KEY=VALUE.")] = None,
    policies: Annotated[
        str | None, typer.Option(help="Try this file as the tenant's set instead of the active one.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Would this request be allowed, and by which policies? Exit 0 when allowed, 1 when denied."""
    try:
        resource_type, _, resource_id = resource.partition("/")
        attributes = dict(item.split("=", 1) for item in attr or [] if "=" in item)
        if len(attributes) != len(attr or []):
            raise fail("--attr takes KEY=VALUE")
        who = PrincipalIn.model_validate(
            {"user_id": user, "roles": role or [], "scopes": scope or sorted(ALL_SCOPES), "via": Via.SESSION}
        ).principal(tenant)
        what = ResourceIn(type=resource_type, id=resource_id, tenant=resource_tenant, attributes=attributes)
    except ValidationError as error:
        problem = error.errors()[0]
        raise fail(f"{'.'.join(str(p) for p in problem['loc'])}: {problem['msg']}") from None
    with _center(data_dir) as center:
        candidate = None if policies is None else _read(policies)
        decision = center.explain(who, action, what.resource(tenant), candidate=candidate)
    verdict = "allowed" if decision.allowed else "denied"
    because = f" by {', '.join(decision.policy_ids)}" if decision.policy_ids else ": no policy permits it"
    typer.echo(f"{verdict}{because} ({decision.policy_version})")
    for message in decision.errors:
        typer.echo(f"  error: {message}")
    if not decision.allowed:
        raise typer.Exit(1)
