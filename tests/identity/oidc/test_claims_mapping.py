"""Mapping a provider's claims onto one tenant and its roles, both ways Keycloak can express tenants."""

from __future__ import annotations

from typing import Any

import pytest

from craftology.errors import Forbidden
from craftology.identity.oidc import ClaimsMapping

BASE = {"sub": "user-1", "email": "a@acme.test", "name": "A", "sid": "s-1"}


def identity(mapping: ClaimsMapping, **claims: Any) -> tuple[str, frozenset[str]]:
    mapped = mapping.identity(BASE | claims, "token")
    return mapped.tenant, mapped.roles


def test_groups_give_tenant_and_roles() -> None:
    groups = ["/tenants/acme/editor", "/tenants/acme/viewer", "/tenants/acme", "/staff/cooks"]
    assert identity(ClaimsMapping(), groups=groups) == ("acme", frozenset({"editor", "viewer"}))


def test_a_configured_group_prefix() -> None:
    mapping = ClaimsMapping(tenant_group_prefix="/orgs/")
    assert identity(mapping, groups=["/orgs/globex/owner", "/tenants/acme/owner"]) == (
        "globex",
        frozenset({"owner"}),
    )


@pytest.mark.parametrize(
    "claim", [["acme"], {"acme": {"id": "0b1c"}}], ids=["list of aliases", "object keyed by alias"]
)
def test_organization_claim_with_realm_roles(claim: Any) -> None:
    mapping = ClaimsMapping(tenant_from="organization", roles_from="realm_roles")
    realm_access = {"roles": ["craftology-admin", "offline_access", "default-roles-x", "craftology-"]}
    assert identity(mapping, organization=claim, realm_access=realm_access) == ("acme", frozenset({"admin"}))


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({}, "no tenant"),
        ({"groups": ["/staff/cooks"]}, "no tenant"),
        ({"groups": "not-a-list-of-paths"}, "no tenant"),
        ({"groups": ["/tenants/acme/editor", "/tenants/globex/viewer"]}, "several tenants"),
        ({"groups": ["/tenants/acme"]}, "no role"),
    ],
)
def test_refusals_say_why(claims: dict[str, Any], reason: str) -> None:
    with pytest.raises(Forbidden, match=reason):
        identity(ClaimsMapping(), **claims)


def test_organization_mode_refuses_several_organizations() -> None:
    mapping = ClaimsMapping(tenant_from="organization")
    with pytest.raises(Forbidden, match="several tenants"):
        identity(mapping, organization=["acme", "globex"], groups=["/tenants/acme/editor"])


def test_only_an_explicitly_verified_email_counts_as_verified() -> None:
    groups = {"groups": ["/tenants/acme/owner"]}
    assert ClaimsMapping().identity(BASE | groups | {"email_verified": True}, "t").email_verified
    assert not ClaimsMapping().identity(BASE | groups | {"email_verified": "true"}, "t").email_verified
    assert not ClaimsMapping().identity(BASE | groups, "t").email_verified


def test_identity_fields() -> None:
    mapped = ClaimsMapping().identity(BASE | {"groups": ["/tenants/acme/owner"]}, "the-token")
    assert (mapped.subject, mapped.email, mapped.name, mapped.sid, mapped.id_token) == (
        "user-1",
        "a@acme.test",
        "A",
        "s-1",
        "the-token",
    )
