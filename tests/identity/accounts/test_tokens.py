from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from craftology.controlplane.schema import api_tokens
from craftology.errors import BadInput, Forbidden, NotFound, Unauthenticated
from craftology.identity.accounts.api_tokens import LAST_USED_RESOLUTION, ApiTokenService
from craftology.identity.accounts.service import AccountsService
from craftology.identity.principal import Role, Scope, Via
from craftology.tenancy.service import CreatedTenant, TenancyService
from tests.identity.accounts.conftest import Clock


@pytest.fixture
def mia(acme: CreatedTenant, accounts: AccountsService) -> str:
    user = accounts.create_user("mia@acme.test", "Mia")
    accounts.add_member("acme", user.id, Role.EDITOR)
    return user.id


def test_token_scopes_are_cut_to_the_role(mia: str, tokens: ApiTokenService, engine: Engine) -> None:
    created = tokens.create("acme", mia, "ci", ["read", "write", "admin"])
    with engine.connect() as conn:
        (row,) = conn.execute(select(api_tokens).where(api_tokens.c.id == created.token.id)).all()
    assert created.secret not in str(tuple(row))
    principal = tokens.authenticate_token(created.secret)
    assert principal.via == Via.TOKEN
    assert principal.credential_id == created.token.id
    assert (principal.tenant, principal.user_id, principal.roles) == ("acme", mia, {"editor"})
    assert principal.scopes == {Scope.READ, Scope.WRITE}  # admin: not an editor's


def test_role_changes_and_removal_apply_at_once(
    mia: str, tokens: ApiTokenService, accounts: AccountsService
) -> None:
    created = tokens.create("acme", mia, "ci", list(Scope))
    accounts.set_role("acme", mia, Role.VIEWER)
    assert tokens.authenticate_token(created.secret).scopes == {Scope.READ}
    accounts.set_role("acme", mia, Role.ADMIN)
    assert tokens.authenticate_token(created.secret).scopes == frozenset(Scope)
    accounts.set_disabled(mia, True)
    with pytest.raises(Unauthenticated):
        tokens.authenticate_token(created.secret)
    accounts.set_disabled(mia, False)
    accounts.remove_member("acme", mia)
    with pytest.raises(Unauthenticated):
        tokens.authenticate_token(created.secret)
    accounts.add_member("acme", mia, Role.ADMIN)  # back again: the old token stays revoked
    with pytest.raises(Unauthenticated):
        tokens.authenticate_token(created.secret)


def test_expired_and_revoked_tokens_are_refused(mia: str, tokens: ApiTokenService, clock: Clock) -> None:
    expiring = tokens.create("acme", mia, "short", ["read"], expires_at=clock.now + timedelta(hours=1))
    revoked = tokens.create("acme", mia, "gone", ["read"])
    assert tokens.authenticate_token(expiring.secret).scopes == {Scope.READ}
    first = tokens.revoke("acme", revoked.token.id)
    assert first.revoked_at == clock.now
    clock.advance(timedelta(hours=1))
    assert tokens.revoke("acme", revoked.token.id).revoked_at == first.revoked_at  # idempotent
    for secret in (expiring.secret, revoked.secret, "cft_unknown", "not-a-token", expiring.secret + "x"):
        with pytest.raises(Unauthenticated):
            tokens.authenticate_token(secret)


def test_bad_token_requests(acme: CreatedTenant, mia: str, tokens: ApiTokenService, clock: Clock,
                            tenancy: TenancyService) -> None:  # fmt: skip
    for name, scopes in (("", ["read"]), ("x" * 201, ["read"]), ("ci", []), ("ci", ["fly"])):
        with pytest.raises(BadInput):
            tokens.create("acme", mia, name, scopes)
    with pytest.raises(BadInput):
        tokens.create("acme", mia, "ci", ["read"], expires_at=clock.now)
    with pytest.raises(NotFound):
        tokens.create("acme", "usr-stranger", "ci", ["read"])
    tenancy.create_tenant("Globex", tenant_id="globex")
    with pytest.raises(NotFound):  # mia is no member of globex
        tokens.create("globex", mia, "ci", ["read"])
    with pytest.raises(NotFound):  # another tenant's token id
        tokens.revoke("globex", acme.token_id)
    assert [t.id for t in tokens.list("acme")] == [acme.token_id]  # nothing half-written


def test_principals_mint_only_their_own_scopes(
    mia: str, tokens: ApiTokenService, acme: CreatedTenant
) -> None:
    reader = tokens.authenticate_token(tokens.create("acme", mia, "r", ["read"]).secret)
    with pytest.raises(Forbidden):
        tokens.create("acme", mia, "w", ["write"], by=reader)
    with pytest.raises(Forbidden):
        tokens.create("acme", acme.owner.id, "r", ["read"], by=reader)
    with pytest.raises(Forbidden):  # another member's token needs admin
        tokens.revoke("acme", acme.token_id, by=reader)
    own = tokens.create("acme", mia, "r2", ["read"], by=reader)
    assert tokens.revoke("acme", own.token.id, by=reader).revoked_at is not None
    assert sorted(t.name for t in tokens.list("acme", mia)) == ["r", "r2"]


def test_last_used_is_recorded_coarsely(mia: str, tokens: ApiTokenService, clock: Clock) -> None:
    created = tokens.create("acme", mia, "ci", ["read"])
    tokens.authenticate_token(created.secret)
    first = clock.now
    clock.advance(LAST_USED_RESOLUTION / 2)
    tokens.authenticate_token(created.secret)
    assert tokens.list("acme", mia)[0].last_used_at == first
    clock.advance(LAST_USED_RESOLUTION)
    tokens.authenticate_token(created.secret)
    assert tokens.list("acme", mia)[0].last_used_at == clock.now


def test_tenancy_tokens_are_the_owners(acme: CreatedTenant, tenancy: TenancyService) -> None:
    extra = tenancy.create_token("acme", "ops")
    assert extra.token.user_id == acme.owner.id
    assert extra.token.scopes == frozenset(Scope)
    assert tenancy.authenticate(extra.secret) == "acme"
    tenancy.revoke_token("acme", extra.token.id)
    with pytest.raises(Unauthenticated):
        tenancy.authenticate(extra.secret)
