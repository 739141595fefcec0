from __future__ import annotations

import pytest

from craftology.errors import BadInput, Conflict, Forbidden, NotFound
from craftology.identity.accounts.api_tokens import ApiTokenService
from craftology.identity.accounts.service import AccountsService
from craftology.identity.principal import Role, Scope
from craftology.tenancy.service import CreatedTenant, TenancyService


def test_create_tenant_makes_the_owner_and_its_token(acme: CreatedTenant, accounts: AccountsService,
                                                     tenancy: TenancyService) -> None:  # fmt: skip
    assert acme.owner.email == "boss@acme.test"
    assert [(m.user.id, m.role) for m in accounts.members("acme")] == [(acme.owner.id, "owner")]
    principal = tenancy.authenticate_token(acme.token)
    assert principal.user_id == acme.owner.id
    assert principal.roles == {"owner"}
    assert principal.scopes == frozenset(Scope)
    assert principal.credential_id == acme.token_id
    assert tenancy.authenticate(acme.token) == "acme"


def test_placeholder_owner_without_an_email(tenancy: TenancyService, accounts: AccountsService) -> None:
    created = tenancy.create_tenant("Globex", tenant_id="globex")
    assert created.owner.email == "owner@globex.invalid"
    assert not created.owner.has_password


def test_last_owner_cannot_be_removed_or_demoted(acme: CreatedTenant, accounts: AccountsService) -> None:
    owner = acme.owner.id
    with pytest.raises(Conflict):
        accounts.set_role("acme", owner, Role.ADMIN)
    with pytest.raises(Conflict):
        accounts.remove_member("acme", owner)
    second = accounts.create_user("second@acme.test")
    accounts.add_member("acme", second.id, Role.OWNER)
    accounts.set_role("acme", owner, Role.VIEWER)  # now allowed: another owner remains
    with pytest.raises(Conflict):
        accounts.remove_member("acme", second.id)
    assert {(m.user.email, m.role) for m in accounts.members("acme")} == {
        ("boss@acme.test", "viewer"),
        ("second@acme.test", "owner"),
    }


def test_membership_changes_are_checked(acme: CreatedTenant, accounts: AccountsService) -> None:
    mia = accounts.create_user("mia@acme.test")
    with pytest.raises(BadInput):
        accounts.add_member("acme", mia.id, "wizard")
    with pytest.raises(NotFound):
        accounts.add_member("nope", mia.id, Role.EDITOR)
    with pytest.raises(NotFound):
        accounts.add_member("acme", "usr-unknown", Role.EDITOR)
    accounts.add_member("acme", mia.id, Role.EDITOR)
    with pytest.raises(Conflict):
        accounts.add_member("acme", mia.id, Role.VIEWER)
    with pytest.raises(NotFound):
        accounts.set_role("acme", "usr-unknown", Role.VIEWER)
    assert accounts.member("acme", mia.id).role == "editor"


def test_custom_roles_grant_their_scopes(acme: CreatedTenant, accounts: AccountsService,
                                         tokens: ApiTokenService) -> None:  # fmt: skip
    role = accounts.define_role("acme", "reviewer", ["read", "generate"])
    assert role.scopes == {Scope.READ, Scope.GENERATE}
    for bad_name, scopes in (("owner", ["read"]), ("Bad Name", ["read"]), ("ok", ["fly"]), ("ok", [])):
        with pytest.raises(BadInput):
            accounts.define_role("acme", bad_name, scopes)
    mia = accounts.create_user("mia@acme.test")
    accounts.add_member("acme", mia.id, "reviewer")
    created = tokens.create("acme", mia.id, "ci", [Scope.READ, Scope.WRITE, Scope.GENERATE])
    principal = tokens.authenticate_token(created.secret)
    assert principal.roles == {"reviewer"}
    assert principal.scopes == {Scope.READ, Scope.GENERATE}
    with pytest.raises(Conflict):
        accounts.delete_role("acme", "reviewer")  # held by mia
    accounts.define_role("acme", "reviewer", ["read"])  # changed: applies at once
    assert tokens.authenticate_token(created.secret).scopes == {Scope.READ}
    assert [r.name for r in accounts.custom_roles("acme")] == ["reviewer"]


def test_principals_need_admin_and_owners_manage_owners(acme: CreatedTenant, accounts: AccountsService,
                                                        tokens: ApiTokenService) -> None:  # fmt: skip
    admin = accounts.create_user("admin@acme.test")
    editor = accounts.create_user("editor@acme.test")
    accounts.add_member("acme", admin.id, Role.ADMIN)
    accounts.add_member("acme", editor.id, Role.EDITOR)
    as_admin = tokens.authenticate_token(tokens.create("acme", admin.id, "a", list(Scope)).secret)
    as_editor = tokens.authenticate_token(tokens.create("acme", editor.id, "e", list(Scope)).secret)
    with pytest.raises(Forbidden):
        accounts.set_role("acme", admin.id, Role.VIEWER, by=as_editor)
    with pytest.raises(Forbidden):
        accounts.set_role("acme", editor.id, Role.OWNER, by=as_admin)  # only owners make owners
    with pytest.raises(Forbidden):
        accounts.remove_member("acme", acme.owner.id, by=as_admin)
    assert accounts.set_role("acme", editor.id, Role.VIEWER, by=as_admin).role == "viewer"
    accounts.remove_member("acme", editor.id, by=as_admin)
    assert {m.user.email for m in accounts.members("acme")} == {"boss@acme.test", "admin@acme.test"}


def test_deleting_a_tenant_drops_its_placeholder_owner(
    tenancy: TenancyService, accounts: AccountsService
) -> None:
    first = tenancy.create_tenant("Globex", tenant_id="globex")
    accounts.set_password(first.owner.id, "pw-of-the-old-owner")
    tenancy.delete_tenant("globex")
    again = tenancy.create_tenant("Globex again", tenant_id="globex")
    assert again.owner.id != first.owner.id
    assert not again.owner.has_password


def test_owners_demoted_at_once_keep_one(
    engine: object, tenancy: TenancyService, accounts: AccountsService
) -> None:
    """Two admins demoting the tenant's two owners at the same moment: one of them must be refused (the
    tenant row is locked while owners are counted)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    created = tenancy.create_tenant("Acme", tenant_id="acme")
    second = accounts.create_user("second@acme.test")
    accounts.add_member("acme", second.id, Role.OWNER)
    barrier = Barrier(2)

    def demote(user_id: str) -> str:
        barrier.wait()
        try:
            accounts.set_role("acme", user_id, Role.VIEWER)
        except Conflict:
            return "refused"
        return "demoted"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(demote, [created.owner.id, second.id]))
    assert outcomes == ["demoted", "refused"]
    assert [m.role for m in accounts.members("acme")].count("owner") == 1
