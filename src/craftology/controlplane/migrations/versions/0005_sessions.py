"""Server-side sessions and rate-limit counters for the embedded session store and rate limiter.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from craftology.controlplane.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("user_id", sa.String(ID), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen", UtcDateTime(), nullable=False),
        sa.Column("idle_seconds", sa.Float(), nullable=False),
        sa.Column("absolute_seconds", sa.Float(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("oidc_sid", sa.String(255), nullable=True),
        sa.Column("oidc_sub", sa.String(255), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id_hash", name="pk_sessions"),
    )
    op.create_index("ix_sessions_user", "sessions", ["tenant_id", "user_id"])
    op.create_index("ix_sessions_oidc_sid", "sessions", ["oidc_sid"])
    op.create_index("ix_sessions_ends_at", "sessions", ["ends_at"])
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("window_start", UtcDateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limits"),
    )
    op.create_index("ix_rate_limits_expires_at", "rate_limits", ["expires_at"])


def downgrade() -> None:
    op.drop_table("rate_limits")
    op.drop_table("sessions")
