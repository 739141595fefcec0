"""API tokens: random secrets shown once; only their sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "cft_"  # noqa: S105 - lets secret scanners and humans recognise a Craftology token


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Hex sha256 of the token. Tokens carry 256 random bits, so a fast unsalted hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()
