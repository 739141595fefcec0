"""The real API (`build_api` over `build_container`) with OIDC pointing at the test Keycloak, served by
uvicorn on a real local port (Keycloak must reach it for back-channel logout), and a browser stand-in
that keeps the app's cookies and goes through Keycloak's login form."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import uvicorn

from craftology.cli.serve import build_api
from craftology.config import SessionSettings, Settings
from craftology.container import Container, build_container
from craftology.identity.cookies import CookiePolicy
from tests.identity.oidc.browser import PASSWORDS, Callback, log_in
from tests.identity.oidc.conftest import oidc_settings

TENANTS = ("acme", "globex")  # the realm's tenant groups, created in Craftology first
SESSION_COOKIE = CookiePolicy(secure=False).name  # plain http on loopback in these tests
STATE_COOKIE = "craftology_oidc_state"


@dataclass
class ServedApp:
    container: Container
    url: str

    def browser(self) -> Browser:
        return Browser(httpx.Client(base_url=self.url, follow_redirects=False, timeout=60.0))


class Browser:
    """One browser: its cookie jar holds what the app set (session and login-state cookies)."""

    def __init__(self, client: httpx.Client) -> None:
        self.http = client

    def close(self) -> None:
        self.http.close()

    def cookie(self, name: str) -> str | None:
        return self.http.cookies.get(name)

    def start_login(self, return_to: str | None = None) -> httpx.Response:
        params = {"return_to": return_to} if return_to is not None else {}
        return self.http.get("/auth/oidc/login", params=params)

    def at_keycloak(self, username: str, return_to: str | None = None) -> Callback:
        """Start a login here and sign in at Keycloak; the callback is not delivered yet."""
        started = self.start_login(return_to)
        assert started.status_code == 302, started.text
        return log_in(started.headers["location"], username, PASSWORDS[username])

    def deliver(self, callback: Callback) -> httpx.Response:
        """What the browser does with Keycloak's redirect: the same query, to this app's callback."""
        return self.http.get(f"/auth/callback?{urlsplit(callback.url).query}")

    def sign_in(self, username: str, return_to: str | None = None) -> httpx.Response:
        answer = self.deliver(self.at_keycloak(username, return_to))
        assert answer.status_code == 302, answer.text
        return answer

    def whoami(self) -> httpx.Response:
        return self.http.get("/v1/session")


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def served_app(data_dir: Path, issuer: str) -> Iterator[ServedApp]:
    settings = Settings(
        data_dir=data_dir, oidc=oidc_settings(issuer), sessions=SessionSettings(cookie_secure=False)
    )
    container = build_container(settings)
    for tenant in TENANTS:
        container.tenancy.create_tenant(tenant.title(), tenant_id=tenant)
    sock = _listening_socket()
    server = uvicorn.Server(
        uvicorn.Config(build_api(container), log_level="warning", lifespan="off", ws="none")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            threading.Event().wait(0.05)
        yield ServedApp(container, f"http://127.0.0.1:{sock.getsockname()[1]}")
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
        container.close()
