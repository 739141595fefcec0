from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import Engine, select

from craftology.controlplane.schema import users
from craftology.errors import BadInput, Forbidden, Unauthenticated
from craftology.identity.accounts.passwords import Passwords
from craftology.identity.accounts.service import AccountsService
from tests.identity.accounts.conftest import cheap_passwords


def stored_hash(engine: Engine, email: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(users.c.password_hash).where(users.c.email == email)).scalar_one()  # type: ignore[no-any-return]


def test_default_parameters_hash_with_argon2id() -> None:
    passwords = Passwords()
    stored = passwords.hash("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse batterY")
    assert not passwords.verify("not a hash", "correct horse battery")


def test_sign_in_returns_the_user_and_memberships(accounts: AccountsService, engine: Engine) -> None:
    user = accounts.create_user("Mia@Example.COM", "Mia", "s3cret-enough")
    assert user.email == "mia@example.com"
    assert user.has_password
    stored = stored_hash(engine, "mia@example.com")
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "s3cret" not in stored
    signed_in = accounts.sign_in("  MIA@example.com", "s3cret-enough")
    assert signed_in.user == user
    assert signed_in.memberships == []


def test_wrong_password_unknown_user_and_no_password_fail_alike(accounts: AccountsService) -> None:
    accounts.create_user("mia@example.com", "Mia", "s3cret-enough")
    accounts.create_user("nopass@example.com", "No Password")
    failures = []
    for email, password in (
        ("mia@example.com", "wrong-password"),
        ("nobody@example.com", "s3cret-enough"),
        ("nopass@example.com", ""),
        ("not an email", "s3cret-enough"),
    ):
        with pytest.raises(Unauthenticated) as caught:
            accounts.sign_in(email, password)
        failures.append(caught.value.detail)
    assert set(failures) == {"wrong email or password"}


def test_unknown_users_cost_a_verification_too() -> None:
    """Timing must not tell which accounts exist: an unknown user still verifies a (dummy) hash."""
    verified: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append(str(hash))
            return super().verify(hash, password)

    passwords = Passwords(Counting(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))
    assert not passwords.verify(None, "whatever")
    assert len(verified) == 1
    assert verified[0].startswith("$argon2id$")


def test_disabled_users_cannot_sign_in(accounts: AccountsService) -> None:
    user = accounts.create_user("mia@example.com", "Mia", "s3cret-enough")
    accounts.set_disabled(user.id, True)
    with pytest.raises(Unauthenticated):
        accounts.sign_in("mia@example.com", "s3cret-enough")
    accounts.set_disabled(user.id, False)
    assert accounts.sign_in("mia@example.com", "s3cret-enough").user.id == user.id


def test_change_password_needs_the_old_one(accounts: AccountsService) -> None:
    user = accounts.create_user("mia@example.com", "Mia", "first-password")
    with pytest.raises(Forbidden):
        accounts.change_password(user.id, "not-the-old-one", "second-password")
    with pytest.raises(BadInput):
        accounts.change_password(user.id, "first-password", "short")
    accounts.change_password(user.id, "first-password", "second-password")
    with pytest.raises(Unauthenticated):
        accounts.sign_in("mia@example.com", "first-password")
    assert accounts.sign_in("mia@example.com", "second-password").user.id == user.id


def test_sign_in_rehashes_when_parameters_changed(engine: Engine, accounts: AccountsService) -> None:
    accounts.create_user("mia@example.com", "Mia", "s3cret-enough")
    old = stored_hash(engine, "mia@example.com")
    assert old is not None
    assert "m=1024,t=1,p=1" in old
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1, type=Type.ID))
    AccountsService(engine, stronger).sign_in("mia@example.com", "s3cret-enough")
    new = stored_hash(engine, "mia@example.com")
    assert new is not None
    assert "m=2048,t=2,p=1" in new
    assert AccountsService(engine, stronger).sign_in("mia@example.com", "s3cret-enough")


def test_emails_are_unique_regardless_of_case_and_validated(accounts: AccountsService) -> None:
    from craftology.errors import Conflict

    accounts.create_user("mia@example.com")
    with pytest.raises(Conflict):
        accounts.create_user("MIA@example.com")
    for bad in (
        "",
        "mia",
        "mia@",
        "@example.com",
        "mia@example",
        "a b@example.com",
        "x@" + "y" * 320 + ".com",
    ):
        with pytest.raises(BadInput):
            accounts.create_user(bad, "x")
    with pytest.raises(BadInput):
        accounts.create_user("ok@example.com", "x", "short")
    assert [u.email for u in accounts.list_users()] == ["mia@example.com"]  # nothing half-written


def test_cheap_test_parameters_still_use_argon2id() -> None:
    assert cheap_passwords().hash("s3cret-enough").startswith("$argon2id$")
