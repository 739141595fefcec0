"""`craftology providers set|list|remove|rotate|new-master-key`: tenants' keys for model providers,
read and changed directly in the control-plane database (as `craftology policies` does).

A key is never an argument (it would stay in the shell history and the process list): it is read from
stdin when piped, or prompted for, hidden."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import SecretStr, ValidationError

from craftology.cli.app import DataDir, fail, settings_for
from craftology.cli.control import control_plane
from craftology.genai.keys.crypto import new_master_key
from craftology.genai.keys.master import keyring
from craftology.genai.keys.schemas import PROVIDER_PATTERN, ProviderKey, ProviderKeyIn, ProviderKeyOut
from craftology.genai.keys.service import ProviderKeys

providers_app = typer.Typer(
    no_args_is_help=True,
    help="Tenants' keys for model providers (OpenAI-compatible chat APIs), stored encrypted.",
)
ACTOR = "cli"  # who changes made here are recorded as

Tenant = Annotated[str, typer.Argument(help="The tenant's id.")]
Provider = Annotated[str, typer.Argument(help="The provider's name, e.g. openai.")]


@contextmanager
def _keys(data_dir: DataDir) -> Iterator[ProviderKeys]:
    settings = settings_for(data_dir)
    with control_plane(data_dir) as engine:
        yield ProviderKeys(engine, lambda: keyring(settings))


def _read_key() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    key: str = typer.prompt("API key", hide_input=True)
    return key.strip()


def _settings(api_key: str, model: str, base_url: str | None) -> ProviderKeyIn:
    try:
        return ProviderKeyIn(api_key=SecretStr(api_key), model=model, base_url=base_url)
    except ValidationError as error:
        first = error.errors(include_input=False)[0]  # never echo the input: it may be the key
        where = ".".join(str(part) for part in first["loc"])
        raise fail(f"{where}: {first['msg']}") from None


@providers_app.command("set")
def set_key(
    tenant: Tenant,
    provider: Provider,
    model: Annotated[str, typer.Option(help="The model to call, e.g. gpt-4o-mini.")],
    base_url: Annotated[
        str | None, typer.Option(help="The API's base URL (optional for openai).", show_default=False)
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Store a tenant's key for a provider (replacing any earlier one); the key comes from stdin."""
    if not re.fullmatch(PROVIDER_PATTERN, provider):
        raise fail(f"provider {provider!r}: lower-case letters, digits, - and _ (at most 64)")
    given = _settings(_read_key(), model, base_url)
    with _keys(data_dir) as keys:
        stored = keys.set(tenant, provider, given, by=ACTOR)
    typer.echo(f"{tenant} {provider}: {stored.key_hint} for {stored.model} at {stored.base_url}")


@providers_app.command("list")
def list_keys(
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this tenant's keys.", show_default=False)
    ] = None,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON on stdout.")] = False,
) -> None:
    """Stored keys, masked, with the master key that seals each."""
    with _keys(data_dir) as keys:
        stored = keys.list(tenant)
    if as_json:
        items = [_json(key) for key in stored]
        sys.stdout.write(json.dumps(items, indent=2) + "\n")
        return
    rows = [("TENANT", "PROVIDER", "MODEL", "BASE URL", "KEY", "MASTER KEY", "UPDATED")]
    rows += [
        (k.tenant_id, k.provider, k.model, k.base_url, k.key_hint, k.key_id, f"{k.updated_at:%Y-%m-%d %H:%M}")
        for k in stored
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _json(key: ProviderKey) -> dict[str, object]:
    return {
        "tenant": key.tenant_id,
        "master_key_id": key.key_id,
        **ProviderKeyOut.of(key).model_dump(mode="json"),
    }


@providers_app.command("remove")
def remove_key(tenant: Tenant, provider: Provider, data_dir: DataDir = None) -> None:
    """Delete a tenant's key for a provider."""
    with _keys(data_dir) as keys:
        keys.remove(tenant, provider)
    typer.echo(f"{tenant} {provider}: removed")


@providers_app.command("rotate")
def rotate(data_dir: DataDir = None) -> None:
    """Re-encrypt every key under the current master key (`genai.master_key`); afterwards the keys in
    `genai.retired_master_keys` are no longer needed."""
    settings = settings_for(data_dir)
    with _keys(data_dir) as keys:
        count = keys.rotate()
        current = keyring(settings).current_id
    typer.echo(f"resealed {count} key{'s' if count != 1 else ''} under master key {current}")


@providers_app.command("new-master-key")
def new_key() -> None:
    """Print a fresh master key (base64 of 32 random bytes) for `CRAFTOLOGY_GENAI__MASTER_KEY`."""
    typer.echo(new_master_key())
