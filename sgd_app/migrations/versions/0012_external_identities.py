"""Single sign-on (OpenID Connect): provider identities linked to staff accounts, and the ID token
of each staff session opened through the provider (RP-initiated logout).

Revision ID: 0012
Revises: 0011

Frozen operations: never import the live models here. Two new tables: nothing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "externalidentity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("linked_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_externalidentity_issuer_subject"),
    )
    op.create_index(op.f("ix_externalidentity_user_id"), "externalidentity", ["user_id"], unique=False)
    op.create_table(
        "ssosession",
        sa.Column("staff_session_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("id_token", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["identity_id"], ["externalidentity.id"]),
        sa.ForeignKeyConstraint(["staff_session_id"], ["staffsession.id"]),
        sa.PrimaryKeyConstraint("staff_session_id"),
    )
    op.create_index(op.f("ix_ssosession_identity_id"), "ssosession", ["identity_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ssosession_identity_id"), table_name="ssosession")
    op.drop_table("ssosession")
    op.drop_index(op.f("ix_externalidentity_user_id"), table_name="externalidentity")
    op.drop_table("externalidentity")
