"""The control plane's event outbox: run events are written in the transaction that changes the run.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_event_outbox"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_event_outbox_tenant_id_tenants", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("event_outbox")
