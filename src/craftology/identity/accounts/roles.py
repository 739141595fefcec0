"""Roles: the built-in ones and a tenant's custom roles, and the scopes each grants.

A membership names a role; the policy layer reads that name. The scopes a role grants bound what any
credential of its members can do: an API token's effective scopes are its own within its user's
current role, so a role change applies to every token at once."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from craftology.errors import BadInput
from craftology.identity.principal import ALL_SCOPES, Role, Scope

ROLE_SCOPES: dict[str, frozenset[Scope]] = {
    Role.OWNER: ALL_SCOPES,
    Role.ADMIN: ALL_SCOPES,
    Role.EDITOR: frozenset({Scope.READ, Scope.WRITE, Scope.GENERATE}),
    Role.VIEWER: frozenset({Scope.READ}),
}
ROLE_NAME = r"^[a-z][a-z0-9_-]{0,31}$"
_ROLE_NAME = re.compile(ROLE_NAME)


@dataclass(frozen=True)
class CustomRole:
    """A tenant's own role: a name beside the built-in ones, and the scopes (action groups) it grants."""

    tenant_id: str
    name: str
    scopes: frozenset[Scope]
    created_at: datetime


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.fullmatch(name):
        raise BadInput(f"invalid role name {name!r}: expected {ROLE_NAME}")
    return name


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    """Scopes from their names; BadInput naming the unknown ones, or for none at all."""
    names = list(values)
    unknown = sorted({v for v in names if v not in {s.value for s in Scope}})
    if unknown:
        raise BadInput(f"unknown scope {', '.join(unknown)} (one of: {', '.join(s.value for s in Scope)})")
    if not names:
        raise BadInput("at least one scope is needed")
    return frozenset(Scope(v) for v in names)


def scope_names(scopes: Iterable[Scope]) -> list[str]:
    return sorted(s.value for s in scopes)
