"""The provider's signing keys (its JWKS), cached, and refetched when a token names an unknown key.

Keycloak rotates keys by adding a new active key: tokens then carry a `kid` the cache has not seen, and
one refetch finds it. Refetches are spaced by a minimum interval so that tokens with made-up key ids
cannot make us hammer the provider.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import jwt

from craftology.errors import TransientError, Unauthenticated

# Only asymmetric signatures: `none` proves nothing and HS* would need a secret we share with nobody
# (and with a public key mistaken for an HMAC secret, anyone could sign).
ALLOWED_ALGORITHMS = frozenset({"RS256", "ES256"})


class SigningKeys:
    """Keys by `kid`; `fetch` returns the JWKS document (raising TransientError when unreachable)."""

    def __init__(
        self, fetch: Callable[[], dict[str, Any]], min_refetch_seconds: float, clock: Callable[[], float]
    ) -> None:
        self._fetch = fetch
        self._min_refetch_seconds = min_refetch_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None

    def key_for(self, kid: str, algorithm: str) -> jwt.PyJWK:
        with self._lock:
            key = self._keys.get(kid)
            if key is None and self._may_refetch():
                self._refetch()
                key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated(f"token signed with key {kid!r}, which the provider does not publish")
        if key.algorithm_name != algorithm:
            raise Unauthenticated(f"token claims {algorithm} but key {kid!r} is a {key.algorithm_name} key")
        return key

    def _may_refetch(self) -> bool:
        if self._fetched_at is None:
            return True
        return self._clock() - self._fetched_at >= self._min_refetch_seconds

    def _refetch(self) -> None:
        document = self._fetch()
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise TransientError("identity provider's JWKS has no `keys` list; sign-in is unavailable")
        usable = (_signing_key(entry) for entry in entries)
        self._keys = dict(pair for pair in usable if pair is not None)
        self._fetched_at = self._clock()


def _signing_key(entry: Any) -> tuple[str, jwt.PyJWK] | None:
    """The (kid, key) of a usable signature key; None for encryption keys and other algorithms."""
    if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
        return None
    if entry.get("use", "sig") != "sig":
        return None
    if entry.get("alg") is not None and entry["alg"] not in ALLOWED_ALGORITHMS:
        return None
    try:
        key = jwt.PyJWK(entry)
    except jwt.PyJWTError:
        return None
    if key.algorithm_name not in ALLOWED_ALGORITHMS:
        return None
    return str(entry["kid"]), key
