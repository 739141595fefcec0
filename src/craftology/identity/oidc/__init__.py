"""Sign-in through an OpenID Connect provider (Keycloak): the relying party and what it returns."""

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
