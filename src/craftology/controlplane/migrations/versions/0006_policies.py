"""Cedar policy sets with their versions, and B2B grants (the PBAC center).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from craftology.controlplane.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "policy_sets",
        sa.Column("scope", sa.String(ID), nullable=False),
        sa.Column("active_version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_policy_sets"),
    )
    op.create_table(
        "policy_versions",
        sa.Column("scope", sa.String(ID), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(ID), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "version", name="pk_policy_versions"),
        sa.ForeignKeyConstraint(
            ["scope"], ["policy_sets.scope"], name="fk_policy_versions_scope_policy_sets", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "policy_grants",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("grantor", sa.String(ID), nullable=False),
        sa.Column("grantee", sa.String(ID), nullable=False),
        sa.Column("resource_type", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(ID), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_policy_grants"),
        sa.ForeignKeyConstraint(
            ["grantor"], ["tenants.id"], name="fk_policy_grants_grantor_tenants", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["grantee"], ["tenants.id"], name="fk_policy_grants_grantee_tenants", ondelete="CASCADE"
        ),
    )
    op.create_index(
        "ix_policy_grants_lookup", "policy_grants", ["grantee", "grantor", "resource_type", "resource_id"]
    )


def downgrade() -> None:
    op.drop_table("policy_grants")
    op.drop_table("policy_versions")
    op.drop_table("policy_sets")
