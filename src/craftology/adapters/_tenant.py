"""Tenant ids become directory names in the embedded adapters: check them before building any path."""

from __future__ import annotations

import re

from craftology.errors import BadInput

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_tenant(tenant: str) -> str:
    """Return `tenant` unchanged if it is a valid tenant id; raise BadInput otherwise (no path traversal)."""
    if not isinstance(tenant, str) or not TENANT_ID.fullmatch(tenant):
        raise BadInput(f"invalid tenant id {tenant!r}", tenant=str(tenant))
    return tenant
