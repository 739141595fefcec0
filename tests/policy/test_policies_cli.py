"""`craftology policies` as an operator runs it, on the configured control-plane database (in-process,
with typer's runner, like tests/registry/test_models_cli.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from craftology.cli import app
from craftology.policy.center import PolicyCenter
from tests.policy.test_center import REVIEWERS

Run = Callable[..., Result]
REVIEW = ["test", "--tenant", "acme", "--action", "accept_target", "--resource", "Target/shot/s1/clip"]


@pytest.fixture
def cli(tmp_path: Path, db_url: str, control: Engine) -> Run:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CRAFTOLOGY_")}
    env["CRAFTOLOGY_DATABASE__URL"] = db_url
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(
            app, ["policies", *args, "--data-dir", str(tmp_path / "data")], env=env, input=stdin
        )

    return run


def _ok(done: Result) -> str:
    assert done.exit_code == 0, (done.stdout, done.stderr, done.exception)
    return done.stdout


def _error(done: Result) -> str:
    assert done.exit_code == 2, (done.stdout, done.stderr, done.exception)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_set_test_list_show_and_roll_back(cli: Run, tmp_path: Path, control: Engine) -> None:
    denied = cli(*REVIEW, "--role", "reviewer")
    assert denied.exit_code == 1
    assert denied.stdout.startswith("denied: no policy permits it")
    (tmp_path / "acme.cedar").write_text(REVIEWERS)
    assert _ok(
        cli("set", str(tmp_path / "acme.cedar"), "--tenant", "acme", "--note", "reviewers")
    ).strip() == ("acme version 1 active")
    assert _ok(cli(*REVIEW, "--role", "reviewer")).startswith(
        "allowed by acme-reviewers-accept (global@0+acme@1)"
    )
    versions = json.loads(_ok(cli("list", "--tenant", "acme", "--json")))
    assert [(v["version"], v["active"], v["note"]) for v in versions] == [
        (0, False, "built in"),
        (1, True, "reviewers"),
    ]
    assert "reviewers" in _ok(cli("list", "--tenant", "acme"))
    assert _ok(cli("show", "--tenant", "acme")) == REVIEWERS
    assert "tenant-isolation" in _ok(cli("show"))  # the global set: the built-in defaults
    assert _ok(cli("rollback", "0", "--tenant", "acme")).startswith("acme version 2 active")
    assert cli(*REVIEW, "--role", "reviewer").exit_code == 1
    assert PolicyCenter(control).show("acme").version == 2


def test_set_reads_stdin_and_can_stage(cli: Run, control: Engine) -> None:
    assert "stored, not active" in _ok(cli("set", "-", "--tenant", "acme", "--no-activate", stdin=REVIEWERS))
    assert PolicyCenter(control).show("acme").version == 0


def test_scopes_and_candidates(cli: Run, tmp_path: Path) -> None:
    denied = cli("test", "--tenant", "acme", "--action", "update_project", "--resource", "Project/p1",
                 "--role", "editor", "--scope", "read")  # fmt: skip
    assert (denied.exit_code, denied.stdout.split(" (")[0]) == (1, "denied by scope-write")
    (tmp_path / "try.cedar").write_text(REVIEWERS)
    tried = _ok(cli(*REVIEW, "--role", "reviewer", "--policies", str(tmp_path / "try.cedar")))
    assert "global@0+acme@candidate" in tried
    model = [
        "--action",
        "use_model",
        "--resource",
        "Model/sdxl",
        "--resource-tenant",
        "",
        "--attr",
        "min_role=editor",
    ]
    assert cli("test", "--tenant", "acme", "--role", "viewer", *model).exit_code == 1
    assert _ok(cli("test", "--tenant", "acme", "--role", "editor", *model)).startswith(
        "allowed by models-use"
    )


def test_bad_input_is_one_line_and_exit_2(cli: Run, tmp_path: Path, control: Engine) -> None:
    (tmp_path / "bad.cedar").write_text("permit (principal, action, resource")
    assert "invalid policies" in _error(cli("set", str(tmp_path / "bad.cedar"), "--tenant", "acme"))
    assert "no tenant" in _error(cli("set", str(tmp_path / "bad.cedar"), "--tenant", "nobody"))
    assert "cannot read" in _error(cli("set", str(tmp_path / "missing.cedar")))
    assert "no version 4" in _error(cli("show", "--version", "4"))
    assert "no version 4" in _error(cli("rollback", "4", "--tenant", "acme"))
    assert "KEY=VALUE" in _error(cli(*REVIEW, "--attr", "oops"))
    assert "scopes" in _error(cli(*REVIEW, "--scope", "everything"))
    assert PolicyCenter(control).versions("acme")[-1].version == 0
