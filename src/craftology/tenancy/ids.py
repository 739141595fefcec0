"""Tenant ids: short slugs that are safe as directory names, bucket prefixes and URL segments."""

from __future__ import annotations

import re
import secrets
import unicodedata

from craftology.errors import BadInput

TENANT_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_SUFFIX_LENGTH = 6  # hex digits of randomness: enough to make two tenants named alike distinct
_MAX_SLUG = 64 - 1 - _SUFFIX_LENGTH


def validate_tenant_id(tenant_id: str) -> str:
    if not TENANT_ID_PATTERN.fullmatch(tenant_id):
        raise BadInput(f"invalid tenant id {tenant_id!r}: expected {TENANT_ID_PATTERN.pattern}")
    return tenant_id


def slugify(name: str) -> str:
    """Lower-case ASCII slug of a display name ("Acme Films GmbH" -> "acme-films-gmbh")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:_MAX_SLUG].rstrip("-")


def new_tenant_id(name: str) -> str:
    """A fresh id from the name plus a random suffix; names without usable letters get "tenant"."""
    slug = slugify(name) or "tenant"
    return validate_tenant_id(f"{slug}-{secrets.token_hex(_SUFFIX_LENGTH // 2)}")
