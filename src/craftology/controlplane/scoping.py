"""Helpers every tenant-owned repository shares."""

from __future__ import annotations

from sqlalchemy import Connection, select

from craftology.controlplane.schema import tenants
from craftology.errors import NotFound


def require_tenant(conn: Connection, tenant: str) -> None:
    """NotFound unless the tenant exists (checked inside the caller's transaction)."""
    if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant)).first() is None:
        raise NotFound(f"tenant {tenant} not found")
