"""Keycloak rotates its signing key: the relying party finds the new key by refetching the JWKS."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import jwt
import pytest

from craftology.errors import Unauthenticated
from tests.identity.oidc.browser import sign_in
from tests.identity.oidc.conftest import MakeRp, MovableClock
from tests.keycloak_server import KeycloakServer

pytestmark = [pytest.mark.keycloak, pytest.mark.slow, pytest.mark.timeout(600)]

MIN_REFETCH_SECONDS = 60.0


@pytest.fixture
def rotate_key(keycloak: KeycloakServer) -> Iterator[Callable[[], None]]:
    """Adds a new RSA key that outranks every other; removed again after the test."""
    added: list[str] = []

    def rotate() -> None:
        realm_id = keycloak.admin("GET", "").json()["id"]
        providers = keycloak.admin("GET", "/components?type=org.keycloak.keys.KeyProvider").json()
        top = max(int(p["config"].get("priority", ["0"])[0]) for p in providers)
        response = keycloak.admin(
            "POST",
            "/components",
            json={
                "name": f"rsa-rotated-{top + 100}",
                "providerId": "rsa-generated",
                "providerType": "org.keycloak.keys.KeyProvider",
                "parentId": realm_id,
                "config": {"priority": [str(top + 100)], "keySize": ["2048"], "active": ["true"]},
            },
        )
        added.append(response.headers["location"].rsplit("/", 1)[1])

    yield rotate
    for component in added:
        keycloak.admin("DELETE", f"/components/{component}")


def test_a_rotated_key_is_found_after_the_refetch_interval(
    make_rp: MakeRp, rotate_key: Callable[[], None]
) -> None:
    clock = MovableClock()
    rp = make_rp(clock=clock, jwks_min_refetch_seconds=MIN_REFETCH_SECONDS)
    before = sign_in(rp, "alice").identity
    old_kid = jwt.get_unverified_header(before.id_token)["kid"]

    rotate_key()
    # Within the interval an unknown key id does not make us fetch again: the login is refused.
    with pytest.raises(Unauthenticated, match="does not publish"):
        sign_in(rp, "alice")

    clock.advance(MIN_REFETCH_SECONDS)
    after = sign_in(rp, "alice").identity
    assert jwt.get_unverified_header(after.id_token)["kid"] != old_kid
    assert after.tenant == "acme"
    # The old key is still published (only outranked), so tokens signed before the rotation stay valid.
    nonce = jwt.decode(before.id_token, options={"verify_signature": False})["nonce"]
    assert rp.verify_id_token(before.id_token, nonce).subject == before.subject
