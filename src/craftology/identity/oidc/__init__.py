"""Sign-in through an OpenID Connect provider (Keycloak): the relying party and what it returns.

How the /auth routes use it (one `OidcRelyingParty` per process, built from `Settings.oidc`):

- GET /auth/login?return_to=/x: `begin_login(return_to)`; redirect to `.authorize_url` (BadInput for a
  return URL off the site; TransientError 503 when the provider is down).
- GET /auth/callback?code&state: `complete_login(code=, state=)` gives the `VerifiedIdentity` and the
  checked `return_to`; create the session from it (a new session id) and redirect there. A callback
  with `error=` instead of `code` is the provider refusing; no call is needed.
- POST /auth/logout: end our session, then redirect to `logout_url(id_token=identity.id_token)`.
- POST /auth/backchannel-logout (form field `logout_token`): `backchannel_logout(token)`; answer 200,
  or 400 on any CraftologyError (the spec's answer to an invalid token). The `end_sessions` callback
  given to the constructor ends the sessions of the returned `LogoutTarget`.
"""

from craftology.identity.oidc.claims import ClaimsMapping, VerifiedIdentity
from craftology.identity.oidc.relying_party import (
    CompletedLogin,
    EndSessions,
    LoginRedirect,
    LogoutTarget,
    OidcRelyingParty,
)
from craftology.identity.oidc.return_to import safe_return_path

__all__ = [
    "ClaimsMapping",
    "CompletedLogin",
    "EndSessions",
    "LoginRedirect",
    "LogoutTarget",
    "OidcRelyingParty",
    "VerifiedIdentity",
    "safe_return_path",
]
