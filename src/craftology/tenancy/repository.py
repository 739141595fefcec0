"""Queries on tenants (their API tokens are in craftology.identity.accounts.token_repository)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from craftology.controlplane.schema import policy_sets, tenants
from craftology.controlplane.types import utc_now
from craftology.errors import Conflict, NotFound


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    created_at: datetime


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
    # Tokens, memberships, roles, invitations, grants, projects and runs go with it (ON DELETE
    # CASCADE). Its policy set is keyed by the tenant id without a foreign key (the global set shares
    # the table), so it is deleted here, its versions with it; a tenant made later with the same id
    # starts with no policies of its own.
    if conn.execute(delete(tenants).where(tenants.c.id == tenant_id)).rowcount == 0:
        raise NotFound(f"tenant {tenant_id} not found")
    conn.execute(delete(policy_sets).where(policy_sets.c.scope == tenant_id))
