"""ID-token and logout-token rules, checked on tokens signed with keys the test holds, so each rule is
shown to refuse on its own (the Keycloak tests show the same on tokens Keycloak issued)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from craftology.errors import Unauthenticated
from craftology.identity.oidc.keys import SigningKeys
from craftology.identity.oidc.tokens import (
    BACKCHANNEL_LOGOUT_EVENT,
    Expectations,
    validate_id_token,
    validate_logout_token,
)

ISSUER, CLIENT = "https://sso.test/realms/r", "craftology-web"
NOW = 1_800_000_000.0
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.get_algorithm_by_name(alg)
    return json.loads(algorithm.to_jwk(key.public_key())) | {"kid": kid, "alg": alg, "use": "sig"}


JWKS = {"keys": [_jwk(RSA_KEY, "rsa-1", "RS256"), _jwk(EC_KEY, "ec-1", "ES256")]}


def keys() -> SigningKeys:
    return SigningKeys(lambda: JWKS, min_refetch_seconds=60, clock=lambda: NOW)


def expect(now: float = NOW) -> Expectations:
    return Expectations(issuer=ISSUER, client_id=CLIENT, now=now, leeway_seconds=30)


def id_claims(**changes: Any) -> dict[str, Any]:
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "u1", "iat": NOW - 5, "exp": NOW + 300, "nonce": "n1"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def sign(claims: dict[str, Any], key: Any = RSA_KEY, alg: str = "RS256", kid: str = "rsa-1") -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def check_id(token: str, now: float = NOW, nonce: str = "n1") -> dict[str, Any]:
    return validate_id_token(token, keys().key_for, expect(now), nonce)


def test_rs256_and_es256_tokens_pass() -> None:
    assert check_id(sign(id_claims()))["sub"] == "u1"
    assert check_id(sign(id_claims(), EC_KEY, "ES256", "ec-1"))["sub"] == "u1"


def test_alg_none_is_refused() -> None:
    unsigned = jwt.encode(id_claims(), None, algorithm="none", headers={"kid": "rsa-1"})
    with pytest.raises(Unauthenticated, match="algorithm 'none'"):
        check_id(unsigned)


def test_hs256_keyed_with_the_public_key_is_refused() -> None:
    # The classic confusion: HMAC "signed" with the provider's public key, which everyone has.
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    payload = jwt.utils.base64url_encode(json.dumps(id_claims()).encode())
    mac = hmac.new(public_pem, header + b"." + payload, hashlib.sha256).digest()
    forged = (header + b"." + payload + b"." + jwt.utils.base64url_encode(mac)).decode()
    with pytest.raises(Unauthenticated, match="algorithm 'HS256'"):
        check_id(forged)


def test_a_key_the_provider_does_not_publish_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="does not publish"):
        check_id(sign(id_claims(), STRANGER_KEY, kid="stranger"))


def test_a_stranger_key_under_a_published_kid_fails_the_signature() -> None:
    with pytest.raises(Unauthenticated, match="signature does not verify"):
        check_id(sign(id_claims(), STRANGER_KEY, kid="rsa-1"))


def test_an_algorithm_other_than_the_keys_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="ES256 key"):
        check_id(sign(id_claims(), RSA_KEY, "RS256", kid="ec-1"))


def test_a_token_without_kid_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="kid"):
        check_id(jwt.encode(id_claims(), RSA_KEY, algorithm="RS256"))


def test_garbage_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="not a well-formed JWT"):
        check_id("not.a.jwt")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://evil.test/realms/r"}, "issued by"),
        ({"iss": None}, "issued by"),
        ({"aud": "reporting-tool"}, "meant for"),
        ({"aud": ["reporting-tool", "other"]}, "meant for"),
        ({"aud": [CLIENT, "reporting-tool"]}, "issued to client None"),
        ({"aud": [CLIENT, "reporting-tool"], "azp": "reporting-tool"}, "issued to client"),
        ({"azp": "reporting-tool"}, "issued to client"),
        ({"exp": NOW - 31}, "expired"),
        ({"exp": None}, "numeric exp or iat"),
        ({"iat": "yesterday"}, "numeric exp or iat"),
        ({"iat": NOW + 31}, "in the future"),
        ({"nbf": NOW + 120}, "not valid yet"),
        ({"nonce": "n2"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"sub": None}, "no subject"),
    ],
)
def test_each_claim_rule_refuses(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(Unauthenticated, match=reason):
        check_id(sign(id_claims(**changes)))


def test_several_audiences_pass_when_we_are_the_authorized_party() -> None:
    assert check_id(sign(id_claims(aud=[CLIENT, "reporting-tool"], azp=CLIENT)))["azp"] == CLIENT


def test_the_leeway_absorbs_small_clock_skew() -> None:
    assert check_id(sign(id_claims(exp=NOW - 29, iat=NOW + 29)))["sub"] == "u1"


def logout_claims(**changes: Any) -> dict[str, Any]:
    claims = {
        "iss": ISSUER,
        "aud": CLIENT,
        "iat": NOW - 1,
        "exp": NOW + 120,
        "jti": "j1",
        "sid": "s1",
        "sub": "u1",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def check_logout(token: str) -> dict[str, Any]:
    return validate_logout_token(token, keys().key_for, expect())


def test_a_logout_token_naming_only_a_sid_or_only_a_sub_passes() -> None:
    assert check_logout(sign(logout_claims(sub=None)))["sid"] == "s1"
    assert check_logout(sign(logout_claims(sid=None)))["sub"] == "u1"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"nonce": "n1"}, "nonce"),
        ({"events": None}, "back-channel logout event"),
        ({"events": {"http://schemas.openid.net/event/other": {}}}, "back-channel logout event"),
        ({"events": {BACKCHANNEL_LOGOUT_EVENT: "yes"}}, "back-channel logout event"),
        ({"sid": None, "sub": None}, "neither a session"),
        ({"jti": None}, "no jti"),
        ({"aud": "reporting-tool"}, "meant for"),
        ({"iss": "https://evil.test"}, "issued by"),
        ({"exp": NOW - 60}, "expired"),
    ],
)
def test_each_logout_token_rule_refuses(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(Unauthenticated, match=reason):
        check_logout(sign(logout_claims(**changes)))


def test_logout_token_with_alg_none_is_refused() -> None:
    unsigned = jwt.encode(logout_claims(), None, algorithm="none", headers={"kid": "rsa-1"})
    with pytest.raises(Unauthenticated, match="algorithm 'none'"):
        check_logout(unsigned)


def test_validity_is_judged_at_the_callers_now() -> None:
    # No hidden wall clock: the same token passes at one `now` and is refused at a later one.
    token = sign(id_claims(iat=time.time(), exp=time.time() + 60))
    assert check_id(token, now=time.time())["sub"] == "u1"
    with pytest.raises(Unauthenticated, match="expired"):
        check_id(token, now=time.time() + 3600)
