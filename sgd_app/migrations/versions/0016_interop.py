"""Exchange between institutions: the directory of entities, the CUO counter, the outbox of
packages sent (with their answers) and the packages received.

Revision ID: 0016
Revises: 0015

Frozen operations: never import the live models here. Four new tables: nothing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interopentity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ruc", sa.String(length=11), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("endpoint", sa.String(length=300), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("our_client_id", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ruc"),
    )
    op.create_index(op.f("ix_interopentity_client_id"), "interopentity", ["client_id"], unique=False)
    op.create_table(
        "interopcounter",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "interopsend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cuo", sa.String(length=40), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("document_ids", sa.String(length=500), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answer_code", sa.String(length=40), nullable=False),
        sa.Column("receiver_number", sa.String(length=40), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["entity_id"], ["interopentity.id"]),
        sa.ForeignKeyConstraint(["expediente_id"], ["expediente.id"]),
        sa.ForeignKeyConstraint(["sent_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cuo"),
    )
    op.create_index("ix_interopsend_due", "interopsend", ["status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_interopsend_entity_id"), "interopsend", ["entity_id"], unique=False)
    op.create_index(op.f("ix_interopsend_expediente_id"), "interopsend", ["expediente_id"], unique=False)
    op.create_table(
        "interopreceipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cuo", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("sender_case_number", sa.String(length=40), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entity_id"], ["interopentity.id"]),
        sa.ForeignKeyConstraint(["expediente_id"], ["expediente.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cuo"),
    )
    op.create_index(op.f("ix_interopreceipt_entity_id"), "interopreceipt", ["entity_id"], unique=False)
    op.create_index(op.f("ix_interopreceipt_expediente_id"), "interopreceipt", ["expediente_id"], unique=False)


def downgrade() -> None:
    for column in ("entity_id", "expediente_id"):
        op.drop_index(op.f(f"ix_interopreceipt_{column}"), table_name="interopreceipt")
    op.drop_table("interopreceipt")
    for name in ("ix_interopsend_due", op.f("ix_interopsend_entity_id"), op.f("ix_interopsend_expediente_id")):
        op.drop_index(name, table_name="interopsend")
    op.drop_table("interopsend")
    op.drop_table("interopcounter")
    op.drop_index(op.f("ix_interopentity_client_id"), table_name="interopentity")
    op.drop_table("interopentity")
