"""`craftology users ...`: accounts, memberships, invitations, passwords and API tokens, changed directly in
the control-plane database (as `craftology tenant` and `craftology models` do), so an operator needs no
running API. Passwords are prompted for (hidden), never taken from the command line."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

import typer

from craftology.cli.app import DataDir
from craftology.cli.control import control_plane
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput
from craftology.identity.accounts.api_tokens import ApiTokenService
from craftology.identity.accounts.service import DEFAULT_INVITATION_TTL, AccountsService
from craftology.identity.principal import Scope

users_app = typer.Typer(
    no_args_is_help=True, help="Users, tenant memberships and roles, invitations, API tokens."
)
tokens_app = typer.Typer(no_args_is_help=True, help="API tokens of a member: create, list, revoke.")
users_app.add_typer(tokens_app, name="tokens")

_DURATION = re.compile(r"^(\d{1,6})([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}

Tenant = Annotated[str, typer.Argument(metavar="TENANT", help="Tenant id.")]
Email = Annotated[str, typer.Argument(metavar="EMAIL", help="The user's email address.")]


@dataclass
class _Services:
    accounts: AccountsService
    tokens: ApiTokenService


@contextmanager
def _services(data_dir: DataDir) -> Iterator[_Services]:
    with control_plane(data_dir) as engine:
        yield _Services(AccountsService(engine), ApiTokenService(engine))


def parse_duration(value: str, what: str) -> timedelta:
    """`30m`, `12h` or `90d`."""
    match = _DURATION.fullmatch(value.strip())
    if match is None or int(match.group(1)) == 0:
        raise BadInput(f"{what} must be a positive duration like 30m, 12h or 90d, not {value!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_expiry(value: str) -> datetime:
    """A duration from now (`90d`) or an ISO 8601 time with a time zone."""
    if _DURATION.fullmatch(value.strip()):
        return utc_now() + parse_duration(value, "--expires")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"--expires must be a duration like 90d or an ISO time, not {value!r}") from None
    if moment.tzinfo is None:
        raise BadInput("--expires needs a time zone (e.g. 2027-01-01T00:00:00+00:00)")
    return moment


def parse_scope_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _prompt_password() -> str:
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "-"


@users_app.command("create")
def create(
    email: Email,
    name: Annotated[str | None, typer.Option(help="Display name (default: the part before @).")] = None,
    password: Annotated[bool, typer.Option("--password", help="Prompt for a password (hidden).")] = False,
    data_dir: DataDir = None,
) -> None:
    """Create a user. Without --password it cannot sign in until one is set (set-password)."""
    secret = _prompt_password() if password else None
    with _services(data_dir) as s:
        user = s.accounts.create_user(email, name, secret)
    typer.echo(f"user {user.id} {user.email}")


@users_app.command("list")
def list_users(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's members, with their roles.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Every user, or a tenant's members with their roles."""
    rows = [("ID", "EMAIL", "NAME", "ROLE" if tenant else "TENANTS", "STATE")]
    with _services(data_dir) as s:
        if tenant is not None:
            for member in s.accounts.members(tenant):
                user = member.user
                rows.append(
                    (
                        user.id,
                        user.email,
                        user.display_name,
                        member.role,
                        _state(user.disabled, user.has_password),
                    )
                )
        else:
            for user in s.accounts.list_users():
                tenants = ",".join(f"{m.tenant_id}:{m.role}" for m in s.accounts.memberships_of(user.id))
                state = _state(user.disabled, user.has_password)
                rows.append((user.id, user.email, user.display_name, tenants or "-", state))
    _table(rows)


def _state(disabled: bool, has_password: bool) -> str:
    return "disabled" if disabled else ("active" if has_password else "no password")


@users_app.command("add-member")
def add_member(
    tenant: Tenant,
    email: Email,
    role: Annotated[str, typer.Option(help="owner, admin, editor, viewer or one of the tenant's roles.")],
    data_dir: DataDir = None,
) -> None:
    """Make an existing user a member of a tenant."""
    with _services(data_dir) as s:
        member = s.accounts.add_member(tenant, s.accounts.user_by_email(email).id, role)
    typer.echo(f"{member.user.email} is {member.role} of {tenant}")


@users_app.command("set-role")
def set_role(
    tenant: Tenant,
    email: Email,
    role: Annotated[str, typer.Argument(help="owner, admin, editor, viewer or one of the tenant's roles.")],
    data_dir: DataDir = None,
) -> None:
    """Change a member's role (its tokens follow at once). The last owner cannot be demoted."""
    with _services(data_dir) as s:
        member = s.accounts.set_role(tenant, s.accounts.user_by_email(email).id, role)
    typer.echo(f"{member.user.email} is {member.role} of {tenant}")


@users_app.command("remove-member")
def remove_member(tenant: Tenant, email: Email, data_dir: DataDir = None) -> None:
    """Remove a member and revoke its tokens in the tenant. The last owner cannot be removed."""
    with _services(data_dir) as s:
        user = s.accounts.user_by_email(email)
        s.accounts.remove_member(tenant, user.id)
    typer.echo(f"{user.email} is no longer a member of {tenant}")


@users_app.command("define-role")
def define_role(
    tenant: Tenant,
    name: Annotated[str, typer.Argument(help="The custom role's name, e.g. reviewer.")],
    scopes: Annotated[str, typer.Option(help="What it grants, comma-separated: read,write,generate,admin.")],
    data_dir: DataDir = None,
) -> None:
    """Create or change a tenant's custom role."""
    with _services(data_dir) as s:
        role = s.accounts.define_role(tenant, name, parse_scope_list(scopes))
    typer.echo(f"role {role.name} of {tenant} grants {','.join(sorted(role.scopes))}")


@users_app.command("invite")
def invite(
    tenant: Tenant,
    email: Email,
    role: Annotated[str, typer.Option(help="The role the invitee gets.")],
    expires_in: Annotated[str, typer.Option(help="How long it stays valid: 30m, 12h, 7d.")] = (
        f"{DEFAULT_INVITATION_TTL.days}d"
    ),
    data_dir: DataDir = None,
) -> None:
    """Invite an email address to a tenant; prints the invitation token once (only its hash is kept)."""
    with _services(data_dir) as s:
        created = s.accounts.invite(tenant, email, role, ttl=parse_duration(expires_in, "--expires-in"))
    invitation = created.invitation
    typer.echo(
        f"invitation {invitation.id} for {invitation.email} as {invitation.role}, "
        f"until {_when(invitation.expires_at)}"
    )
    typer.echo(f"token  {created.secret}")


@users_app.command("set-password")
def set_password(email: Email, data_dir: DataDir = None) -> None:
    """Set a user's password (prompted, hidden), without the old one: the operator's reset."""
    password = _prompt_password()
    with _services(data_dir) as s:
        user = s.accounts.user_by_email(email)
        s.accounts.set_password(user.id, password)
    typer.echo(f"password of {user.email} set")


@users_app.command("disable")
def disable(
    email: Email,
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again instead.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Disable an account: it cannot sign in and its tokens are refused from the next request on."""
    with _services(data_dir) as s:
        user = s.accounts.set_disabled(s.accounts.user_by_email(email).id, not enable)
    typer.echo(f"{user.email} is {'disabled' if user.disabled else 'enabled'}")


@tokens_app.command("create")
def create_token(
    tenant: Tenant,
    email: Email,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. ci.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated: read,write,generate,admin.")] = ",".join(
        s.value for s in Scope
    ),
    expires: Annotated[str | None, typer.Option(help="90d, 12h, or an ISO time with a zone.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an API token of a member; prints the secret once. Its rights are its scopes within the
    member's current role."""
    with _services(data_dir) as s:
        user = s.accounts.user_by_email(email)
        expires_at = parse_expiry(expires) if expires is not None else None
        created = s.tokens.create(tenant, user.id, name, parse_scope_list(scopes), expires_at)
    token = created.token
    scopes_granted = ",".join(sorted(token.scopes))
    typer.echo(
        f"token {token.id} of {user.email} in {tenant}: {scopes_granted}, expires {_when(token.expires_at)}"
    )
    typer.echo(f"secret {created.secret}")


@tokens_app.command("list")
def list_tokens(
    tenant: Tenant,
    email: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
    data_dir: DataDir = None,
) -> None:
    """A tenant's tokens (never their secrets), revoked and expired ones included."""
    with _services(data_dir) as s:
        user_id = s.accounts.user_by_email(email).id if email is not None else None
        listed = s.tokens.list(tenant, user_id)
    rows = [("ID", "NAME", "USER", "SCOPES", "EXPIRES", "REVOKED", "LAST USED")]
    for t in listed:
        rows.append((t.id, t.name, t.user_id, ",".join(sorted(t.scopes)), _when(t.expires_at),
                     _when(t.revoked_at), _when(t.last_used_at)))  # fmt: skip
    _table(rows)


@tokens_app.command("revoke")
def revoke_token(
    tenant: Tenant,
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID", help="The token's id (tok-...).")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a token; it is refused from the next request on."""
    with _services(data_dir) as s:
        token = s.tokens.revoke(tenant, token_id)
    typer.echo(f"token {token.id} revoked at {_when(token.revoked_at)}")
