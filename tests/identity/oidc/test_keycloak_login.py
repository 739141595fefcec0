"""Signing in against the real Keycloak: the whole authorization-code flow, and every forged, replayed,
foreign or stale token refused with the reason."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest
from pydantic import SecretStr

from craftology.errors import BadInput, Forbidden, Unauthenticated
from craftology.identity.oidc import OidcRelyingParty
from tests.identity.oidc.browser import PASSWORDS, LoginRefused, log_in, sign_in
from tests.identity.oidc.conftest import POST_LOGOUT_URI, MakeRp
from tests.keycloak_server import KeycloakServer

pytestmark = [pytest.mark.keycloak, pytest.mark.slow, pytest.mark.timeout(600)]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_login_maps_the_token_to_tenant_and_roles(make_rp: MakeRp) -> None:
    rp = make_rp()
    redirect = rp.begin_login("/projects/p1?tab=shots")
    assert "code_challenge_method=S256" in redirect.authorize_url
    callback = log_in(redirect.authorize_url, "alice", PASSWORDS["alice"])
    done = rp.complete_login(code=callback.code, state=callback.state)

    assert done.return_to == "/projects/p1?tab=shots"
    identity = done.identity
    assert (identity.tenant, identity.roles) == ("acme", frozenset({"editor", "owner"}))
    assert identity.email == "alice@acme.test"
    assert identity.email_verified
    assert identity.name == "Alice Archer"
    assert identity.sid
    assert identity.subject
    assert _claims(identity.id_token)["sub"] == identity.subject


def test_a_user_of_another_tenant_maps_to_that_tenant(make_rp: MakeRp) -> None:
    identity = sign_in(make_rp(), "bob").identity
    assert (identity.tenant, identity.roles) == ("globex", frozenset({"viewer"}))


def test_tenants_as_keycloak_organizations_with_realm_roles(make_rp: MakeRp) -> None:
    rp = make_rp(
        client_id="craftology-orgs",
        client_secret=SecretStr("craftology-orgs-secret"),
        scopes="openid email profile organization",
        tenant_from="organization",
        roles_from="realm_roles",
    )
    identity = sign_in(rp, "ivy").identity
    assert (identity.tenant, identity.roles) == ("initech", frozenset({"editor"}))


def test_a_user_in_no_tenant_is_refused(make_rp: MakeRp) -> None:
    with pytest.raises(Forbidden, match="no tenant"):
        sign_in(make_rp(), "nomad")


def test_wrong_password_never_reaches_the_callback(make_rp: MakeRp) -> None:
    redirect = make_rp().begin_login()
    with pytest.raises(LoginRefused):
        log_in(redirect.authorize_url, "alice", "not-her-password")


def test_a_state_is_good_for_one_login_only(make_rp: MakeRp) -> None:
    rp = make_rp()
    redirect = rp.begin_login()
    callback = log_in(redirect.authorize_url, "alice", PASSWORDS["alice"])
    rp.complete_login(code=callback.code, state=callback.state)
    with pytest.raises(Unauthenticated, match="unknown or was already completed"):
        rp.complete_login(code=callback.code, state=callback.state)


def test_a_state_never_issued_is_refused(make_rp: MakeRp) -> None:
    rp = make_rp()
    redirect = rp.begin_login()
    callback = log_in(redirect.authorize_url, "alice", PASSWORDS["alice"])
    with pytest.raises(Unauthenticated, match="unknown"):
        rp.complete_login(code=callback.code, state=callback.state + "x")


def test_a_code_without_its_pkce_verifier_is_refused_by_keycloak(make_rp: MakeRp) -> None:
    rp = make_rp()
    stolen = log_in(rp.begin_login().authorize_url, "alice", PASSWORDS["alice"])
    # The attacker's own login has its own state and verifier; Keycloak binds the code to the victim's.
    own = rp.begin_login()
    with pytest.raises(Unauthenticated, match="refused the login"):
        rp.complete_login(code=stolen.code, state=own.state)


@pytest.mark.parametrize(
    "return_to", ["//evil.test", "https://evil.test/", "/\\evil.test", "/%2F%2Fevil.test", "%2F%2Fevil.test"]
)
def test_open_redirect_return_urls_are_refused_before_login(make_rp: MakeRp, return_to: str) -> None:
    with pytest.raises(BadInput, match="not a path on this site"):
        make_rp().begin_login(return_to)


class TestTokensRefused:
    @pytest.fixture
    def genuine(self, make_rp: MakeRp) -> tuple[OidcRelyingParty, str, str]:
        rp = make_rp()
        token = sign_in(rp, "alice").identity.id_token
        nonce = str(_claims(token)["nonce"])
        return rp, token, nonce

    def test_the_genuine_token_passes(self, genuine: tuple[OidcRelyingParty, str, str]) -> None:
        rp, token, nonce = genuine
        assert rp.verify_id_token(token, nonce).tenant == "acme"

    def test_a_flipped_signature_byte(self, genuine: tuple[OidcRelyingParty, str, str]) -> None:
        rp, token, nonce = genuine
        header, payload, signature = token.split(".")
        raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
        raw[len(raw) // 2] ^= 0x01
        with pytest.raises(Unauthenticated, match="signature does not verify"):
            rp.verify_id_token(f"{header}.{payload}.{_b64(bytes(raw))}", nonce)

    def test_a_rewritten_payload(self, genuine: tuple[OidcRelyingParty, str, str]) -> None:
        rp, token, nonce = genuine
        header, _payload, signature = token.split(".")
        claims = _claims(token) | {"groups": ["/tenants/globex/owner"]}
        forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
        with pytest.raises(Unauthenticated, match="signature does not verify"):
            rp.verify_id_token(forged, nonce)

    def test_alg_none(self, genuine: tuple[OidcRelyingParty, str, str]) -> None:
        rp, token, nonce = genuine
        header = jwt.get_unverified_header(token) | {"alg": "none"}
        unsigned = f"{_b64(json.dumps(header).encode())}.{token.split('.')[1]}."
        with pytest.raises(Unauthenticated, match="algorithm 'none'"):
            rp.verify_id_token(unsigned, nonce)

    def test_a_nonce_of_another_login(self, genuine: tuple[OidcRelyingParty, str, str]) -> None:
        rp, token, _nonce = genuine
        with pytest.raises(Unauthenticated, match="nonce"):
            rp.verify_id_token(token, "another-login")

    def test_an_expired_token(self, genuine: tuple[OidcRelyingParty, str, str], make_rp: MakeRp) -> None:
        _rp, token, nonce = genuine
        tomorrow = make_rp(clock=lambda: time.time() + 86_400)
        with pytest.raises(Unauthenticated, match="expired"):
            tomorrow.verify_id_token(token, nonce)

    def test_a_token_of_another_issuer(self, keycloak: KeycloakServer, make_rp: MakeRp) -> None:
        # Keycloak names its issuer after the host it was reached by: through "localhost" it issues
        # tokens, signed with the very same realm key, whose issuer is not the one we trust.
        elsewhere = make_rp(keycloak.issuer.replace("127.0.0.1", "localhost"))
        token = sign_in(elsewhere, "alice").identity.id_token
        with pytest.raises(Unauthenticated, match="issued by"):
            make_rp().verify_id_token(token, str(_claims(token)["nonce"]))

    def test_a_token_minted_for_another_client(self, keycloak: KeycloakServer, make_rp: MakeRp) -> None:
        answer = httpx.post(
            f"{keycloak.issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "reporting-tool",
                "client_secret": "reporting-tool-secret",
                "username": "alice",
                "password": PASSWORDS["alice"],
                "scope": "openid",
            },
            timeout=30.0,
        )
        answer.raise_for_status()
        token = answer.json()["id_token"]
        assert _claims(token)["aud"] == "reporting-tool"
        with pytest.raises(Unauthenticated, match="meant for"):
            make_rp().verify_id_token(token, "")


def test_rp_initiated_logout_returns_to_the_registered_page(make_rp: MakeRp) -> None:
    rp = make_rp()
    identity = sign_in(rp, "alice").identity
    url = rp.logout_url(id_token=identity.id_token, state="bye-123")
    with httpx.Client(timeout=30.0) as browser:
        answer = browser.get(url, follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(POST_LOGOUT_URI)
    assert "state=bye-123" in answer.headers["location"]
