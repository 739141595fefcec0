"""`craftology models` as an operator runs it, on the configured control-plane database.

In-process (typer's runner): starting the CLI costs seconds, and these are two dozen commands. The
platform tests run it as a real process next to a running `craftology up`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from craftology.cli import app

SDXL = ["sdxl", "1.0", "--kind", "keyframe", "--backend", "diffusers", "--template-version", "2"]
SDXL_PRICE = ["--cost", "4", "--unit", "image", "--params", '{"steps": 30}']


@pytest.fixture
def models_cli(tmp_path: Path, db_url: str) -> Any:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CRAFTOLOGY_")}
    env["CRAFTOLOGY_DATABASE__URL"] = db_url
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, ["models", *args, "--data-dir", str(tmp_path / "data")], env=env)

    return run


def _ok(done: Result) -> str:
    assert done.exit_code == 0, (done.stderr, done.exception)
    return done.stdout


def _error(done: Result) -> str:
    assert done.exit_code == 2, (done.stdout, done.stderr, done.exception)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _listing(models_cli: Any) -> dict[str, Any]:
    listing: dict[str, Any] = json.loads(_ok(models_cli("list", "--json")))
    return listing


def test_list_register_and_set_default(models_cli: Any) -> None:
    table = _ok(models_cli("list")).splitlines()
    assert table[0].split() == ["KIND", "MODEL", "VERSION", "BACKEND", "TEMPLATE", "COST", "PARAMS"]
    assert table[3].split() == [
        "*",
        "clip",
        "preview-clip",
        "1.0",
        "preview",
        "1",
        "2/second",
        '{"codec":',
        '"h264"}',
    ]

    assert _ok(models_cli("register", *SDXL, *SDXL_PRICE)).splitlines() == [
        "sdxl 1.0 registered",
        "keyframe is served by preview-keyframe 1.0",
    ]
    assert _ok(models_cli("register", *SDXL, *SDXL_PRICE)).startswith("sdxl 1.0 already registered")
    assert _ok(models_cli("set-default", "keyframe", "sdxl")) == "keyframe is served by sdxl 1.0\n"

    listing = _listing(models_cli)
    assert listing["current"]["keyframe"] == {"id": "sdxl", "version": "1.0"}
    sdxl = next(m for m in listing["items"] if m["id"] == "sdxl")
    assert sdxl == {
        "id": "sdxl", "version": "1.0", "kind": "keyframe", "backend": "diffusers", "template_version": "2",
        "params": {"steps": 30}, "cost_per_unit": 4.0, "unit": "image", "current": True,
    }  # fmt: skip
    upgrade = ["sdxl", "1.1", *SDXL[2:], *SDXL_PRICE]
    assert _ok(models_cli("register", *upgrade)).splitlines()[-1] == "keyframe is served by sdxl 1.1"
    starred = [line.split()[2:4] for line in _ok(models_cli("list")).splitlines() if line.startswith("*")]
    assert ["sdxl", "1.1"] in starred
    assert ["sdxl", "1.0"] not in starred


def test_errors_are_one_line_and_change_nothing(models_cli: Any) -> None:
    _ok(models_cli("register", *SDXL, *SDXL_PRICE))
    before = _listing(models_cli)
    changed = _error(models_cli("register", *SDXL, "--cost", "5", "--unit", "image"))
    assert "registered already with other params, cost_per_unit" in changed
    as_clip = ["sdxl", "2.0", "--kind", "clip", "--backend", "d", "--template-version", "1"]
    assert "is a keyframe model" in _error(
        models_cli("register", *as_clip, "--cost", "1", "--unit", "second")
    )
    bad_version = ["sdxl", "1.0 beta", *SDXL[2:], *SDXL_PRICE]
    assert "invalid version" in _error(models_cli("register", *bad_version))
    bad_kind = ["m", "1", "--kind", "video", "--backend", "d", "--template-version", "1", "--cost", "1"]
    assert "unknown kind 'video'" in _error(models_cli("register", *bad_kind, "--unit", "second"))
    new = ["m", "1", "--kind", "clip", "--backend", "d", "--template-version", "1", "--unit", "second"]
    assert "--cost must be a number" in _error(models_cli("register", *new, "--cost", "cheap"))
    assert "finite" in _error(models_cli("register", *new, "--cost", "inf"))
    assert "not valid JSON" in _error(models_cli("register", *new, "--cost", "1", "--params", "{steps"))
    assert "JSON object" in _error(models_cli("register", *new, "--cost", "1", "--params", "[1]"))
    assert _error(models_cli("set-default", "clip", "nope")) == "error: no model nope registered"
    assert "cannot serve clip" in _error(models_cli("set-default", "clip", "sdxl"))
    assert "unknown kind" in _error(models_cli("set-default", "video", "sdxl"))
    assert _listing(models_cli) == before
