"""Document templates: the starting body of each document type, institution-wide or per unit.
The audit trail gains the indexes its viewer filters on (user, action, date).

Revision ID: 0008
Revises: 0007

Frozen operations: never import the live models here. One new table and four indexes; nothing is
rewritten. ``seed`` adds the default templates.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "doctemplate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_doctemplate_pick", "doctemplate", ["doc_type", "active", "unit_id"], unique=False)
    op.create_index("ix_auditevent_actor", "auditevent", ["actor", "seq"], unique=False)
    op.create_index("ix_auditevent_action", "auditevent", ["action", "seq"], unique=False)
    op.create_index("ix_auditevent_at", "auditevent", ["at"], unique=False)
    op.create_index("ix_internaldocument_author", "internaldocument", ["author_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_internaldocument_author", table_name="internaldocument")
    op.drop_index("ix_auditevent_at", table_name="auditevent")
    op.drop_index("ix_auditevent_action", table_name="auditevent")
    op.drop_index("ix_auditevent_actor", table_name="auditevent")
    op.drop_index("ix_doctemplate_pick", table_name="doctemplate")
    op.drop_table("doctemplate")
