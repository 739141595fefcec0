"""The default global policies, decided by Cedar with no store: roles, scopes, isolation, grants, models."""

from __future__ import annotations

import cedarpy
import pytest

from craftology.identity.principal import Principal, Role, Scope, Via, system_principal
from craftology.policy.evaluate import GrantRef, compile_sets, decide
from craftology.policy.vocabulary import ACTION_GROUPS, ACTIONS, default_policies
from craftology.ports.policy import Decision, Resource
from tests.policy.conftest import member

POLICIES = compile_sets(default_policies(), "")
PROJECT = Resource("Project", "p1", "acme", owner="someone")

# What each built-in role may do with its own tenant's project and tenant, by action group.
ROLE_GROUPS = {
    Role.OWNER: {Scope.READ, Scope.WRITE, Scope.GENERATE, Scope.ADMIN},
    Role.ADMIN: {Scope.READ, Scope.WRITE, Scope.GENERATE, Scope.ADMIN},
    Role.EDITOR: {Scope.READ, Scope.WRITE, Scope.GENERATE},
    Role.VIEWER: {Scope.READ},
}
# One representative action per group with a resource it applies to.
SAMPLES = {
    Scope.READ: ("read_project", PROJECT),
    Scope.WRITE: ("update_project", PROJECT),
    Scope.GENERATE: ("start_run", PROJECT),
    Scope.ADMIN: ("manage_members", Resource("Tenant", "acme", "acme")),
}


def _decide(
    principal: Principal, action: str, resource: Resource, grant: GrantRef | None = None, now: int = 0
) -> Decision:
    return decide(POLICIES, "test", principal, action, resource, grant, now)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("group", list(Scope))
def test_role_matrix(role: Role, group: Scope) -> None:
    action, resource = SAMPLES[group]
    decision = _decide(member(role), action, resource)
    assert decision.allowed is (group in ROLE_GROUPS[role])
    assert decision.errors == ()
    if decision.allowed:
        assert decision.policy_ids == (f"role-{role.value}",)


def test_only_the_owner_transfers_ownership() -> None:
    tenant = Resource("Tenant", "acme", "acme")
    assert _decide(member(Role.OWNER), "transfer_ownership", tenant).allowed
    assert not _decide(member(Role.ADMIN), "transfer_ownership", tenant).allowed
    assert _decide(member(Role.ADMIN), "manage_policies", Resource("PolicySet", "acme", "acme")).allowed


@pytest.mark.parametrize("scope", list(Scope))
@pytest.mark.parametrize("group", list(Scope))
def test_token_scopes_limit_an_owner(scope: Scope, group: Scope) -> None:
    action, resource = SAMPLES[group]
    token = member(Role.OWNER, scopes=frozenset({scope}))
    decision = _decide(token, action, resource)
    assert decision.allowed is (scope == group)
    if not decision.allowed:
        assert decision.policy_ids == (f"scope-{group.value}",)


def test_a_member_without_a_role_gets_nothing() -> None:
    nobody = Principal("acme", "u", frozenset())
    assert not _decide(nobody, "read_project", PROJECT).allowed


@pytest.mark.parametrize("role", list(Role))
def test_another_tenants_resource_is_refused_by_isolation(role: Role) -> None:
    decision = _decide(member(role, tenant="globex"), "read_project", PROJECT)
    assert not decision.allowed
    assert decision.policy_ids == ("tenant-isolation",)


def test_a_grant_allows_read_only_and_only_until_it_expires() -> None:
    grant = GrantRef(
        "g1", grantor="acme", grantee="globex", resource_type="Project", resource_id="p1", expires_at=100
    )
    reader = member(Role.VIEWER, tenant="globex")
    assert _decide(reader, "read_project", PROJECT, grant, now=99).policy_ids == ("b2b-grant-read",)
    assert _decide(reader, "read_project", PROJECT, grant, now=99).allowed
    assert not _decide(member(Role.OWNER, tenant="globex"), "update_project", PROJECT, grant, now=99).allowed
    expired = _decide(reader, "read_project", PROJECT, grant, now=100)
    assert (expired.allowed, expired.policy_ids) == (False, ("tenant-isolation",))


def test_a_project_grant_covers_what_is_inside_it_and_nothing_else() -> None:
    grant = GrantRef("g1", "acme", "globex", "Project", "p1", expires_at=100)
    reader = member(Role.VIEWER, tenant="globex")
    card = Resource("Card", "c1", "acme", attributes={"project": "p1"})
    assert _decide(reader, "read_card", card, grant, now=1).allowed
    other = GrantRef("g2", "acme", "globex", "Project", "p2", expires_at=100)
    assert not _decide(reader, "read_project", PROJECT, other, now=1).allowed


def test_a_grant_to_another_tenant_does_not_count() -> None:
    grant = GrantRef("g1", "acme", "initech", "Project", "p1", expires_at=100)
    assert not _decide(member(Role.VIEWER, tenant="globex"), "read_project", PROJECT, grant, now=1).allowed


def test_model_use_follows_the_models_roles() -> None:
    strict = Resource("Model", "sdxl", "", attributes={"min_role": "editor"})
    assert _decide(member(Role.EDITOR), "use_model", strict).allowed
    assert _decide(member(Role.OWNER), "use_model", strict).allowed
    assert not _decide(member(Role.VIEWER), "use_model", strict).allowed
    assert _decide(member(Role.VIEWER), "read_model", strict).allowed
    listed = Resource("Model", "sdxl", "", attributes={"allowed_roles": "reviewer"})
    assert _decide(Principal("acme", "u", frozenset({"reviewer"})), "use_model", listed).allowed
    assert not _decide(member(Role.OWNER), "use_model", listed).allowed
    open_model = Resource("Model", "preview-clip", "")
    assert _decide(member(Role.VIEWER), "use_model", open_model).allowed
    assert not _decide(member(Role.VIEWER, scopes=frozenset({Scope.READ})), "use_model", open_model).allowed


def test_only_the_operator_changes_the_model_registry() -> None:
    model = Resource("Model", "sdxl", "")
    assert not _decide(member(Role.OWNER), "manage_models", model).allowed
    assert _decide(system_principal("acme"), "manage_models", model).allowed
    assert system_principal("acme").via is Via.SYSTEM


def test_no_tenant_set_can_let_its_members_manage_the_model_registry() -> None:
    generous = compile_sets(
        default_policies(),
        '@id("acme-owners-models") permit (principal, action == Craftology::Action::"manage_models",'
        ' resource) when { principal.roles.contains("owner") };',
    )
    model = Resource("Model", "preview-clip", "")
    denied = decide(generous, "test", member(Role.OWNER), "manage_models", model, None, 0)
    assert (denied.allowed, denied.policy_ids) == (False, ("models-manage-operator-only",))
    assert decide(generous, "test", system_principal("acme"), "manage_models", model, None, 0).allowed


def test_requests_the_schema_does_not_allow_are_denied_with_errors() -> None:
    for action, resource in (
        ("fly", PROJECT),
        ("read_project", Resource("Spaceship", "x", "acme")),
        ("manage_members", PROJECT),  # does not apply to a project
    ):
        decision = _decide(member(Role.OWNER), action, resource)
        assert not decision.allowed
        assert decision.errors


@pytest.mark.parametrize("group", list(Scope))
def test_action_groups_match_the_schema(group: Scope) -> None:
    """ACTION_GROUPS (what the code says a scope covers) against the schema's `in [group]`."""
    only_group = cedarpy.PolicySet.from_str(
        f'@id("g") permit (principal, action in Craftology::Action::"{group.value}", resource);'
    )
    in_group: set[str] = set()
    for action in ACTIONS:
        for resource_type in ("Project", "Tenant", "Model", "Run", "Card", "Shot", "Asset", "Target"):
            resource = Resource(resource_type, "x", "acme")
            decision = decide(only_group, "t", member(Role.OWNER), action, resource)
            if decision.allowed:
                in_group.add(action)
    assert in_group == set(ACTION_GROUPS[group])
