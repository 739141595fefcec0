"""From a validated ID token to who signed in: the tenant and roles, by a configurable mapping.

Keycloak can express tenants two ways: organizations (the `organization` claim, a list of aliases or
an object keyed by alias) or groups (`/tenants/<tenant>/<role>` in the `groups` claim, full paths).
Roles come from the tenant's subgroups or from realm roles with a prefix. A login must resolve to
exactly one tenant; anything else is refused with the reason, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from craftology.config import OidcSettings
from craftology.errors import Forbidden


@dataclass(frozen=True)
class VerifiedIdentity:
    """A person the provider vouched for, mapped onto Craftology's tenant and roles."""

    subject: str
    email: str | None
    name: str | None
    tenant: str
    roles: frozenset[str]
    sid: str | None  # the provider's session id: back-channel logout names it
    id_token: str  # kept for the id_token_hint of RP-initiated logout
    email_verified: bool = False  # link accounts by email only when the provider vouches for it


@dataclass(frozen=True)
class ClaimsMapping:
    tenant_from: Literal["groups", "organization"] = "groups"
    tenant_group_prefix: str = "/tenants/"
    roles_from: Literal["groups", "realm_roles"] = "groups"
    realm_role_prefix: str = "craftology-"

    @classmethod
    def from_settings(cls, settings: OidcSettings) -> ClaimsMapping:
        return cls(
            tenant_from=settings.tenant_from,
            tenant_group_prefix=settings.tenant_group_prefix,
            roles_from=settings.roles_from,
            realm_role_prefix=settings.realm_role_prefix,
        )

    def identity(self, claims: dict[str, Any], id_token: str) -> VerifiedIdentity:
        tenant = self._tenant(claims)
        roles = self._roles(claims, tenant)
        if not roles:
            raise Forbidden(f"your account has no role in tenant {tenant!r}; ask its administrator for one")
        return VerifiedIdentity(
            subject=str(claims["sub"]),
            email=_optional_text(claims.get("email")),
            name=_optional_text(claims.get("name")) or _optional_text(claims.get("preferred_username")),
            tenant=tenant,
            roles=roles,
            sid=_optional_text(claims.get("sid")),
            id_token=id_token,
            email_verified=claims.get("email_verified") is True,
        )

    def _tenant(self, claims: dict[str, Any]) -> str:
        if self.tenant_from == "organization":
            tenants = set(_organization_aliases(claims.get("organization")))
            source = "organization"
        else:
            tenants = {tenant for tenant, _role in self._tenant_groups(claims)}
            source = f"group under {self.tenant_group_prefix}"
        if not tenants:
            raise Forbidden(f"your account belongs to no tenant (no {source} in the token)")
        if len(tenants) > 1:
            names = ", ".join(sorted(tenants))
            raise Forbidden(f"your account belongs to several tenants ({names}); one per login is supported")
        return tenants.pop()

    def _roles(self, claims: dict[str, Any], tenant: str) -> frozenset[str]:
        if self.roles_from == "groups":
            return frozenset(role for t, role in self._tenant_groups(claims) if t == tenant and role)
        realm_access = claims.get("realm_access")
        names = _text_list(realm_access.get("roles") if isinstance(realm_access, dict) else None)
        prefix = self.realm_role_prefix
        return frozenset(n[len(prefix) :] for n in names if n.startswith(prefix) and len(n) > len(prefix))

    def _tenant_groups(self, claims: dict[str, Any]) -> list[tuple[str, str]]:
        """(tenant, role) for each group under the prefix; role is "" for the tenant's own group."""
        pairs = []
        for path in _text_list(claims.get("groups")):
            if not path.startswith(self.tenant_group_prefix):
                continue
            parts = path[len(self.tenant_group_prefix) :].strip("/").split("/")
            if parts[0]:
                pairs.append((parts[0], parts[1] if len(parts) > 1 else ""))
        return pairs


def _organization_aliases(claim: Any) -> list[str]:
    # Keycloak sends a list of aliases, or an object keyed by alias when organization ids or attributes
    # are added to the claim.
    if isinstance(claim, dict):
        return [alias for alias in claim if isinstance(alias, str) and alias]
    return [alias for alias in _text_list(claim) if alias]


def _text_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
