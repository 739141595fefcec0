"""OIDC sign-in end to end: a browser, the real API (served on a local port) and the real Keycloak.

Login -> Keycloak's form -> callback -> session cookie -> /v1/session; users created on first login and
reused after; roles follow Keycloak at each login; login CSRF, replays, tampered codes and open
redirects refused; RP-initiated and back-channel logout end the session at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.identity.oidc.browser import PASSWORDS, log_in
from tests.identity.oidc.conftest import CLIENT_ID, POST_LOGOUT_URI
from tests.identity.oidc.served_app import SESSION_COOKIE, STATE_COOKIE, Browser, ServedApp, served_app
from tests.keycloak_server import KeycloakServer

pytestmark = [pytest.mark.keycloak, pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def app(keycloak: KeycloakServer, tmp_path: Path) -> Iterator[ServedApp]:
    with served_app(tmp_path / "data", keycloak.issuer) as served:
        yield served


@pytest.fixture
def browser(app: ServedApp) -> Iterator[Browser]:
    made = app.browser()
    yield made
    made.close()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def keycloak_user_id(keycloak: KeycloakServer, username: str) -> str:
    return str(keycloak.admin("GET", f"/users?username={username}&exact=true").json()[0]["id"])


def keycloak_group_id(keycloak: KeycloakServer, path: str) -> str:
    return str(keycloak.admin("GET", f"/group-by-path{path}").json()["id"])


def test_login_opens_a_session_for_the_mapped_tenant_and_role(app: ServedApp, browser: Browser) -> None:
    started = browser.start_login("/projects?view=grid")
    assert started.status_code == 302
    authorize = urlsplit(started.headers["location"])
    query = parse_qs(authorize.query)
    assert authorize.path.endswith("/protocol/openid-connect/auth")
    assert query["code_challenge_method"] == ["S256"]
    state_cookie = started.headers["set-cookie"]
    assert f"{STATE_COOKIE}={query['state'][0]}" in state_cookie
    assert "HttpOnly" in state_cookie
    assert "SameSite=Lax" in state_cookie
    assert "Max-Age=" in state_cookie

    answer = browser.deliver(log_in(started.headers["location"], "alice", PASSWORDS["alice"]))
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"] == "/projects?view=grid"
    assert browser.cookie(SESSION_COOKIE) is not None
    assert browser.cookie(STATE_COOKIE) is None  # used up

    me = browser.whoami()
    assert me.status_code == 200, me.text
    alice = app.container.accounts.user_by_email("alice@acme.test")
    assert me.json() | {"expires_at": None, "csrf_token": None} == {
        "tenant": "acme",
        "user_id": alice.id,
        "roles": ["owner"],  # Keycloak gives editor and owner; the membership keeps the stronger
        "scopes": ["admin", "generate", "read", "write"],
        "via": "session",
        "csrf_token": None,
        "expires_at": None,
    }
    assert alice.display_name == "Alice Archer"
    assert not alice.has_password
    assert app.container.accounts.member("acme", alice.id).role == "owner"


def test_first_login_creates_the_user_and_the_next_reuses_it_with_a_new_session(
    app: ServedApp, browser: Browser
) -> None:
    accounts = app.container.accounts
    assert "bob@globex.test" not in {u.email for u in accounts.list_users()}
    browser.sign_in("bob")
    first_session = browser.cookie(SESSION_COOKIE)
    bob = accounts.user_by_email("bob@globex.test")
    assert [(m.tenant_id, m.role) for m in accounts.memberships_of(bob.id)] == [("globex", "viewer")]

    browser.sign_in("bob")
    second_session = browser.cookie(SESSION_COOKIE)
    assert second_session is not None
    assert second_session != first_session
    assert [u.id for u in accounts.list_users() if u.email == "bob@globex.test"] == [bob.id]
    assert browser.whoami().json()["user_id"] == bob.id

    stale = app.browser()
    stale.http.cookies.set(SESSION_COOKIE, str(first_session))
    problem(stale.whoami(), 401)  # the session this browser had before is ended, not kept beside
    stale.close()


def test_an_existing_account_with_the_verified_email_is_linked(app: ServedApp, browser: Browser) -> None:
    accounts = app.container.accounts
    existing = accounts.create_user("alice@acme.test", "Alice (password)", password="a-long-password-1")
    accounts.add_member("acme", existing.id, "viewer")
    browser.sign_in("alice")
    assert browser.whoami().json()["user_id"] == existing.id
    assert accounts.member("acme", existing.id).role == "owner"  # Keycloak's role wins


def test_a_role_changed_in_keycloak_applies_at_the_next_login(
    app: ServedApp, browser: Browser, keycloak: KeycloakServer
) -> None:
    browser.sign_in("alice")
    assert browser.whoami().json()["roles"] == ["owner"]
    user, owners = keycloak_user_id(keycloak, "alice"), keycloak_group_id(keycloak, "/tenants/acme/owner")
    keycloak.admin("DELETE", f"/users/{user}/groups/{owners}")
    try:
        browser.sign_in("alice")
    finally:
        keycloak.admin("PUT", f"/users/{user}/groups/{owners}")
    assert browser.whoami().json()["roles"] == ["editor"]
    alice = app.container.accounts.user_by_email("alice@acme.test")
    assert app.container.accounts.member("acme", alice.id).role == "editor"


def test_a_tenant_unknown_to_craftology_is_refused_not_created(app: ServedApp, browser: Browser) -> None:
    app.container.tenancy.delete_tenant("globex")
    refused = problem(browser.deliver(browser.at_keycloak("bob")), 403)
    assert "'globex'" in refused["detail"]
    assert "does not exist in Craftology" in refused["detail"]
    assert browser.cookie(SESSION_COOKIE) is None
    assert "globex" not in {t.id for t in app.container.tenancy.list_tenants()}
    assert "bob@globex.test" not in {u.email for u in app.container.accounts.list_users()}

    refused = problem(browser.deliver(browser.at_keycloak("nomad")), 403)
    assert "no tenant" in refused["detail"]


def test_a_replayed_callback_is_refused(browser: Browser) -> None:
    callback = browser.at_keycloak("alice")
    state = browser.cookie(STATE_COOKIE)
    assert browser.deliver(callback).status_code == 302
    # Even with the login's state cookie put back (a captured request replayed whole):
    browser.http.cookies.set(STATE_COOKIE, str(state))
    refused = problem(browser.deliver(callback), 401)
    assert "already completed" in refused["detail"]


def test_a_callback_is_refused_in_a_browser_that_did_not_start_the_login(app: ServedApp) -> None:
    attacker, victim = app.browser(), app.browser()
    try:
        # Login CSRF: the attacker signs in with their own account and sends the victim the callback.
        planted = attacker.at_keycloak("bob")
        refused = problem(victim.deliver(planted), 401)
        assert "not started in this browser" in refused["detail"]
        # ... also when the victim has a login of their own under way (another state in the cookie).
        victim.start_login()
        problem(victim.deliver(planted), 401)
        assert victim.cookie(SESSION_COOKIE) is None
        problem(victim.whoami(), 401)
        # The refusals did not use the login up: the browser that started it can still finish it.
        assert attacker.deliver(planted).status_code == 302
    finally:
        attacker.close()
        victim.close()


def test_a_tampered_code_or_a_provider_refusal_is_a_401(browser: Browser) -> None:
    callback = browser.at_keycloak("alice")
    query = parse_qs(urlsplit(callback.url).query)
    tampered = browser.http.get(
        "/auth/callback", params={"code": callback.code[:-4] + "AAAA", "state": query["state"][0]}
    )
    assert "refused the login" in problem(tampered, 401)["detail"]
    refusal = browser.http.get("/auth/callback", params={"error": "access_denied", "state": "x"})
    assert "access_denied" in problem(refusal, 401)["detail"]
    foreign = browser.http.get(
        "/auth/callback", params={"code": "c", "state": "s", "iss": "https://evil.test/realms/x"}
    )
    assert "issuer" in problem(foreign, 401)["detail"]
    problem(browser.http.get("/auth/callback", params={"state": "s"}), 422)


@pytest.mark.parametrize(
    "return_to",
    ["https://evil.test/", "//evil.test/x", "/\\evil.test", "/%2F%2Fevil.test", "javascript:alert(1)"],
)
def test_an_open_redirect_in_return_to_is_refused(browser: Browser, return_to: str) -> None:
    refused = problem(browser.start_login(return_to), 422)
    assert "not a path on this site" in refused["detail"]
    assert browser.cookie(STATE_COOKIE) is None


def test_rp_initiated_logout_ends_the_session_at_once(app: ServedApp, browser: Browser) -> None:
    browser.sign_in("alice")
    session = browser.cookie(SESSION_COOKIE)
    out = browser.http.post("/auth/oidc/logout")
    assert out.status_code == 200, out.text
    assert out.json()["signed_out"] is True
    logout = urlsplit(out.json()["logout_url"])
    params = parse_qs(logout.query)
    assert logout.path.endswith("/protocol/openid-connect/logout")
    assert params["client_id"] == [CLIENT_ID]
    assert params["post_logout_redirect_uri"] == [POST_LOGOUT_URI]
    assert params["id_token_hint"]
    assert browser.cookie(SESSION_COOKIE) is None

    replay = app.browser()
    replay.http.cookies.set(SESSION_COOKIE, str(session))
    problem(replay.whoami(), 401)
    replay.close()

    browser.sign_in("alice")
    as_form = browser.http.post("/auth/oidc/logout", headers={"Accept": "text/html"})
    assert as_form.status_code == 303
    assert "/protocol/openid-connect/logout" in as_form.headers["location"]
    problem(browser.whoami(), 401)


@pytest.fixture
def backchannel_to(app: ServedApp, keycloak: KeycloakServer) -> Iterator[None]:
    """The client's back-channel logout URL points at the served app for this test."""
    client = keycloak.admin("GET", f"/clients?clientId={CLIENT_ID}").json()[0]
    original = client["attributes"].get("backchannel.logout.url", "")
    client["attributes"]["backchannel.logout.url"] = f"{app.url}/auth/backchannel-logout"
    keycloak.admin("PUT", f"/clients/{client['id']}", json=client)
    try:
        yield
    finally:
        client["attributes"]["backchannel.logout.url"] = original
        keycloak.admin("PUT", f"/clients/{client['id']}", json=client)


def end_keycloak_sessions(keycloak: KeycloakServer, user_id: str) -> None:
    for session in keycloak.admin("GET", f"/users/{user_id}/sessions").json():
        keycloak.admin("DELETE", f"/sessions/{session['id']}")


@pytest.mark.usefixtures("backchannel_to")
def test_backchannel_logout_from_keycloak_ends_the_session_at_once(
    app: ServedApp, keycloak: KeycloakServer
) -> None:
    alice, bob = app.browser(), app.browser()
    try:
        # Keycloak 26 sends a logout token for one session only when an admin logs a user out, so the
        # sessions earlier tests left at Keycloak are ended first: alice then has exactly ours.
        alice_at_keycloak = keycloak_user_id(keycloak, "alice")
        end_keycloak_sessions(keycloak, alice_at_keycloak)
        alice.sign_in("alice")
        bob.sign_in("bob")
        assert alice.whoami().status_code == 200
        # Keycloak POSTs the logout token to the client's back-channel URL before the admin call answers.
        keycloak.admin("POST", f"/users/{alice_at_keycloak}/logout")
        problem(alice.whoami(), 401)
        assert bob.whoami().status_code == 200
    finally:
        alice.close()
        bob.close()


def test_an_invalid_logout_token_is_a_400(browser: Browser) -> None:
    browser.sign_in("alice")
    for form in ({"logout_token": "not.a.jwt"}, {}):
        refused = problem(browser.http.post("/auth/backchannel-logout", data=form), 400)
        assert refused["error"] == "invalid_request"
        assert browser.http.post("/auth/backchannel-logout", data=form).headers["cache-control"] == "no-store"
    assert browser.whoami().status_code == 200
