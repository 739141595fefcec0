"""OIDC sign-in: logins waiting for the provider's redirect, and back-channel logout tokens seen.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from craftology.controlplane.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_pending_logins",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("return_to", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name="pk_oidc_pending_logins"),
    )
    op.create_index("ix_oidc_pending_logins_expires_at", "oidc_pending_logins", ["expires_at"])
    op.create_table(
        "oidc_logout_tokens",
        sa.Column("jti_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("jti_hash", name="pk_oidc_logout_tokens"),
    )
    op.create_index("ix_oidc_logout_tokens_expires_at", "oidc_logout_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("oidc_logout_tokens")
    op.drop_table("oidc_pending_logins")
