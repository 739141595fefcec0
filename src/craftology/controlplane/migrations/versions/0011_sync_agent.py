"""The data-sync agent's read positions in the tenants' change feeds.

Revision ID: 0011_sync_agent
Revises: 0010_provider_keys
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_sync_agent"
down_revision = "0010_provider_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_agent_positions",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_sync_agent_positions_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_sync_agent_positions"),
    )


def downgrade() -> None:
    op.drop_table("sync_agent_positions")
