"""Procedures gain "Revisión en mesa de partes" (desk_review): when on, a new online filing goes
to the Mesa de Partes inbox first, to be checked, reclassified, observed or derived. On for every
existing procedure.

Revision ID: 0007
Revises: 0006

Frozen operations: never import the live models here. One added column with a server default
(ALTER TABLE ADD COLUMN on SQLite too): nothing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("desk_review", sa.Boolean(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.drop_column("desk_review")
