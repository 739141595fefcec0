"""A browser stand-in for the OIDC tests: follows the authorize URL, fills Keycloak's login form, and
returns what Keycloak sends back to the redirect URI (which nobody needs to serve here)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx

from craftology.identity.oidc import CompletedLogin, OidcRelyingParty

PASSWORDS = {name: f"{name}-password" for name in ("alice", "bob", "nomad", "ivy")}  # see the realm JSON
LOGIN_FORM_ID = "kc-form-login"
FORM_PAGES = 2


class LoginRefused(Exception):
    """Keycloak showed the login form again instead of redirecting (e.g. a wrong password)."""


@dataclass(frozen=True)
class Callback:
    url: str
    code: str
    state: str


class _FormAction(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == LOGIN_FORM_ID:
            self.action = attributes.get("action")  # HTMLParser already unescaped &amp;


def _login_form_action(html: str) -> str:
    parser = _FormAction()
    parser.feed(html)
    if parser.action is None:
        raise AssertionError(f"no Keycloak login form in the page:\n{html[:2000]}")
    return parser.action


def log_in(authorize_url: str, username: str, password: str) -> Callback:
    """Sign in at Keycloak as `username`; the redirect back carries the code and state."""
    with httpx.Client(timeout=30.0) as browser:
        page = browser.get(authorize_url, follow_redirects=True)
        page.raise_for_status()
        # With organizations enabled Keycloak asks for the username first and the password on a second
        # page; both pages are the same form, so submitting it at most twice covers both flows.
        for _page in range(FORM_PAGES):
            _browser_sends_secure_cookies_to_loopback(browser)
            answer = browser.post(
                _login_form_action(page.text),
                data={"username": username, "password": password, "credentialId": ""},
                follow_redirects=False,
            )
            if answer.status_code != 200:
                break
            page = answer
    if answer.status_code != 302:
        raise LoginRefused(f"Keycloak answered {answer.status_code} to the login form")
    location = answer.headers["location"]
    query = parse_qs(urlsplit(location).query)
    if "code" not in query:
        raise LoginRefused(f"Keycloak redirected without a code: {location}")
    return Callback(url=location, code=query["code"][0], state=query["state"][0])


def _browser_sends_secure_cookies_to_loopback(browser: httpx.Client) -> None:
    # Keycloak marks its cookies Secure; browsers still send those to loopback over plain HTTP
    # (a "potentially trustworthy" origin), httpx does not, so do what a browser would.
    for cookie in browser.cookies.jar:
        cookie.secure = False


def sign_in(rp: OidcRelyingParty, username: str, return_to: str | None = None) -> CompletedLogin:
    """The whole login of `username` through `rp`, as a browser would go through it."""
    redirect = rp.begin_login(return_to)
    callback = log_in(redirect.authorize_url, username, PASSWORDS[username])
    assert callback.state == redirect.state
    return rp.complete_login(code=callback.code, state=callback.state)
