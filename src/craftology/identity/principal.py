"""The principal every service method receives: who is asking, for which tenant, with what rights.

A principal is established once per request (session cookie, API token, or a system process) and
handed to the services, which ask the policy port whether it may act. The tenant here is the
caller's; the tenant of the resource it names may differ (a B2B grant), and only the policy decides
whether that is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Built-in roles, most powerful first. Tenants may define custom roles beside these."""

    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


class Scope(StrEnum):
    """What an API token may be used for; a signed-in session carries every scope."""

    READ = "read"
    WRITE = "write"
    GENERATE = "generate"
    ADMIN = "admin"


ALL_SCOPES = frozenset(Scope)


class Via(StrEnum):
    """How the principal proved who it is."""

    SESSION = "session"
    TOKEN = "token"  # noqa: S105 -- the name of a credential kind, not a secret
    SYSTEM = "system"  # a worker, schedule or CLI acting on the operator's behalf


@dataclass(frozen=True)
class Principal:
    tenant: str
    user_id: str
    roles: frozenset[str]
    scopes: frozenset[Scope] = ALL_SCOPES
    via: Via = Via.TOKEN
    credential_id: str = ""  # the session or token id, for audit and revocation
    attributes: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.scopes


def system_principal(tenant: str) -> Principal:
    """The platform itself acting for a tenant (workers, schedules, the operator's CLI)."""
    return Principal(
        tenant=tenant,
        user_id="system",
        roles=frozenset({Role.OWNER}),
        via=Via.SYSTEM,
    )
