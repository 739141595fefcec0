"""Built-in accounts: passwords and a disabled flag on users, custom roles, invitations, and API tokens
that belong to a user (with scopes, an expiry and when they were last used).

Every existing tenant gets an owner user, `owner@<tenant-id>.invalid` (the reserved `.invalid` domain:
no one can receive mail there), without a password, as its `owner` member; the tenant's existing
tokens become that owner's tokens with every scope, so they keep working. An operator gives the owner
a real address and a password with `craftology users ...`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from craftology.controlplane.types import UtcDateTime, utc_now

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = 64
ALL_SCOPES = ["admin", "generate", "read", "write"]

_tenants = sa.table("tenants", sa.column("id", sa.String), sa.column("name", sa.String))
_users = sa.table(
    "users",
    sa.column("id", sa.String),
    sa.column("email", sa.String),
    sa.column("display_name", sa.String),
    sa.column("created_at", UtcDateTime()),
)
_memberships = sa.table(
    "memberships",
    sa.column("tenant_id", sa.String),
    sa.column("user_id", sa.String),
    sa.column("role", sa.String),
)
_tokens = sa.table(
    "api_tokens",
    sa.column("tenant_id", sa.String),
    sa.column("user_id", sa.String),
    sa.column("scopes", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
        batch.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("user_id", sa.String(ID), nullable=True))
        batch.add_column(sa.Column("scopes", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("expires_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("last_used_at", UtcDateTime(), nullable=True))
    _give_every_tenant_an_owner()
    # Filled in above: now every token has its user and scopes.
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("user_id", existing_type=sa.String(ID), nullable=False)
        batch.alter_column("scopes", existing_type=sa.JSON(), nullable=False)
        batch.create_foreign_key(
            "fk_api_tokens_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_api_tokens_user", ["user_id"])
    op.create_table(
        "tenant_roles",
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name", name="pk_tenant_roles"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_tenant_roles_tenant_id_tenants", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_by", sa.String(ID), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("accepted_at", UtcDateTime(), nullable=True),
        sa.Column("accepted_by", sa.String(ID), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_invitations_token_hash"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_invitations_tenant_id_tenants", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_invitations_tenant", "invitations", ["tenant_id", "created_at"])


def _give_every_tenant_an_owner() -> None:
    conn = op.get_bind()
    for tenant_id, name in conn.execute(sa.select(_tenants.c.id, _tenants.c.name)).all():
        email = f"owner@{tenant_id}.invalid"
        # Present already when this migration runs again after a downgrade: reused, not duplicated.
        user_id = conn.execute(sa.select(_users.c.id).where(_users.c.email == email)).scalar_one_or_none()
        if user_id is None:
            user_id = f"usr-{secrets.token_hex(8)}"
            conn.execute(
                sa.insert(_users).values(
                    id=user_id, email=email, display_name=f"{name} owner"[:200], created_at=utc_now()
                )
            )
        member = sa.select(_memberships.c.role).where(
            _memberships.c.tenant_id == tenant_id, _memberships.c.user_id == user_id
        )
        if conn.execute(member).first() is None:
            conn.execute(sa.insert(_memberships).values(tenant_id=tenant_id, user_id=user_id, role="owner"))
        conn.execute(
            sa.update(_tokens)
            .where(_tokens.c.tenant_id == tenant_id, _tokens.c.user_id.is_(None))
            .values(user_id=user_id, scopes=ALL_SCOPES)
        )


def downgrade() -> None:
    op.drop_index("ix_invitations_tenant", table_name="invitations")
    op.drop_table("invitations")
    op.drop_table("tenant_roles")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_user")
        batch.drop_constraint("fk_api_tokens_user_id_users", type_="foreignkey")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
        batch.drop_column("user_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled")
        batch.drop_column("password_hash")
