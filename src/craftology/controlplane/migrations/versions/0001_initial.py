"""Initial control-plane schema.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from craftology.controlplane.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "memberships",
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("user_id", sa.String(ID), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_memberships"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_memberships_tenant_id_tenants", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_memberships_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "projects",
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_projects"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_projects_tenant_id_tenants", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("project_id", sa.String(ID), nullable=False),
        sa.Column("workflow_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan_size", sa.Integer(), nullable=False),
        sa.Column("generated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("superseded", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_runs_tenant_id_tenants", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'running', 'succeeded', 'failed', 'cancelled')", name="ck_runs_status"
        ),
    )
    op.create_index("ix_runs_tenant_project", "runs", ["tenant_id", "project_id", "created_at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_api_tokens_tenant_id_tenants", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_api_tokens_tenant", "api_tokens", ["tenant_id"])
    op.create_table(
        "models",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("backend", sa.String(64), nullable=False),
        sa.Column("template_version", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("cost_per_unit", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", "version", name="pk_models"),
        sa.CheckConstraint("kind IN ('sheet', 'keyframe', 'clip', 'cut')", name="ck_models_kind"),
        sa.CheckConstraint("unit IN ('image', 'second', 'clip')", name="ck_models_unit"),
        sa.CheckConstraint("cost_per_unit >= 0", name="ck_models_cost"),
    )
    op.create_table(
        "model_defaults",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("model_id", sa.String(ID), nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_model_defaults"),
        sa.CheckConstraint("kind IN ('sheet', 'keyframe', 'clip', 'cut')", name="ck_model_defaults_kind"),
    )


def downgrade() -> None:
    for table in ("model_defaults", "models", "api_tokens", "runs", "projects", "memberships", "users"):
        op.drop_table(table)
    op.drop_table("tenants")
