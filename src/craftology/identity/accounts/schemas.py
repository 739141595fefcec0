"""Request and response bodies of the members, invitations and tokens API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from craftology.identity.accounts.passwords import MAX_PASSWORD, MIN_PASSWORD
from craftology.identity.accounts.records import (
    MAX_DISPLAY_NAME,
    MAX_EMAIL,
    ApiToken,
    CreatedInvitation,
    CreatedToken,
    Invitation,
    Member,
)
from craftology.identity.accounts.roles import ROLE_NAME
from craftology.identity.principal import Scope

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
RoleName = Annotated[
    str, Field(pattern=ROLE_NAME, description="owner, admin, editor, viewer or a custom role")
]
Email = Annotated[
    str, Field(max_length=MAX_EMAIL, pattern=EMAIL_PATTERN, description="Compared case-insensitively")
]
Password = Annotated[str, Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberOut(BaseModel):
    user_id: str
    email: str
    display_name: str
    role: str
    disabled: bool

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        user = member.user
        return cls(user_id=user.id, email=user.email, display_name=user.display_name, role=member.role,
                   disabled=user.disabled)  # fmt: skip


class MemberList(BaseModel):
    items: list[MemberOut]


class RoleIn(_In):
    role: RoleName


class PasswordChangeIn(_In):
    old_password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD)]
    new_password: Password


class InvitationIn(_In):
    email: Email
    role: RoleName
    expires_in_hours: Annotated[int, Field(ge=1, le=90 * 24, description="How long it can be accepted")] = (
        7 * 24
    )


class InvitationOut(BaseModel):
    id: str
    email: str
    role: str
    invited_by: str | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationOut:
        return cls(
            id=invitation.id, email=invitation.email, role=invitation.role, invited_by=invitation.invited_by,
            created_at=invitation.created_at, expires_at=invitation.expires_at,
            accepted_at=invitation.accepted_at,
        )  # fmt: skip


class InvitationList(BaseModel):
    items: list[InvitationOut]


class InvitationCreated(InvitationOut):
    token: str = Field(description="The invitation's secret, shown this once: send it to the invitee")

    @classmethod
    def created(cls, made: CreatedInvitation) -> InvitationCreated:
        return cls(**InvitationOut.of(made.invitation).model_dump(), token=made.secret)


class AcceptIn(_In):
    token: Annotated[str, Field(min_length=1, max_length=200, description="The invitation's secret")]
    password: Password | None = Field(default=None, description="Required when the address has no account")
    display_name: Annotated[str, Field(min_length=1, max_length=MAX_DISPLAY_NAME)] | None = None


class AcceptedOut(MemberOut):
    tenant_id: str


class TokenIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=8)]
    expires_at: datetime | None = Field(
        default=None, description="A future time with a time zone; none: never"
    )


class TokenOut(BaseModel):
    id: str
    name: str
    user_id: str
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id, name=token.name, user_id=token.user_id, scopes=sorted(token.scopes),
            created_at=token.created_at, expires_at=token.expires_at, revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )  # fmt: skip


class TokenList(BaseModel):
    items: list[TokenOut]


class TokenCreated(TokenOut):
    secret: str = Field(description="The token, shown this once: send it as `Authorization: Bearer <secret>`")

    @classmethod
    def created(cls, made: CreatedToken) -> TokenCreated:
        return cls(**TokenOut.of(made.token).model_dump(), secret=made.secret)
