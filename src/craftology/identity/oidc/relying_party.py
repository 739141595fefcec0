"""The OIDC relying party: login with the authorization-code flow (PKCE S256, state, nonce), RP-initiated
logout, and back-channel logout. The API's /auth routes call this; it knows nothing of HTTP routes or
sessions (the session store is given a callback to end sessions).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine

from craftology.config import OidcSettings
from craftology.errors import BadInput, CraftologyError
from craftology.identity.oidc.claims import ClaimsMapping, VerifiedIdentity
from craftology.identity.oidc.keys import SigningKeys
from craftology.identity.oidc.pending import LogoutTokenLedger, PendingLogin, PendingLogins
from craftology.identity.oidc.provider import ProviderClient
from craftology.identity.oidc.return_to import safe_return_path
from craftology.identity.oidc.tokens import Expectations, validate_id_token, validate_logout_token


@dataclass(frozen=True)
class LoginRedirect:
    """Send the browser to `authorize_url`. `state` is also returned so the caller may bind it to the
    browser (a short-lived cookie compared at the callback), which defeats login CSRF."""

    authorize_url: str
    state: str


@dataclass(frozen=True)
class CompletedLogin:
    identity: VerifiedIdentity
    return_to: str  # a same-origin path, checked when the login began


@dataclass(frozen=True)
class LogoutTarget:
    """Which sessions a back-channel logout ends: the provider session `sid`, else every one of `subject`."""

    sid: str | None
    subject: str | None


EndSessions = Callable[[LogoutTarget], None]


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcRelyingParty:
    """One per process (thread-safe); every state it needs across requests is in the control plane."""

    def __init__(
        self,
        settings: OidcSettings,
        engine: Engine,
        *,
        end_sessions: EndSessions | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not settings.issuer_url:
            raise CraftologyError("OIDC sign-in is not configured (set CRAFTOLOGY_OIDC__ISSUER_URL)")
        self._settings = settings
        self._clock = clock
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=settings.http_timeout_seconds)
        self._provider = ProviderClient(settings.issuer_url, self._http, clock)
        self._keys = SigningKeys(self._fetch_jwks, settings.jwks_min_refetch_seconds, clock)
        self._pending = PendingLogins(engine, clock)
        self._logout_tokens = LogoutTokenLedger(engine, clock)
        self._mapping = ClaimsMapping.from_settings(settings)
        self._end_sessions = end_sessions

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def begin_login(self, return_to: str | None = None) -> LoginRedirect:
        """Start a login; BadInput for a return URL that is not a path on this site."""
        path = safe_return_path(return_to)
        endpoint = self._provider.metadata().authorization_endpoint
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters; RFC 7636 asks for 43 to 128
        self._pending.add(
            state,
            PendingLogin(nonce=nonce, code_verifier=verifier, return_to=path),
            self._settings.login_ttl_seconds,
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._settings.client_id,
                "redirect_uri": self._settings.redirect_uri,
                "scope": self._settings.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        return LoginRedirect(authorize_url=f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state=state)

    def complete_login(self, *, code: str, state: str) -> CompletedLogin:
        """Finish the login the provider redirected back (`code` and `state` from the callback URL).

        Unauthenticated for an unknown, replayed or expired state, a refused code or an invalid ID token;
        Forbidden when the account maps to no tenant or role; TransientError when the provider is down.
        """
        if not code or not state:
            raise BadInput("the login callback needs both `code` and `state`")
        login = self._pending.consume(state)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._settings.redirect_uri,
            "code_verifier": login.code_verifier,
            "client_id": self._settings.client_id,
        }
        secret = self._settings.client_secret
        auth = (self._settings.client_id, secret.get_secret_value()) if secret else None
        tokens = self._provider.post_token_request(self._provider.metadata().token_endpoint, form, auth)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise BadInput("the identity provider returned no ID token; is `openid` among the scopes?")
        return CompletedLogin(identity=self.verify_id_token(id_token, login.nonce), return_to=login.return_to)

    def verify_id_token(self, id_token: str, nonce: str) -> VerifiedIdentity:
        """Validate an ID token for the login that used `nonce`, and map it to a tenant and roles."""
        claims = validate_id_token(id_token, self._keys.key_for, self._expectations(), nonce)
        return self._mapping.identity(claims, id_token)

    def logout_url(self, *, id_token: str | None, state: str | None = None) -> str:
        """Where to send the browser to end its session at the provider too (RP-initiated logout)."""
        endpoint = self._provider.metadata().end_session_endpoint
        if endpoint is None:
            raise CraftologyError("the identity provider publishes no end_session_endpoint")
        params = {"client_id": self._settings.client_id}
        if id_token:
            params["id_token_hint"] = id_token
        if self._settings.post_logout_redirect_uri:
            params["post_logout_redirect_uri"] = self._settings.post_logout_redirect_uri
        if state:
            params["state"] = state
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"

    def backchannel_logout(self, logout_token: str) -> LogoutTarget:
        """Validate a logout token POSTed by the provider and end the sessions it names, once."""
        claims = validate_logout_token(logout_token, self._keys.key_for, self._expectations())
        target = LogoutTarget(
            sid=claims.get("sid") if isinstance(claims.get("sid"), str) else None,
            subject=claims.get("sub") if isinstance(claims.get("sub"), str) else None,
        )
        jti = str(claims["jti"])
        self._logout_tokens.record(jti, float(claims["exp"]) + self._settings.leeway_seconds)
        if self._end_sessions is not None:
            try:
                self._end_sessions(target)
            except BaseException:
                self._logout_tokens.forget(jti)
                raise
        return target

    def _expectations(self) -> Expectations:
        return Expectations(
            issuer=self._provider.issuer,
            client_id=self._settings.client_id,
            now=self._clock(),
            leeway_seconds=self._settings.leeway_seconds,
        )

    def _fetch_jwks(self) -> dict[str, object]:
        return self._provider.get_json(self._provider.metadata().jwks_uri)
