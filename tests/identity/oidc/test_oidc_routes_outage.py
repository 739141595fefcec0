"""Keycloak down: the API's login and callback answer a 503 problem that says why, sessions already open
keep working (they live in Craftology's store), and sign-in works again once Keycloak is back, without
restarting the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.identity.oidc.served_app import served_app
from tests.identity.oidc.test_oidc_routes import problem
from tests.keycloak_server import KeycloakServer

pytestmark = [pytest.mark.keycloak, pytest.mark.slow, pytest.mark.timeout(900)]


def test_keycloak_stopped_then_restarted(keycloak: KeycloakServer, tmp_path: Path) -> None:
    with (
        served_app(tmp_path / "warm", keycloak.issuer) as warm,
        served_app(tmp_path / "cold", keycloak.issuer) as cold,
    ):
        signed_in, cold_browser = warm.browser(), cold.browser()
        signed_in.sign_in("alice")  # this API has read Keycloak's discovery document and keys
        under_way = signed_in.at_keycloak("alice")  # a login Keycloak answered, not yet called back

        keycloak.stop()
        try:
            refused = problem(signed_in.deliver(under_way), 503)
            assert refused["type"] == "/problems/transient"
            assert "unreachable" in refused["detail"]
            refused = problem(cold_browser.start_login("/"), 503)  # never met Keycloak before
            assert "unreachable" in refused["detail"]
            assert signed_in.whoami().json()["tenant"] == "acme"
        finally:
            keycloak.restart()

        signed_in.sign_in("alice")
        assert signed_in.whoami().json()["tenant"] == "acme"
        cold_browser.sign_in("bob")
        assert cold_browser.whoami().json()["tenant"] == "globex"
        signed_in.close()
        cold_browser.close()
