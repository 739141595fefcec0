"""The JWKS cache: fetched on first need, refetched for an unknown key id no more often than allowed."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from craftology.errors import TransientError, Unauthenticated
from craftology.identity.oidc.keys import SigningKeys

OLD, NEW = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))


def jwk(key: rsa.RSAPrivateKey, kid: str, **extra: str) -> dict[str, Any]:
    public = json.loads(jwt.get_algorithm_by_name("RS256").to_jwk(key.public_key()))
    return public | {"kid": kid, "alg": "RS256", "use": "sig"} | extra


class Provider:
    """What a JWKS endpoint would serve, and how often it was asked."""

    def __init__(self, *entries: dict[str, Any]) -> None:
        self.document: dict[str, Any] = {"keys": list(entries)}
        self.fetches = 0
        self.down = False

    def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise TransientError("identity provider unreachable")
        return self.document


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_keys_are_fetched_once_and_reused() -> None:
    provider, clock = Provider(jwk(OLD, "old")), Clock()
    keys = SigningKeys(provider, min_refetch_seconds=30, clock=clock)
    keys.key_for("old", "RS256")
    keys.key_for("old", "RS256")
    assert provider.fetches == 1


def test_an_unknown_kid_refetches_at_most_once_per_interval() -> None:
    provider, clock = Provider(jwk(OLD, "old")), Clock()
    keys = SigningKeys(provider, min_refetch_seconds=30, clock=clock)
    keys.key_for("old", "RS256")
    provider.document["keys"].append(jwk(NEW, "new"))

    clock.now += 10
    for _attempt in range(3):
        with pytest.raises(Unauthenticated, match="does not publish"):
            keys.key_for("new", "RS256")
    assert provider.fetches == 1

    clock.now += 20
    assert keys.key_for("new", "RS256").key_id == "new"
    assert provider.fetches == 2


def test_encryption_and_symmetric_keys_are_never_used_for_signatures() -> None:
    provider = Provider(
        jwk(OLD, "enc", use="enc", alg="RSA-OAEP"),
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0", "alg": "HS256"},
        jwk(NEW, "sig"),
    )
    keys = SigningKeys(provider, min_refetch_seconds=0, clock=Clock())
    assert keys.key_for("sig", "RS256").key_id == "sig"
    for kid in ("enc", "hmac"):
        with pytest.raises(Unauthenticated, match="does not publish"):
            keys.key_for(kid, "RS256")


def test_a_failed_fetch_is_not_remembered() -> None:
    provider, clock = Provider(jwk(OLD, "old")), Clock()
    keys = SigningKeys(provider, min_refetch_seconds=30, clock=clock)
    provider.down = True
    with pytest.raises(TransientError):
        keys.key_for("old", "RS256")
    provider.down = False
    assert keys.key_for("old", "RS256").key_id == "old"
