"""SessionStore contract: run against every backend in conftest.BACKENDS.

Time is a FakeClock shared by all instances of a backend; a second instance (its own engine or
connection pool) stands for a second API process.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from craftology.errors import BadInput
from craftology.identity.principal import Role, Scope, Via
from craftology.ports.sessions import NewSession, SessionPolicy, SessionStore, is_well_formed, session_key
from tests.contracts.gateway.conftest import Backend, new_user

POLICY = SessionPolicy(
    idle_timeout=timedelta(minutes=10),
    absolute_timeout=timedelta(hours=1),
    touch_interval=timedelta(minutes=1),
)


def login(store: SessionStore, user: str = "", tenant: str = "acme", sid: str | None = None) -> str:
    new = NewSession(tenant=tenant, user_id=user or new_user(), roles=frozenset({Role.EDITOR}), oidc_sid=sid)
    return store.create(new).id


def test_round_trip_keeps_every_field(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    new = NewSession(
        tenant="acme",
        user_id="u1",
        roles=frozenset({"editor", "reviewer"}),
        scopes=frozenset({Scope.READ, Scope.WRITE}),
        oidc_sid="kc-sid-1",
        oidc_sub="kc-sub-1",
        id_token="eyJhbGciOi.header.sig",
    )
    created = store.create(new)
    got = backend.sessions(POLICY).get(created.id)
    assert got == created
    assert got is not None
    assert (got.tenant, got.user_id, got.roles) == ("acme", "u1", frozenset({"editor", "reviewer"}))
    assert (got.scopes, got.via) == (frozenset({Scope.READ, Scope.WRITE}), Via.SESSION)
    assert (got.oidc_sid, got.oidc_sub, got.id_token) == ("kc-sid-1", "kc-sub-1", "eyJhbGciOi.header.sig")
    assert (got.created_at, got.last_seen) == (backend.clock.now, backend.clock.now)
    assert (got.idle_timeout, got.absolute_timeout) == (POLICY.idle_timeout, POLICY.absolute_timeout)
    principal = got.principal()
    assert (principal.tenant, principal.user_id, principal.via) == ("acme", "u1", Via.SESSION)
    assert principal.credential_id == session_key(created.id) != created.id


def test_every_create_issues_a_new_random_id(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    ids = {login(store, "same-user") for _ in range(20)}
    assert len(ids) == 20
    assert all(is_well_formed(i) and len(i) == 43 for i in ids)  # 32 random bytes, URL-safe base64


def test_only_a_hash_of_the_id_and_no_csrf_token_is_stored(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    session = store.create(NewSession(tenant="acme", user_id="u1", roles=frozenset({"viewer"})))
    stored = backend.dump()
    assert session_key(session.id) in stored
    assert session.id not in stored
    assert session.csrf_token not in stored


def test_csrf_token_is_per_session_and_stable(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    first, second = (
        store.create(NewSession("acme", "u1", frozenset())),
        store.create(NewSession("acme", "u1", frozenset())),
    )
    assert first.csrf_token != second.csrf_token
    assert len(first.csrf_token) == 64
    assert first.csrf_token != first.id
    again = backend.sessions(POLICY).get(first.id)
    assert again is not None
    assert again.csrf_token == first.csrf_token


def test_idle_timeout_slides_with_use(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    sid = login(store)
    for _ in range(5):  # 45 minutes of use, 9 minutes apart: never idle for 10
        backend.clock.advance(minutes=9)
        assert store.get(sid) is not None
    backend.clock.advance(minutes=10)
    assert store.get(sid) is None
    assert backend.sessions(POLICY).get(sid) is None


def test_touch_is_written_at_most_once_per_interval(backend: Backend) -> None:
    store, other = backend.sessions(POLICY), backend.sessions(POLICY)
    sid = login(store)
    start = backend.clock.now
    backend.clock.advance(seconds=30)
    seen = store.get(sid)
    assert seen is not None
    assert seen.last_seen == start
    backend.clock.advance(seconds=31)
    seen = store.get(sid)
    assert seen is not None
    assert seen.last_seen == backend.clock.now
    seen_elsewhere = other.get(sid)
    assert seen_elsewhere is not None
    assert seen_elsewhere.last_seen == backend.clock.now


def test_idle_timeout_counts_from_the_last_recorded_touch(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    sid = login(store)
    backend.clock.advance(seconds=30)
    assert store.get(sid) is not None  # not recorded: under the touch interval
    backend.clock.advance(minutes=9, seconds=30)
    assert store.get(sid) is None  # 10 minutes after the last recorded touch


def test_absolute_timeout_ends_even_a_busy_session(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    sid = login(store)
    for _ in range(11):  # 55 minutes, used every 5
        backend.clock.advance(minutes=5)
        assert store.get(sid) is not None
    backend.clock.advance(minutes=5)
    assert store.get(sid) is None


def test_per_session_timeouts_override_the_policy(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    new = NewSession("acme", "u1", frozenset(), absolute_timeout=timedelta(minutes=3))
    created = store.create(new)
    assert created.expires_at == backend.clock.now + timedelta(minutes=3)
    backend.clock.advance(minutes=2)
    assert store.get(created.id) is not None
    backend.clock.advance(minutes=1)
    assert store.get(created.id) is None


def test_revocation_is_seen_at_once_by_another_instance(backend: Backend) -> None:
    first, second = backend.sessions(POLICY), backend.sessions(POLICY)
    sid = login(first)
    assert second.get(sid) is not None
    assert second.revoke(sid) is True
    assert first.get(sid) is None
    assert second.revoke(sid) is False


def test_a_touch_after_revocation_does_not_bring_the_session_back(backend: Backend) -> None:
    first, second = backend.sessions(POLICY), backend.sessions(POLICY)
    sid = login(first)
    assert first.revoke(sid)
    backend.clock.advance(minutes=5)  # due for a touch
    assert second.get(sid) is None
    assert first.get(sid) is None


def test_revoke_user_ends_that_users_sessions_in_that_tenant_only(backend: Backend) -> None:
    first, second = backend.sessions(POLICY), backend.sessions(POLICY)
    mine = [login(first, "ann"), login(first, "ann", sid="kc-a")]
    other_tenant = login(first, "ann", tenant="globex")
    other_user = login(first, "bob")
    assert second.revoke_user("acme", "ann") == 2
    assert [first.get(s) for s in mine] == [None, None]
    assert first.get(other_tenant) is not None
    assert first.get(other_user) is not None
    assert second.revoke_user("acme", "ann") == 0
    assert first.revoke_by_oidc_sid("kc-a") == 0
    again = login(first, "ann")  # signing in again after a bulk revocation works
    assert second.get(again) is not None


def test_revoke_tenant_ends_every_session_in_that_tenant_only(backend: Backend) -> None:
    first, second = backend.sessions(POLICY), backend.sessions(POLICY)
    acme = [login(first, "ann"), login(first, "ann", sid="kc-a"), login(first, "bob")]
    # A tenant whose id starts like acme's, and one whose id is a glob pattern matching it.
    others = [login(first, "ann", tenant="acme-2"), login(first, "cy", tenant="globex")]
    assert second.revoke_tenant("acm?") == 0
    assert second.revoke_tenant("acme") == 3
    assert [first.get(s) for s in acme] == [None, None, None]
    assert all(first.get(s) is not None for s in others)
    assert second.revoke_tenant("acme") == 0
    assert first.revoke_by_oidc_sid("kc-a") == 0
    assert second.get(login(first, "ann")) is not None  # the tenant's id can be used again


def test_back_channel_logout_ends_the_sessions_of_one_oidc_session(backend: Backend) -> None:
    first, second = backend.sessions(POLICY), backend.sessions(POLICY)
    kc1 = [login(first, "ann", sid="kc-1"), login(first, "ann", sid="kc-1")]
    kc2 = login(first, "ann", sid="kc-2")
    plain = login(first, "ann")
    assert second.revoke_by_oidc_sid("kc-1") == 2
    assert [first.get(s) for s in kc1] == [None, None]
    assert first.get(kc2) is not None
    assert second.revoke_by_oidc_sid("unknown-sid") == 0
    assert second.revoke_user("acme", "ann") == 2  # kc-2 and the plain one; kc-1 already gone
    assert first.get(plain) is None


def test_expired_sessions_are_not_counted_as_revoked(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    old = login(store, "ann", sid="kc-old")
    backend.clock.advance(minutes=11)
    fresh = login(store, "ann")
    assert store.revoke(old) is False
    assert store.revoke_user("acme", "ann") == 1
    assert store.get(fresh) is None


def test_tampered_unknown_and_malformed_ids_get_nothing(backend: Backend) -> None:
    store = backend.sessions(POLICY)
    sid = login(store)
    flipped = sid[:-1] + ("A" if sid[-1] != "A" else "B")
    for bad in [flipped, "A" * 43, "", "x", sid + "=", sid[:-1], " " + sid[1:], "é" * 43, "x" * 10_000]:
        assert store.get(bad) is None, bad
        assert store.revoke(bad) is False
    assert store.get(session_key(sid)) is None  # the stored hash is not a credential
    assert store.get(sid) is not None


@pytest.mark.parametrize(
    "new",
    [
        NewSession(tenant="", user_id="u1", roles=frozenset()),
        NewSession(tenant="acme", user_id="", roles=frozenset()),
        NewSession(tenant="acme", user_id="u" * 65, roles=frozenset()),
        NewSession(tenant="acme", user_id="u1", roles=frozenset(), oidc_sid=""),
        NewSession(tenant="acme", user_id="u1", roles=frozenset(), idle_timeout=timedelta(0)),
        NewSession(tenant="acme", user_id="u1", roles=frozenset(), absolute_timeout=timedelta(seconds=-1)),
    ],
)
def test_bad_new_sessions_are_refused_and_nothing_is_stored(backend: Backend, new: NewSession) -> None:
    store = backend.sessions(POLICY)
    before = backend.dump()
    with pytest.raises(BadInput):
        store.create(new)
    assert backend.dump() == before
