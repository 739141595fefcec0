"""Stored run plans (run_tasks) and one unfinished run per project, enforced by the database.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = 64
UNFINISHED_RUN = "status IN ('planned', 'running')"


def upgrade() -> None:
    # Runs left unfinished by the watcher-based code would violate the new index; they can never end now.
    op.execute(
        sa.text(
            "UPDATE runs SET status = 'failed', error = 'interrupted by an upgrade; start a new sync' "
            "WHERE status IN ('planned', 'running')"
        )
    )
    op.create_index(
        "uq_runs_one_unfinished",
        "runs",
        ["tenant_id", "project_id"],
        unique=True,
        sqlite_where=sa.text(UNFINISHED_RUN),
        postgresql_where=sa.text(UNFINISHED_RUN),
    )
    op.create_table(
        "run_tasks",
        sa.Column("run_id", sa.String(ID), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("deps", sa.JSON(), nullable=False),
        sa.Column("dependents", sa.JSON(), nullable=False),
        sa.Column("inputs_digest", sa.String(128), nullable=False),
        sa.Column("open_deps", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claim", sa.String(200), nullable=True),
        sa.Column("asset_id", sa.String(ID), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "position", name="pk_run_tasks"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_run_tasks_run_id_runs", ondelete="CASCADE"),
        sa.CheckConstraint(
            "state IN ('waiting', 'ready', 'running', 'generated', 'skipped', 'superseded', 'failed')",
            name="ck_run_tasks_state",
        ),
    )
    op.create_index("ix_run_tasks_state", "run_tasks", ["run_id", "state", "position"])
    op.create_index("ix_run_tasks_claim", "run_tasks", ["run_id", "claim"])


def downgrade() -> None:
    op.drop_table("run_tasks")
    op.drop_index("uq_runs_one_unfinished", table_name="runs")
