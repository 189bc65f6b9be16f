"""Cache versions: one row per kind of data the workers cache in memory (the public procedure
catalogue first, "catalogo"); a change bumps it in its own transaction and every worker reloads.

Revision ID: 0011
Revises: 0009

Frozen operations: never import the live models here. One small new table: nothing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cacheversion",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("cacheversion")
