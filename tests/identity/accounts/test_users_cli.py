"""`craftology users ...` as an operator runs it, in-process (typer's runner) on a data dir's SQLite
control plane; what the commands did is checked through the services on the same database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from craftology.cli import app
from craftology.controlplane.db import connect
from craftology.errors import Unauthenticated
from craftology.identity.accounts.api_tokens import ApiTokenService
from craftology.identity.accounts.service import AccountsService
from craftology.identity.principal import Scope


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CRAFTOLOGY_")}
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, [*args, "--data-dir", str(tmp_path / "data")], env=env, input=input)

    return run


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = connect(f"sqlite:///{tmp_path / 'data' / 'control.db'}")
    yield made
    made.dispose()


def ok(done: Result) -> str:
    assert done.exit_code == 0, (done.stdout, done.stderr, done.exception)
    return done.stdout


def error(done: Result) -> str:
    assert done.exit_code == 2, (done.stdout, done.stderr, done.exception)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_members_roles_tokens_and_invitations(cli: Any, engine: Engine) -> None:
    tenant = ok(cli("tenant", "Acme")).split()[1]
    members = ok(cli("users", "list", "--tenant", tenant)).splitlines()
    assert members[0].split()[:4] == ["ID", "EMAIL", "NAME", "ROLE"]
    assert f"owner@{tenant}.invalid" in members[1]
    assert "owner" in members[1]
    assert "no password" in members[1]

    ok(
        cli(
            "users",
            "create",
            "Mia@Example.com",
            "--name",
            "Mia",
            "--password",
            input="pw-123456\npw-123456\n",
        )
    )
    ok(cli("users", "add-member", tenant, "mia@example.com", "--role", "admin"))
    assert "viewer" in ok(cli("users", "set-role", tenant, "mia@example.com", "viewer"))
    assert "at least one owner" in error(
        cli("users", "set-role", tenant, f"owner@{tenant}.invalid", "viewer")
    )
    accounts, tokens = AccountsService(engine), ApiTokenService(engine)
    assert accounts.sign_in("mia@example.com", "pw-123456").memberships[0].role == "viewer"

    out = ok(cli("users", "tokens", "create", tenant, "mia@example.com", "--name", "ci",
                 "--scopes", "read,write", "--expires", "30d")).splitlines()  # fmt: skip
    secret = out[1].split()[1]
    principal = tokens.authenticate_token(secret)
    assert principal.scopes == {Scope.READ}  # write is cut by the viewer role
    listing = ok(cli("users", "tokens", "list", tenant, "--email", "mia@example.com"))
    assert principal.credential_id in listing
    assert secret not in listing
    ok(cli("users", "disable", "mia@example.com"))
    with pytest.raises(Unauthenticated):
        tokens.authenticate_token(secret)
    ok(cli("users", "disable", "mia@example.com", "--enable"))
    assert tokens.authenticate_token(secret).user_id == principal.user_id
    ok(cli("users", "tokens", "revoke", tenant, principal.credential_id))
    with pytest.raises(Unauthenticated):
        tokens.authenticate_token(secret)

    ok(cli("users", "define-role", tenant, "reviewer", "--scopes", "read,generate"))
    invited = ok(
        cli("users", "invite", tenant, "new@example.com", "--role", "reviewer", "--expires-in", "2h")
    )
    member = accounts.accept_invitation(invited.splitlines()[1].split()[1], password="pw-abcdefg")
    assert member.role == "reviewer"

    ok(cli("users", "set-password", "mia@example.com", input="pw-654321\npw-654321\n"))
    assert accounts.sign_in("mia@example.com", "pw-654321")
    ok(cli("users", "remove-member", tenant, "mia@example.com"))
    everyone = ok(cli("users", "list"))
    assert f"{tenant}:reviewer" in everyone
    assert "mia@example.com" in everyone


def test_bad_input_is_one_line_and_exit_2(cli: Any) -> None:
    tenant = ok(cli("tenant", "Acme")).split()[1]
    ok(cli("users", "create", "mia@example.com"))
    owner = f"owner@{tenant}.invalid"
    for args in (
        ("users", "create", "mia@EXAMPLE.com"),
        ("users", "create", "not-an-email"),
        ("users", "add-member", tenant, "mia@example.com", "--role", "wizard"),
        ("users", "add-member", "no-such-tenant", "mia@example.com", "--role", "viewer"),
        ("users", "add-member", tenant, "nobody@example.com", "--role", "viewer"),
        ("users", "remove-member", tenant, owner),
        ("users", "invite", tenant, "x@example.com", "--role", "viewer", "--expires-in", "0d"),
        ("users", "invite", tenant, "x@example.com", "--role", "viewer", "--expires-in", "soon"),
        ("users", "tokens", "create", tenant, owner, "--name", "ci", "--scopes", "fly"),
        ("users", "tokens", "create", tenant, owner, "--name", "ci", "--expires", "tomorrow"),
        (
            "users",
            "tokens",
            "create",
            tenant,
            owner,
            "--name",
            "ci",
            "--expires",
            "2020-01-01T00:00:00+00:00",
        ),
        ("users", "tokens", "create", tenant, "mia@example.com", "--name", "ci"),  # not a member
        ("users", "tokens", "revoke", tenant, "tok-nope"),
        ("users", "define-role", tenant, "owner", "--scopes", "read"),
    ):
        error(cli(*args))
    assert "password must be" in error(cli("users", "set-password", owner, input="short\nshort\n"))
    listing = ok(cli("users", "tokens", "list", tenant)).splitlines()
    assert len(listing) == 2  # the header and the tenant's first token: nothing half-written
