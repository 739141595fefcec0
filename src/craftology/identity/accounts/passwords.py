"""Password hashing with argon2id (argon2-cffi). Only the PHC string is stored, never the password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from craftology.errors import BadInput

MIN_PASSWORD = 8
# argon2 accepts any length; a bound keeps a megabyte "password" from costing the server anything.
MAX_PASSWORD = 1024


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadInput(f"a password must be {MIN_PASSWORD}..{MAX_PASSWORD} characters")
    return password


@dataclass
class Passwords:
    """Hashes and verifies passwords with one set of argon2id parameters (argon2-cffi's defaults, the
    RFC 9106 low-memory profile, unless given). A hash made with other parameters still verifies and
    `needs_rehash` says it should be replaced."""

    hasher: PasswordHasher = field(default_factory=lambda: PasswordHasher(type=Type.ID))
    _dummy: str | None = field(default=None, init=False, repr=False)

    def hash(self, password: str) -> str:
        return self.hasher.hash(check_password(password))

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`. Without a stored hash (an unknown user, or an account
        without a password) a dummy hash is verified instead, so the answer takes as long either way
        and its timing does not tell which accounts exist."""
        if stored is None:
            self._verify(self._dummy_hash(), password)
            return False
        return self._verify(stored, password)

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy
