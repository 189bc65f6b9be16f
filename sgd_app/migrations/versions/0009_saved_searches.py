"""Saved searches: a staff member's named searches on /buscar (issue 14, item 11).

Revision ID: 0009
Revises: 0008

Frozen operations: never import the live models here. One new table; nothing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "savedsearch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("filters", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_savedsearch_user_name"),
    )
    op.create_index("ix_savedsearch_user", "savedsearch", ["user_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_savedsearch_user", table_name="savedsearch")
    op.drop_table("savedsearch")
