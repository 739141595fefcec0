"""Keycloak down: sign-in fails with a 503 that says why, and works again when Keycloak is back, with
the same relying party (no restart of ours)."""

from __future__ import annotations

import socket

import pytest

from craftology.errors import TransientError
from tests.identity.oidc.browser import PASSWORDS, log_in, sign_in
from tests.identity.oidc.conftest import MakeRp
from tests.keycloak_server import REALM, KeycloakServer

pytestmark = [pytest.mark.keycloak, pytest.mark.slow, pytest.mark.timeout(900)]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_provider_nobody_answers_for_is_a_503(make_rp: MakeRp) -> None:
    rp = make_rp(f"http://127.0.0.1:{_closed_port()}/realms/{REALM}")
    with pytest.raises(TransientError, match="unreachable") as refused:
        rp.begin_login("/")
    assert refused.value.status_code == 503


def test_keycloak_stopped_then_restarted(keycloak: KeycloakServer, make_rp: MakeRp) -> None:
    warm = make_rp()  # has read the discovery document and keys before the outage
    sign_in(warm, "alice")
    cold = make_rp()  # meets Keycloak for the first time during the outage
    started = warm.begin_login()
    callback = log_in(started.authorize_url, "alice", PASSWORDS["alice"])

    keycloak.stop()
    try:
        with pytest.raises(TransientError, match="unreachable"):
            warm.complete_login(code=callback.code, state=callback.state)
        with pytest.raises(TransientError, match="unreachable"):
            cold.begin_login()
    finally:
        keycloak.restart()

    assert sign_in(warm, "alice").identity.tenant == "acme"
    assert sign_in(cold, "bob").identity.tenant == "globex"
