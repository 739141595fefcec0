"""Queries on tenants and api_tokens. Token queries other than authentication are tenant-scoped."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from craftology.controlplane.schema import api_tokens, tenants
from craftology.controlplane.types import utc_now
from craftology.errors import Conflict, NotFound
from craftology.tenancy.tokens import hash_token


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class ApiToken:
    """A token's record. The secret itself is never stored; see CreatedToken."""

    id: str
    tenant_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


def _token(row: Row[Any]) -> ApiToken:
    values = dict(row._mapping)
    values.pop("token_hash")
    return ApiToken(**values)


def insert_tenant(conn: Connection, tenant_id: str, name: str) -> Tenant:
    if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is not None:
        raise Conflict(f"tenant {tenant_id} already exists")
    tenant = Tenant(id=tenant_id, name=name, created_at=utc_now())
    conn.execute(insert(tenants).values(**tenant.__dict__))
    return tenant


def get_tenant(conn: Connection, tenant_id: str) -> Tenant:
    row = conn.execute(select(tenants).where(tenants.c.id == tenant_id)).first()
    if row is None:
        raise NotFound(f"tenant {tenant_id} not found")
    return Tenant(**row._mapping)


def list_tenants(conn: Connection) -> list[Tenant]:
    return [Tenant(**row._mapping) for row in conn.execute(select(tenants).order_by(tenants.c.id))]


def delete_tenant(conn: Connection, tenant_id: str) -> None:
    # Tokens, memberships, projects and runs go with it (ON DELETE CASCADE).
    if conn.execute(delete(tenants).where(tenants.c.id == tenant_id)).rowcount == 0:
        raise NotFound(f"tenant {tenant_id} not found")


def insert_token(conn: Connection, tenant_id: str, name: str, secret: str) -> ApiToken:
    token = ApiToken(id=f"tok-{secrets.token_hex(8)}", tenant_id=tenant_id, name=name, created_at=utc_now())
    conn.execute(insert(api_tokens).values(**token.__dict__, token_hash=hash_token(secret)))
    return token


def list_tokens(conn: Connection, tenant_id: str) -> list[ApiToken]:
    query = select(api_tokens).where(api_tokens.c.tenant_id == tenant_id).order_by(api_tokens.c.created_at)
    return [_token(row) for row in conn.execute(query)]


def revoke_token(conn: Connection, tenant_id: str, token_id: str) -> ApiToken:
    scope = (api_tokens.c.tenant_id == tenant_id, api_tokens.c.id == token_id)
    row = conn.execute(select(api_tokens).where(*scope)).first()
    if row is None:
        raise NotFound(f"token {token_id} not found")
    if row.revoked_at is None:  # keep the first revocation time when revoked twice
        conn.execute(update(api_tokens).where(*scope).values(revoked_at=utc_now()))
        row = conn.execute(select(api_tokens).where(*scope)).one()
    return _token(row)


def tenant_of_token(conn: Connection, secret: str) -> str | None:
    """The tenant owning an unrevoked token with this secret, else None."""
    query = select(api_tokens.c.tenant_id).where(
        api_tokens.c.token_hash == hash_token(secret), api_tokens.c.revoked_at.is_(None)
    )
    return conn.execute(query).scalar_one_or_none()
