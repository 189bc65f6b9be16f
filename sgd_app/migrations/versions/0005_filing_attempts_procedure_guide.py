"""Filing attempts: the idempotency key of each attempt of the online wizard (unique), so that a
resend after a dropped connection returns the case that attempt created, never a second one.
Procedures gain their requirements and their fee in plain words (shown before starting).

Revision ID: 0005
Revises: 0004

Frozen operations: never import the live models here. A new table and two added columns (ALTER TABLE ADD
COLUMN on SQLite too): nothing is rewritten; `seed` fills the requirements of known procedures.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "filingattempt",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["expediente_id"], ["expediente.id"]),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_filingattempt_expediente_id", "filingattempt", ["expediente_id"], unique=False)
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requirements", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fee", sa.String(length=100), server_default="Gratuito", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.drop_column("fee")
        batch_op.drop_column("requirements")
    op.drop_index("ix_filingattempt_expediente_id", table_name="filingattempt")
    op.drop_table("filingattempt")
