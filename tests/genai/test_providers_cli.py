"""`craftology providers` as an operator runs it, on the configured control-plane database (in-process,
with typer's runner, like tests/policy/test_policies_cli.py)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from craftology.cli import app
from craftology.config import Settings
from craftology.controlplane.db import connect
from craftology.genai.keys.master import keyring
from craftology.genai.keys.service import ProviderKeys

KEY = "sk-cli-secret-key-0123456789-wxyz"
K1 = base64.b64encode(b"1" * 32).decode()
K2 = base64.b64encode(b"2" * 32).decode()
Run = Callable[..., Result]


@pytest.fixture
def env(db_url: str) -> dict[str, str | None]:
    variables: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CRAFTOLOGY_")}
    variables["CRAFTOLOGY_DATABASE__URL"] = db_url
    if not db_url.startswith("sqlite"):
        variables["CRAFTOLOGY_GENAI__MASTER_KEY"] = K1
        variables["CRAFTOLOGY_GENAI__MASTER_KEY_ID"] = "k1"
    return variables


@pytest.fixture
def cli(tmp_path: Path, control: Engine, env: dict[str, str | None]) -> Run:
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None, **extra_env: str) -> Result:
        return runner.invoke(
            app,
            ["providers", *args, "--data-dir", str(tmp_path / "data")],
            env={**env, **extra_env},
            input=stdin,
        )

    return run


def ok(done: Result) -> str:
    assert done.exit_code == 0, (done.stdout, done.stderr, done.exception)
    assert KEY not in done.stdout + done.stderr
    return done.stdout


def error(done: Result) -> str:
    assert done.exit_code == 2, (done.stdout, done.stderr, done.exception)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_set_list_and_remove(cli: Run) -> None:
    assert ok(cli("set", "acme", "openai", "--model", "gpt-4o-mini", stdin=KEY + "\n")) == (
        "acme openai: sk-...wxyz for gpt-4o-mini at https://api.openai.com/v1\n"
    )
    ok(cli("set", "globex", "local", "--model", "llama", "--base-url", "http://10.0.0.5:8000/v1", stdin=KEY))
    table = ok(cli("list")).splitlines()
    assert table[0].split() == [
        "TENANT",
        "PROVIDER",
        "MODEL",
        "BASE",
        "URL",
        "KEY",
        "MASTER",
        "KEY",
        "UPDATED",
    ]
    assert table[1].split()[:5] == [
        "acme",
        "openai",
        "gpt-4o-mini",
        "https://api.openai.com/v1",
        "sk-...wxyz",
    ]
    (only,) = json.loads(ok(cli("list", "--tenant", "globex", "--json")))
    assert (only["tenant"], only["provider"], only["key_hint"], only["updated_by"]) == (
        "globex", "local", "sk-...wxyz", "cli",
    )  # fmt: skip
    assert ok(cli("remove", "globex", "local")) == "globex local: removed\n"
    assert json.loads(ok(cli("list", "--tenant", "globex", "--json"))) == []
    assert error(cli("remove", "globex", "local")) == "error: no local key stored for tenant globex"


def test_bad_input_is_one_line_and_stores_nothing(cli: Run) -> None:
    assert error(cli("set", "nope", "openai", "--model", "m", stdin=KEY)) == "error: tenant nope not found"
    assert "base_url is required for provider 'mistral'" in error(
        cli("set", "acme", "mistral", "--model", "m", stdin=KEY)
    )
    assert "not an http(s) URL" in error(
        cli("set", "acme", "x", "--model", "m", "--base-url", "h:1", stdin=KEY)
    )
    spaced = error(cli("set", "acme", "openai", "--model", "m", stdin="sk with spaces"))
    assert spaced == "error: api_key: Value error, an API key is printable ASCII without spaces"
    assert "lower-case" in error(cli("set", "acme", "Open AI", "--model", "m", stdin=KEY))
    assert json.loads(ok(cli("list", "--json"))) == []


def test_rotation_to_a_new_master_key(cli: Run, tmp_path: Path, env: dict[str, str | None]) -> None:
    ok(cli("set", "acme", "openai", "--model", "gpt-4o-mini", stdin=KEY))
    (before,) = json.loads(ok(cli("list", "--json")))
    old_id = before["master_key_id"]
    retired = json.dumps({"k1": K1})  # harmless when the first key was the generated one (SQLite)
    rotated = {"CRAFTOLOGY_GENAI__MASTER_KEY": K2, "CRAFTOLOGY_GENAI__MASTER_KEY_ID": "k2",
               "CRAFTOLOGY_GENAI__RETIRED_MASTER_KEYS": retired}  # fmt: skip
    assert ok(cli("rotate", **rotated)) == "resealed 1 key under master key k2\n"
    assert ok(cli("rotate", **rotated)) == "resealed 0 keys under master key k2\n"
    (after,) = json.loads(ok(cli("list", "--json", **rotated)))
    assert (old_id, after["master_key_id"]) != (after["master_key_id"], after["master_key_id"])
    assert after["master_key_id"] == "k2"
    # Only the new key left configured: the resealed key opens.
    (tmp_path / "data" / "master.key").unlink(missing_ok=True)
    settings = Settings(
        data_dir=tmp_path / "data",
        database={"url": env["CRAFTOLOGY_DATABASE__URL"]},
        genai={"master_key": K2, "master_key_id": "k2"},
    )
    engine = connect(settings.database_url)
    try:
        endpoint = ProviderKeys(engine, lambda: keyring(settings)).endpoint("acme", "openai")
        assert endpoint.api_key.get_secret_value() == KEY
    finally:
        engine.dispose()


def test_a_shared_control_plane_without_a_master_key_is_refused(cli: Run, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite generates its master key")
    refused = error(cli("set", "acme", "openai", "--model", "m", stdin=KEY, CRAFTOLOGY_GENAI__MASTER_KEY=""))
    assert "set CRAFTOLOGY_GENAI__MASTER_KEY" in refused


def test_new_master_key() -> None:
    printed = ok(CliRunner().invoke(app, ["providers", "new-master-key"])).strip()
    assert len(base64.b64decode(printed, validate=True)) == 32
