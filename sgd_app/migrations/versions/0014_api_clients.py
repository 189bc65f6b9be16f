"""OAuth2 API clients: registered clients, revoked access tokens, used client assertions and
the stored answers of POST requests by idempotency key.

Revision ID: 0014
Revises: 0012

Frozen operations: never import the live models here. Four new tables: nothing is rewritten.
(Another branch adds 0013; whoever merges both re-chains this one after it.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apiclient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ruc", sa.String(length=11), nullable=False),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("auth_method", sa.String(length=30), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rate_limit", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_index(op.f("ix_apiclient_user_id"), "apiclient", ["user_id"], unique=False)
    op.create_table(
        "apirevokedtoken",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_pk"], ["apiclient.id"]),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index(op.f("ix_apirevokedtoken_client_pk"), "apirevokedtoken", ["client_pk"], unique=False)
    op.create_table(
        "apiassertionuse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_pk"], ["apiclient.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_pk", "jti", name="uq_apiassertionuse_client_jti"),
    )
    op.create_index(op.f("ix_apiassertionuse_client_pk"), "apiassertionuse", ["client_pk"], unique=False)
    op.create_table(
        "apiidempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_pk"], ["apiclient.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_pk", "key", name="uq_apiidempotency_client_key"),
    )
    op.create_index(op.f("ix_apiidempotency_client_pk"), "apiidempotency", ["client_pk"], unique=False)


def downgrade() -> None:
    for table in ("apiidempotency", "apiassertionuse", "apirevokedtoken"):
        op.drop_index(op.f(f"ix_{table}_client_pk"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_apiclient_user_id"), table_name="apiclient")
    op.drop_table("apiclient")
