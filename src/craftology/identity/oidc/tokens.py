"""Validating the provider's JWTs: ID tokens (at login) and logout tokens (back-channel logout).

No I/O here: keys come from a resolver (`SigningKeys.key_for`) and the time from the caller, so a test
can validate a real token as if it were tomorrow. Every refusal is `Unauthenticated` with a reason.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

import jwt

from craftology.errors import Unauthenticated
from craftology.identity.oidc.keys import ALLOWED_ALGORITHMS

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"

KeyResolver = Callable[[str, str], jwt.PyJWK]  # (kid, alg) -> key


@dataclass(frozen=True)
class Expectations:
    """What a token of our provider, for our client, must say to be accepted at `now` (epoch seconds)."""

    issuer: str
    client_id: str
    now: float
    leeway_seconds: float


def validate_id_token(token: str, keys: KeyResolver, expect: Expectations, nonce: str) -> dict[str, Any]:
    """The claims of an ID token issued for this login (`nonce` is the one stored when it began)."""
    claims = _verified_claims(token, keys, expect, kind="ID token")
    azp = claims.get("azp")
    audiences = _audiences(claims)
    # OIDC Core 3.1.3.7: with several audiences the authorized party must be us; if named, it must be us.
    if (len(audiences) > 1 or azp is not None) and azp != expect.client_id:
        raise Unauthenticated(f"ID token was issued to client {azp!r}, not {expect.client_id!r}")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce, nonce):
        raise Unauthenticated("ID token's nonce does not match this login (a replayed or foreign token)")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise Unauthenticated("ID token names no subject")
    return claims


def validate_logout_token(token: str, keys: KeyResolver, expect: Expectations) -> dict[str, Any]:
    """The claims of a back-channel logout token (OpenID Connect Back-Channel Logout 1.0, section 2.6)."""
    claims = _verified_claims(token, keys, expect, kind="logout token")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise Unauthenticated("logout token lacks the back-channel logout event")
    if "nonce" in claims:
        # An ID token must never be usable as a logout token; the spec forbids nonce here for that reason.
        raise Unauthenticated("logout token carries a nonce (an ID token cannot end sessions)")
    if not _non_empty_text(claims.get("sid")) and not _non_empty_text(claims.get("sub")):
        raise Unauthenticated("logout token names neither a session (sid) nor a subject (sub)")
    if not _non_empty_text(claims.get("jti")):
        raise Unauthenticated("logout token has no jti")
    return claims


def _verified_claims(token: str, keys: KeyResolver, expect: Expectations, kind: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthenticated(f"{kind} is not a well-formed JWT") from None
    algorithm = header.get("alg")
    if algorithm not in ALLOWED_ALGORITHMS:
        allowed = ", ".join(sorted(ALLOWED_ALGORITHMS))
        raise Unauthenticated(f"{kind} uses algorithm {algorithm!r}; only {allowed} are accepted")
    kid = header.get("kid")
    if not _non_empty_text(kid):
        raise Unauthenticated(f"{kind} names no signing key (kid)")
    key = keys(kid, algorithm)
    try:
        # Signature only: the claims are checked below against our clock and with clearer messages.
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise Unauthenticated(f"{kind} signature does not verify (tampered or forged)") from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"{kind} is not valid: {exc}") from None
    _check_standard_claims(claims, expect, kind)
    return claims


def _check_standard_claims(claims: dict[str, Any], expect: Expectations, kind: str) -> None:
    if claims.get("iss") != expect.issuer:
        raise Unauthenticated(f"{kind} was issued by {claims.get('iss')!r}, not {expect.issuer!r}")
    if expect.client_id not in _audiences(claims):
        raise Unauthenticated(f"{kind} is meant for {claims.get('aud')!r}, not {expect.client_id!r}")
    expires, issued = claims.get("exp"), claims.get("iat")
    if not _is_number(expires) or not _is_number(issued):
        raise Unauthenticated(f"{kind} lacks a numeric exp or iat")
    if expect.now > expires + expect.leeway_seconds:
        raise Unauthenticated(f"{kind} expired")
    if issued > expect.now + expect.leeway_seconds:
        raise Unauthenticated(f"{kind} is issued in the future (clock skew beyond the leeway?)")
    not_before = claims.get("nbf")
    if _is_number(not_before) and not_before > expect.now + expect.leeway_seconds:
        raise Unauthenticated(f"{kind} is not valid yet")


def _audiences(claims: dict[str, Any]) -> list[str]:
    audience = claims.get("aud")
    if isinstance(audience, str):
        return [audience]
    if isinstance(audience, list):
        return [a for a in audience if isinstance(a, str)]
    return []


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _non_empty_text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value)
