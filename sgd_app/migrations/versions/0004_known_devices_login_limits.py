"""Known devices (OWASP device cookies), a per-user lock generation for the login limits, and the
hand-written throttle table dropped (rate limits now live in the `limits` storage).

Revision ID: 0004
Revises: 0003

Frozen operations: never import the live models here. The user table only gains a column
(ALTER TABLE ADD COLUMN on SQLite too: no table rebuild); the throttle counters are transient and
are not carried over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowndevice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_knowndevice_token_hash", "knowndevice", ["token_hash"], unique=True)
    op.create_index("ix_knowndevice_user_id", "knowndevice", ["user_id"], unique=False)
    op.drop_table("throttle")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lock_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("lock_generation")
    op.create_table(
        "throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.drop_index("ix_knowndevice_user_id", table_name="knowndevice")
    op.drop_index("ix_knowndevice_token_hash", table_name="knowndevice")
    op.drop_table("knowndevice")
