"""Queries on api_tokens. All but the lookup by secret are tenant-scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from craftology.controlplane.schema import api_tokens, memberships, users
from craftology.errors import NotFound
from craftology.identity.accounts.records import ApiToken, new_id
from craftology.identity.accounts.roles import scope_names
from craftology.identity.principal import Scope
from craftology.tenancy.tokens import hash_token


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        name=row.name,
        scopes=frozenset(Scope(s) for s in row.scopes),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def insert_token(
    conn: Connection,
    tenant_id: str,
    user_id: str,
    name: str,
    secret: str,
    scopes: frozenset[Scope],
    now: datetime,
    expires_at: datetime | None = None,
) -> ApiToken:
    token = ApiToken(
        id=new_id("tok"), tenant_id=tenant_id, user_id=user_id, name=name, scopes=scopes,
        created_at=now, expires_at=expires_at,
    )  # fmt: skip
    values = {**token.__dict__, "scopes": scope_names(scopes), "token_hash": hash_token(secret)}
    conn.execute(insert(api_tokens).values(**values))
    return token


def list_tokens(conn: Connection, tenant_id: str, user_id: str | None = None) -> list[ApiToken]:
    query = select(api_tokens).where(api_tokens.c.tenant_id == tenant_id)
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return [_token(row) for row in conn.execute(query.order_by(api_tokens.c.created_at, api_tokens.c.id))]


def get_token(conn: Connection, tenant_id: str, token_id: str) -> ApiToken:
    query = select(api_tokens).where(api_tokens.c.tenant_id == tenant_id, api_tokens.c.id == token_id)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"token {token_id} not found")
    return _token(row)


def revoke_token(conn: Connection, tenant_id: str, token_id: str, now: datetime) -> ApiToken:
    token = get_token(conn, tenant_id, token_id)
    if token.revoked_at is None:  # keep the first revocation time when revoked twice
        scope = (api_tokens.c.tenant_id == tenant_id, api_tokens.c.id == token_id)
        conn.execute(update(api_tokens).where(*scope).values(revoked_at=now))
        token = get_token(conn, tenant_id, token_id)
    return token


def revoke_user_tokens(conn: Connection, tenant_id: str, user_id: str, now: datetime) -> None:
    scope = (api_tokens.c.tenant_id == tenant_id, api_tokens.c.user_id == user_id)
    conn.execute(update(api_tokens).where(*scope, api_tokens.c.revoked_at.is_(None)).values(revoked_at=now))


def touch(conn: Connection, token_id: str, now: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))


@dataclass(frozen=True)
class TokenGrant:
    """An unrevoked token found by its secret, with its user's current role in the token's tenant
    (None when the user is no longer a member) and whether the user is disabled."""

    token: ApiToken
    role: str | None
    user_disabled: bool


def grant_of_secret(conn: Connection, secret: str) -> TokenGrant | None:
    """One query: the token, its user's state and current membership, read together so a role change
    or a removal applies to the very next request."""
    role = (
        select(memberships.c.role)
        .where(
            memberships.c.tenant_id == api_tokens.c.tenant_id, memberships.c.user_id == api_tokens.c.user_id
        )
        .scalar_subquery()
    )
    query = (
        select(api_tokens, users.c.disabled, role.label("member_role"))
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == hash_token(secret), api_tokens.c.revoked_at.is_(None))
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return TokenGrant(token=_token(row), role=row.member_role, user_disabled=bool(row.disabled))
