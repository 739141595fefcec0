"""Queries on invitations (tenant-scoped, except the lookup by secret)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from craftology.controlplane.schema import invitations
from craftology.identity.accounts.records import Invitation, new_id
from craftology.tenancy.tokens import hash_token


def _invitation(row: Row[Any]) -> Invitation:
    values = dict(row._mapping)
    values.pop("token_hash")
    return Invitation(**values)


def insert_invitation(
    conn: Connection,
    tenant_id: str,
    email: str,
    role: str,
    secret: str,
    invited_by: str | None,
    now: datetime,
    expires_at: datetime,
) -> Invitation:
    invitation = Invitation(
        id=new_id("inv"), tenant_id=tenant_id, email=email, role=role, invited_by=invited_by,
        created_at=now, expires_at=expires_at, accepted_at=None, accepted_by=None,
    )  # fmt: skip
    conn.execute(insert(invitations).values(**invitation.__dict__, token_hash=hash_token(secret)))
    return invitation


def list_invitations(conn: Connection, tenant_id: str) -> list[Invitation]:
    query = select(invitations).where(invitations.c.tenant_id == tenant_id)
    return [_invitation(row) for row in conn.execute(query.order_by(invitations.c.created_at))]


def invitation_of_secret(conn: Connection, secret: str) -> Invitation | None:
    row = conn.execute(select(invitations).where(invitations.c.token_hash == hash_token(secret))).first()
    return None if row is None else _invitation(row)


def mark_accepted(conn: Connection, invitation_id: str, user_id: str, now: datetime) -> bool:
    """Accept an open invitation; False when it was accepted already (a concurrent accept won)."""
    query = (
        update(invitations)
        .where(invitations.c.id == invitation_id, invitations.c.accepted_at.is_(None))
        .values(accepted_at=now, accepted_by=user_id)
    )
    return conn.execute(query).rowcount == 1
