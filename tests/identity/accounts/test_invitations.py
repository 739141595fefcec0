from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from craftology.controlplane.schema import invitations
from craftology.errors import BadInput, Conflict, Forbidden, NotFound
from craftology.identity.accounts.service import AccountsService
from craftology.identity.principal import Role
from craftology.tenancy.service import CreatedTenant
from tests.identity.accounts.conftest import Clock


def test_invitation_creates_the_account_once(acme: CreatedTenant, accounts: AccountsService,
                                             engine: Engine) -> None:  # fmt: skip
    created = accounts.invite("acme", "New.Person@Example.com", Role.EDITOR)
    assert created.secret.startswith("cfi_")
    with engine.connect() as conn:
        rows = conn.execute(select(invitations)).all()
    assert len(rows) == 1
    assert created.secret not in str(tuple(rows[0]))
    member = accounts.accept_invitation(created.secret, password="s3cret-enough", display_name="New")
    assert (member.user.email, member.user.display_name, member.role) == (
        "new.person@example.com",
        "New",
        "editor",
    )
    assert accounts.sign_in("new.person@example.com", "s3cret-enough").memberships[0].role == "editor"
    with pytest.raises(Conflict, match="used already"):
        accounts.accept_invitation(created.secret, password="s3cret-enough")
    (listed,) = accounts.invitations("acme")
    assert listed.accepted_by == member.user.id


def test_an_existing_account_gets_the_membership(acme: CreatedTenant, accounts: AccountsService) -> None:
    mia = accounts.create_user("mia@example.com", "Mia", "s3cret-enough")
    created = accounts.invite("acme", "mia@example.com", Role.VIEWER)
    member = accounts.accept_invitation(created.secret)
    assert member.user.id == mia.id
    assert member.role == "viewer"
    with pytest.raises(Conflict):  # a member cannot be invited again
        accounts.invite("acme", "MIA@example.com", Role.ADMIN)


def test_expired_invitations_are_refused(
    acme: CreatedTenant, accounts: AccountsService, clock: Clock
) -> None:
    created = accounts.invite("acme", "late@example.com", Role.VIEWER, ttl=timedelta(hours=1))
    clock.advance(timedelta(minutes=59))
    still = accounts.invite("acme", "late2@example.com", Role.VIEWER, ttl=timedelta(hours=1))
    clock.advance(timedelta(minutes=1))
    with pytest.raises(Conflict, match="expired"):
        accounts.accept_invitation(created.secret, password="s3cret-enough")
    assert accounts.accept_invitation(still.secret, password="s3cret-enough").role == "viewer"
    assert {m.user.email for m in accounts.members("acme")} == {"boss@acme.test", "late2@example.com"}


def test_bad_invitations_and_acceptances(acme: CreatedTenant, accounts: AccountsService) -> None:
    with pytest.raises(BadInput):
        accounts.invite("acme", "x@example.com", "wizard")
    with pytest.raises(BadInput):
        accounts.invite("acme", "not-an-email", Role.VIEWER)
    with pytest.raises(BadInput):
        accounts.invite("acme", "x@example.com", Role.VIEWER, ttl=timedelta(days=365))
    with pytest.raises(NotFound):
        accounts.invite("nope", "x@example.com", Role.VIEWER)
    for unknown in ("", "cfi_nope", "cft_whatever"):
        with pytest.raises(NotFound):
            accounts.accept_invitation(unknown, password="s3cret-enough")
    created = accounts.invite("acme", "x@example.com", Role.VIEWER)
    with pytest.raises(BadInput):  # a new account needs a password
        accounts.accept_invitation(created.secret)
    with pytest.raises(BadInput):
        accounts.accept_invitation(created.secret, password="short")
    # Nothing was half-written: the invitation still works.
    assert accounts.accept_invitation(created.secret, password="s3cret-enough").role == "viewer"


def test_only_owners_invite_owners(acme: CreatedTenant, accounts: AccountsService) -> None:
    from craftology.identity.principal import Principal, Scope

    admin = Principal(tenant="acme", user_id="u", roles=frozenset({"admin"}), scopes=frozenset(Scope))
    viewer = Principal(
        tenant="acme", user_id="v", roles=frozenset({"viewer"}), scopes=frozenset({Scope.READ})
    )
    with pytest.raises(Forbidden):
        accounts.invite("acme", "x@example.com", Role.OWNER, by=admin)
    with pytest.raises(Forbidden):
        accounts.invite("acme", "x@example.com", Role.VIEWER, by=viewer)
    assert accounts.invite("acme", "x@example.com", Role.EDITOR, by=admin).invitation.invited_by == "u"
