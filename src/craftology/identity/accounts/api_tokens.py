"""API tokens for machines and MCP clients: each acts for one user in one tenant, shown once, stored as
a sha256 (the secrets carry 256 random bits), scoped, optionally expiring, revocable.

A token's effective scopes are its own within what its user's current role grants, read on every
authentication: demoting or removing a member changes what its tokens can do at the next request."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from craftology.controlplane.db import write_transaction
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, Forbidden, Unauthenticated
from craftology.identity.accounts import repository as repo
from craftology.identity.accounts import token_repository as token_repo
from craftology.identity.accounts.records import ApiToken, CreatedToken
from craftology.identity.accounts.roles import parse_scopes
from craftology.identity.accounts.service import role_scopes
from craftology.identity.principal import Principal, Scope, Via
from craftology.tenancy.tokens import TOKEN_PREFIX, generate_token

MAX_NAME = 200
# last_used_at is a hint for people, not an audit log: written at most this often per token, so that
# authenticating stays a read.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise BadInput(f"token name must be 1..{MAX_NAME} characters")
    return name


class ApiTokenService:
    def __init__(self, engine: Engine, now: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._now = now

    def create(
        self,
        tenant_id: str,
        user_id: str,
        name: str,
        scopes: Iterable[str | Scope],
        expires_at: datetime | None = None,
        by: Principal | None = None,
    ) -> CreatedToken:
        """A token of a member; its secret is returned this once. A principal may only create tokens for
        itself and with scopes it has (a read token cannot mint an admin one)."""
        name = _check_name(name)
        wanted = parse_scopes(str(s) for s in scopes)
        now = self._now()
        if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
            raise BadInput("expires_at must be a future time with a time zone")
        if by is not None:
            if by.tenant != tenant_id or by.user_id != user_id:
                raise Forbidden("a token can only be created for yourself")
            if not wanted <= by.scopes:
                missing = ", ".join(sorted(wanted - by.scopes))
                raise Forbidden(f"you cannot grant scopes you do not have: {missing}")
        secret = generate_token()
        with write_transaction(self._engine) as conn:
            repo.require_membership(conn, tenant_id, user_id)
            token = token_repo.insert_token(conn, tenant_id, user_id, name, secret, wanted, now, expires_at)
        return CreatedToken(token=token, secret=secret)

    def list(self, tenant_id: str, user_id: str | None = None) -> list[ApiToken]:
        """The tenant's tokens (or one user's), oldest first, revoked and expired ones included."""
        with self._engine.connect() as conn:
            return token_repo.list_tokens(conn, tenant_id, user_id)

    def revoke(self, tenant_id: str, token_id: str, by: Principal | None = None) -> ApiToken:
        """Revoke a token (idempotent). Anyone may revoke their own; others' need the admin scope. Another
        tenant's token id is NotFound."""
        with write_transaction(self._engine) as conn:
            token = token_repo.get_token(conn, tenant_id, token_id)
            if by is not None and token.user_id != by.user_id and not by.has_scope(Scope.ADMIN):
                raise Forbidden("revoking another member's token needs the admin scope")
            return token_repo.revoke_token(conn, tenant_id, token_id, self._now())

    def authenticate_token(self, secret: str) -> Principal:
        """The principal a token acts as; Unauthenticated for an unknown, revoked or expired token, or one
        whose user is disabled or no longer a member."""
        if not secret.startswith(TOKEN_PREFIX):
            raise Unauthenticated("not a Craftology API token")
        now = self._now()
        with self._engine.connect() as conn:
            grant = token_repo.grant_of_secret(conn, secret)
            if grant is None:
                raise Unauthenticated("unknown or revoked API token")
            token = grant.token
            if token.expires_at is not None and token.expires_at <= now:
                raise Unauthenticated("this API token has expired")
            if grant.role is None or grant.user_disabled:
                raise Unauthenticated("this API token's user is no longer an active member")
            try:
                allowed = role_scopes(conn, token.tenant_id, grant.role)
            except BadInput:  # a custom role deleted under it: no rights rather than an error
                allowed = frozenset()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            with write_transaction(self._engine) as conn:
                token_repo.touch(conn, token.id, now)
        return Principal(
            tenant=token.tenant_id,
            user_id=token.user_id,
            roles=frozenset({grant.role}),
            scopes=token.scopes & allowed,
            via=Via.TOKEN,
            credential_id=token.id,
        )
