"""Users signed in by the OIDC provider: linked by subject, created on first login, their membership's
role written at each login; the refusals that keep the provider from taking accounts or tenants over.
The OIDC routes test the same through Keycloak; these cover the cases Keycloak's test realm cannot."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine

from craftology.adapters.sessions.controlplane import ControlPlaneSessionStore
from craftology.errors import Conflict, Forbidden
from craftology.identity.accounts.oidc_users import OidcUsers
from craftology.identity.accounts.service import AccountsService
from craftology.identity.oidc import LogoutTarget, VerifiedIdentity
from craftology.identity.oidc.wiring import session_ender
from craftology.ports.sessions import NewSession, SessionPolicy
from craftology.tenancy.service import CreatedTenant, TenancyService

ISSUER = "https://sso.example.test/realms/craftology"
MIA = VerifiedIdentity(
    subject="sub-mia", email="Mia@Acme.test", name="Mia", tenant="acme", roles=frozenset({"editor"}),
    sid="sid-1", id_token="x.y.z", email_verified=True,
)  # fmt: skip


@pytest.fixture
def users(engine: Engine) -> OidcUsers:
    return OidcUsers(engine, ISSUER)


def test_first_login_creates_then_the_subject_finds_the_same_user(
    engine: Engine, users: OidcUsers, acme: CreatedTenant
) -> None:
    first = users.sign_in(MIA)
    assert (first.created, first.tenant, first.role, first.user.email) == (
        True,
        "acme",
        "editor",
        "mia@acme.test",
    )
    # The email changed at the provider: the subject still names the same person.
    again = users.sign_in(dataclasses.replace(MIA, email="mia.new@acme.test"))
    assert (again.created, again.user.id) == (False, first.user.id)
    assert users.user_of_subject("sub-mia") == first.user.id
    assert OidcUsers(engine, "https://other.test").user_of_subject("sub-mia") is None


def test_an_unverified_email_of_an_existing_account_is_not_linked(
    users: OidcUsers, accounts: AccountsService, acme: CreatedTenant
) -> None:
    accounts.create_user("mia@acme.test", password="mia-password-1")
    with pytest.raises(Forbidden, match="not verified"):
        users.sign_in(dataclasses.replace(MIA, email_verified=False))
    linked = users.sign_in(MIA)
    assert linked.user.id == accounts.user_by_email("mia@acme.test").id
    with pytest.raises(Forbidden, match="linked to another account"):
        users.sign_in(dataclasses.replace(MIA, subject="sub-impostor"))


def test_roles_follow_the_provider_but_a_tenant_keeps_an_owner(
    users: OidcUsers, accounts: AccountsService, acme: CreatedTenant
) -> None:
    mia = users.sign_in(dataclasses.replace(MIA, roles=frozenset({"owner", "viewer"}))).user
    assert accounts.member("acme", mia.id).role == "owner"
    assert users.sign_in(MIA).role == "editor"
    # Mia the only owner left: a demotion by the provider is refused with the reason, nothing written.
    users.sign_in(dataclasses.replace(MIA, roles=frozenset({"owner"})))
    accounts.set_role("acme", acme.owner.id, "viewer")
    with pytest.raises(Conflict, match="last owner"):
        users.sign_in(MIA)
    assert accounts.member("acme", mia.id).role == "owner"


def test_custom_roles_unknown_roles_tenants_and_disabled_accounts(
    users: OidcUsers, accounts: AccountsService, acme: CreatedTenant
) -> None:
    accounts.define_role("acme", "reviewer", ["read"])
    accounts.define_role("acme", "producer", ["read", "write", "generate"])
    chosen = users.sign_in(dataclasses.replace(MIA, roles=frozenset({"reviewer", "producer", "pilot"})))
    assert chosen.role == "producer"  # the tenant's role that grants the most
    with pytest.raises(Forbidden, match="pilot"):
        users.sign_in(dataclasses.replace(MIA, roles=frozenset({"pilot"})))
    with pytest.raises(Forbidden, match="does not exist in Craftology"):
        users.sign_in(dataclasses.replace(MIA, subject="sub-new", email="new@x.test", tenant="initech"))
    assert "new@x.test" not in {u.email for u in accounts.list_users()}
    accounts.set_disabled(chosen.user.id, True)
    with pytest.raises(Forbidden, match="disabled"):
        users.sign_in(MIA)


def test_backchannel_logout_by_sid_or_by_subject(
    engine: Engine, users: OidcUsers, tenancy: TenancyService, acme: CreatedTenant
) -> None:
    tenancy.create_tenant("Globex", tenant_id="globex")
    mia = users.sign_in(MIA).user
    users.sign_in(dataclasses.replace(MIA, tenant="globex", roles=frozenset({"viewer"}), sid="sid-2"))
    store = ControlPlaneSessionStore(engine, SessionPolicy())
    in_acme = store.create(
        NewSession("acme", mia.id, frozenset({"editor"}), oidc_sid="sid-1", oidc_sub="sub-mia")
    )
    in_acme_too = store.create(
        NewSession("acme", mia.id, frozenset({"editor"}), oidc_sid="sid-3", oidc_sub="sub-mia")
    )
    in_globex = store.create(
        NewSession("globex", mia.id, frozenset({"viewer"}), oidc_sid="sid-2", oidc_sub="sub-mia")
    )
    end = session_ender(store, users)

    end(LogoutTarget(sid="sid-1", subject="sub-mia"))  # the provider session named: only its sessions
    assert [store.get(s.id) is None for s in (in_acme, in_acme_too, in_globex)] == [True, False, False]
    end(LogoutTarget(sid=None, subject="sub-stranger"))  # nobody here: nothing ends
    assert store.get(in_globex.id) is not None
    end(LogoutTarget(sid=None, subject="sub-mia"))  # only the person named: all of theirs, every tenant
    assert [store.get(s.id) is None for s in (in_acme_too, in_globex)] == [True, True]
