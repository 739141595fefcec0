"""What the accounts store holds, as the services hand it out (never a password hash or a secret)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from craftology.errors import BadInput
from craftology.identity.principal import Scope

MAX_EMAIL = 320
MAX_DISPLAY_NAME = 200
# Deliberately loose: an address is proved by mail reaching it (an invitation), not by a pattern.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def normalize_email(email: str) -> str:
    """The address as stored and compared: trimmed and lower-cased, so `Mia@X.com` and `mia@x.com` are
    one account."""
    email = email.strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise BadInput(f"invalid email address {email[:80]!r}")
    return email


def check_display_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_DISPLAY_NAME:
        raise BadInput(f"a display name must be 1..{MAX_DISPLAY_NAME} characters")
    return name


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


@dataclass(frozen=True)
class User:
    id: str
    email: str
    display_name: str
    created_at: datetime
    disabled: bool
    has_password: bool


@dataclass(frozen=True)
class Membership:
    tenant_id: str
    user_id: str
    role: str


@dataclass(frozen=True)
class Member:
    """A user as a member of one tenant."""

    tenant_id: str
    user: User
    role: str


@dataclass(frozen=True)
class Invitation:
    id: str
    tenant_id: str
    email: str
    role: str
    invited_by: str | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    accepted_by: str | None


@dataclass(frozen=True)
class ApiToken:
    """A token's record. The secret itself is never stored; see CreatedToken."""

    id: str
    tenant_id: str
    user_id: str
    name: str
    scopes: frozenset[Scope]
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class CreatedToken:
    """A new token with its secret, which is shown this once and never stored."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class CreatedInvitation:
    """A new invitation with its secret, shown this once (only its sha256 is stored)."""

    invitation: Invitation
    secret: str
