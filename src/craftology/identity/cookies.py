"""The session cookie and CSRF checks for cookie-authenticated requests.

The cookie carries only the opaque session id. It is HttpOnly (no script can read it), SameSite=Lax
(not sent on cross-site subresource requests or form POSTs), Path=/, and Secure with the ``__Host-``
prefix, which browsers accept only from a secure origin, without a Domain, for Path=/ — so no sibling
subdomain can plant or shadow it. Secure may be turned off only for plain-http development on a
loopback address; any other host is refused rather than silently handed a cookie that travels in the
clear.

CSRF: SameSite=Lax already stops most cross-site writes; a per-session token sent back in the
``X-CSRF-Token`` header (which a cross-site form cannot set) and the Origin check close the rest.
Bearer-token requests carry no ambient credential and need neither.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from craftology.errors import Forbidden

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class CookiePolicy:
    secure: bool = True
    base_name: str = "craftology_session"

    @property
    def name(self) -> str:
        return f"__Host-{self.base_name}" if self.secure else self.base_name

    def set_cookie(self, session_id: str, *, host: str, max_age: timedelta | None = None) -> str:
        """The Set-Cookie value carrying `session_id` for a response to `host` (the Host header).
        `max_age` None: a browser-session cookie; otherwise, typically the session's time left."""
        if not self.secure and not is_loopback(host):
            raise Forbidden(
                f"refusing to send a session cookie without Secure to {host!r}: insecure cookies are "
                "only for plain-http development on localhost; serve over https and enable "
                "CRAFTOLOGY_SESSIONS__COOKIE_SECURE"
            )
        attributes = [f"{self.name}={session_id}", *self._attributes()]
        if max_age is not None:
            attributes.append(f"Max-Age={max(0, int(max_age.total_seconds()))}")
        return "; ".join(attributes)

    def clear_cookie(self) -> str:
        """The Set-Cookie value that removes the cookie (logout)."""
        return "; ".join([f"{self.name}=", *self._attributes(), "Max-Age=0"])

    def read(self, cookie_header: str | None) -> str | None:
        """The session id from a Cookie header, or None (absent or unparseable)."""
        # Not http.cookies: it drops every cookie after one it cannot parse, and browsers send
        # other sites' sloppy cookies on the same header.
        for pair in (cookie_header or "").split(";"):
            name, sep, value = pair.partition("=")
            if sep and name.strip() == self.name:
                return value.strip() or None
        return None

    def _attributes(self) -> list[str]:
        return ["Path=/", "HttpOnly", "SameSite=Lax", *(["Secure"] if self.secure else [])]


def is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses, with or without a port."""
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalize_origin(origin: str) -> str | None:
    """`scheme://host[:port]` lower-cased with the default port dropped; None if not an origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    suffix = "" if port is None or port == _DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{host}{suffix}"


def own_origin(scheme: str, host: str) -> str:
    """The origin a request was addressed to (its scheme and Host header): a cross-site page
    cannot make a victim's browser send another site's Host, so this is safe to trust."""
    return normalize_origin(f"{scheme}://{host}") or ""


def check_origin(*, origin: str | None, allowed_origins: Collection[str], sec_fetch_site: str | None) -> None:
    """Forbidden when the browser says the request comes from another site: ``Sec-Fetch-Site:
    cross-site``, or an ``Origin`` that is not one of `allowed_origins`. The part of the CSRF check
    that needs no session, for the requests that start or end one (sign-in, sign-out)."""
    if sec_fetch_site is not None and sec_fetch_site.strip().lower() == "cross-site":
        raise Forbidden("CSRF check failed: cross-site request")
    if origin is not None:
        allowed = {normalize_origin(o) for o in allowed_origins} - {None}
        if normalize_origin(origin) not in allowed:
            raise Forbidden(f"CSRF check failed: origin {origin[:200]!r} is not allowed")


def check_csrf(
    *,
    method: str,
    expected_token: str,
    header_token: str | None,
    origin: str | None,
    allowed_origins: Collection[str],
    sec_fetch_site: str | None = None,
) -> None:
    """Forbidden unless a cookie-authenticated request is safe or proves it came from our pages.

    Unsafe methods need the session's CSRF token in ``X-CSRF-Token`` (compared in constant time);
    an ``Origin`` header, when the browser sends one, must be one of `allowed_origins` (usually
    `own_origin(...)` plus configured front-end origins), and a browser that labels the request
    ``Sec-Fetch-Site: cross-site`` is refused outright.
    """
    if method.upper() in SAFE_METHODS:
        return
    check_origin(origin=origin, allowed_origins=allowed_origins, sec_fetch_site=sec_fetch_site)
    if not header_token:
        raise Forbidden(f"CSRF check failed: missing {CSRF_HEADER} header")
    if not hmac.compare_digest(header_token.encode(), expected_token.encode()):
        raise Forbidden(f"CSRF check failed: {CSRF_HEADER} does not match the session")
