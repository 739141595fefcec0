"""Back-channel logout: Keycloak POSTs a signed logout token when a session ends there; we validate it,
end the sessions it names (through the callback the session store gives us), and refuse a replay."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from craftology.errors import Unauthenticated
from craftology.identity.oidc import LogoutTarget
from tests.identity.oidc.browser import sign_in
from tests.identity.oidc.conftest import CLIENT_ID, MakeRp
from tests.keycloak_server import KeycloakServer

pytestmark = [pytest.mark.keycloak, pytest.mark.slow, pytest.mark.timeout(600)]

DELIVERY_LIMIT_SECONDS = 60.0


class LogoutReceiver(ThreadingHTTPServer):
    """The smallest back-channel logout endpoint: keeps each logout_token it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tokens: queue.Queue[str] = queue.Queue()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/auth/backchannel-logout"


class _Handler(BaseHTTPRequestHandler):
    server: LogoutReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        for token in parse_qs(body).get("logout_token", []):
            self.server.tokens.put(token)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        return


@pytest.fixture
def receiver(keycloak: KeycloakServer) -> Iterator[LogoutReceiver]:
    """A running receiver, registered as the client's back-channel logout URL for this test."""
    server = LogoutReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = keycloak.admin("GET", f"/clients?clientId={CLIENT_ID}").json()[0]
    original = client["attributes"].get("backchannel.logout.url", "")
    client["attributes"]["backchannel.logout.url"] = server.url
    keycloak.admin("PUT", f"/clients/{client['id']}", json=client)
    try:
        yield server
    finally:
        client["attributes"]["backchannel.logout.url"] = original
        keycloak.admin("PUT", f"/clients/{client['id']}", json=client)
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_session_ended_in_keycloak_ends_ours_once(
    keycloak: KeycloakServer, make_rp: MakeRp, receiver: LogoutReceiver
) -> None:
    ended: list[LogoutTarget] = []
    rp = make_rp(end_sessions=ended.append)
    identity = sign_in(rp, "alice").identity
    assert identity.sid is not None

    keycloak.admin("DELETE", f"/sessions/{identity.sid}")
    token = receiver.tokens.get(timeout=DELIVERY_LIMIT_SECONDS)

    target = rp.backchannel_logout(token)
    assert target.sid == identity.sid
    assert target.subject == identity.subject
    assert ended == [target]

    with pytest.raises(Unauthenticated, match="already used"):
        rp.backchannel_logout(token)
    assert ended == [target]


def test_a_failed_session_store_lets_the_provider_retry(
    keycloak: KeycloakServer, make_rp: MakeRp, receiver: LogoutReceiver
) -> None:
    def store_down(target: LogoutTarget) -> None:
        raise ConnectionError("session store unreachable")

    identity = sign_in(make_rp(), "bob").identity
    keycloak.admin("DELETE", f"/sessions/{identity.sid}")
    token = receiver.tokens.get(timeout=DELIVERY_LIMIT_SECONDS)

    with pytest.raises(ConnectionError):
        make_rp(end_sessions=store_down).backchannel_logout(token)
    ended: list[LogoutTarget] = []
    assert make_rp(end_sessions=ended.append).backchannel_logout(token).sid == identity.sid
    assert len(ended) == 1


def test_an_id_token_cannot_pass_as_a_logout_token(make_rp: MakeRp) -> None:
    rp = make_rp()
    identity = sign_in(rp, "alice").identity
    with pytest.raises(Unauthenticated, match="back-channel logout event"):
        rp.backchannel_logout(identity.id_token)
