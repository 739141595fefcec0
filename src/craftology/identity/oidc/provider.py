"""Talking to the OpenID provider: its discovery document and its HTTP endpoints.

Every way the provider can fail to answer (refused connection, timeout, 5xx, garbage) becomes a
`TransientError` (503) naming the provider, so a login fails with a clear message while Keycloak is
down and works again as soon as it is back: nothing learnt from a failed call is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from craftology.errors import CraftologyError, TransientError, Unauthenticated

# The discovery document rarely changes; re-reading it hourly picks up a moved endpoint without a restart.
METADATA_TTL_SECONDS = 3600.0


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


class ProviderMisconfigured(CraftologyError):
    """The provider answers, but not as the configuration says it should (an operator must fix this)."""

    problem_type = "/problems/identity-provider-misconfigured"
    title = "Identity provider misconfigured"


class ProviderClient:
    """HTTP access to one issuer; thread-safe, so one instance serves every request of a process."""

    def __init__(self, issuer: str, http: httpx.Client, clock: Callable[[], float]) -> None:
        self.issuer = issuer
        self._http = http
        self._clock = clock
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._metadata_read_at = 0.0

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            fresh = self._clock() - self._metadata_read_at < METADATA_TTL_SECONDS
            if self._metadata is None or not fresh:
                self._metadata = self._discover()
                self._metadata_read_at = self._clock()
            return self._metadata

    def _discover(self) -> ProviderMetadata:
        document = self.get_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
        if document.get("issuer") != self.issuer:
            raise ProviderMisconfigured(
                f"the provider's discovery document names issuer {document.get('issuer')!r}, "
                f"but {self.issuer!r} is configured; they must be identical"
            )
        try:
            return ProviderMetadata(
                issuer=self.issuer,
                authorization_endpoint=_text(document, "authorization_endpoint"),
                token_endpoint=_text(document, "token_endpoint"),
                jwks_uri=_text(document, "jwks_uri"),
                end_session_endpoint=document.get("end_session_endpoint") or None,
            )
        except KeyError as missing:
            raise ProviderMisconfigured(
                f"the discovery document of {self.issuer} lacks {missing.args[0]}"
            ) from None

    def get_json(self, url: str) -> dict[str, Any]:
        response = self._call("GET", url)
        if response.status_code != 200:
            raise TransientError(
                f"identity provider answered {response.status_code} for {url}; sign-in is unavailable"
            )
        return _json_object(response, url)

    def post_token_request(
        self, url: str, form: dict[str, str], auth: tuple[str, str] | None
    ) -> dict[str, Any]:
        """POST to the token endpoint; a refused grant (4xx) is the caller's problem, not an outage."""
        response = self._call("POST", url, data=form, auth=auth)
        if 400 <= response.status_code < 500:
            reason = _oauth_error(response)
            raise Unauthenticated(f"the identity provider refused the login ({reason}); log in again")
        if response.status_code != 200:
            raise TransientError(
                f"identity provider answered {response.status_code} at its token endpoint; "
                "sign-in is unavailable"
            )
        return _json_object(response, url)

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise TransientError(
                f"identity provider {self.issuer} is unreachable ({type(exc).__name__}: {exc}); "
                "sign-in is unavailable until it answers again"
            ) from exc


def _text(document: dict[str, Any], key: str) -> str:
    value = document[key]
    if not isinstance(value, str) or not value:
        raise KeyError(key)
    return value


def _json_object(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TransientError(f"identity provider sent no JSON object from {url}; sign-in is unavailable")
    return body


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    error, description = body.get("error"), body.get("error_description")
    return ": ".join(str(part) for part in (error, description) if part) or f"HTTP {response.status_code}"
