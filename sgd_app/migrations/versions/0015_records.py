"""Records management: the classification scheme (series and subseries with their retention,
final disposition and access level), the series of each procedure and internal document type,
the electronic file of every case (its series; frozen at closing) and its foliation indexes.

Revision ID: 0015
Revises: 0014

Frozen operations: never import the live models here. Six new tables, nothing is rewritten; the
freeze triggers come from ``sgd_app/domain/records/triggers.py`` (plain SQL text, the one copy
that ``schema.create_all`` also runs). Cases filed before this revision get their electronic file
(in the fallback series) the first time it is read; closed ones are not frozen retroactively.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sgd_app.domain.records.triggers import FREEZE_DROP_PG, FREEZE_DROP_SQLITE, FREEZE_PG, FREEZE_SQLITE

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordseries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("office_years", sa.Integer(), nullable=False),
        sa.Column("central_years", sa.Integer(), nullable=False),
        sa.Column("disposition", sa.String(length=30), nullable=False),
        sa.Column("access", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["recordseries.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recordseries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordseries_code"), ["code"], unique=True)

    op.create_table(
        "doctypeseries",
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["recordseries.id"],
        ),
        sa.PrimaryKeyConstraint("doc_type"),
    )
    with op.batch_alter_table("doctypeseries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doctypeseries_series_id"), ["series_id"], unique=False)

    op.create_table(
        "procedureseries",
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["recordseries.id"],
        ),
        sa.PrimaryKeyConstraint("procedure_id"),
    )
    with op.batch_alter_table("procedureseries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedureseries_series_id"), ["series_id"], unique=False)

    op.create_table(
        "casefile",
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("index_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["recordseries.id"],
        ),
        sa.PrimaryKeyConstraint("expediente_id"),
    )
    with op.batch_alter_table("casefile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_casefile_series_id"), ["series_id"], unique=False)

    op.create_table(
        "fileindex",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("index_json", sa.Text(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("verify_code", sa.String(length=32), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("expediente_id", "version", name="uq_fileindex_case_version"),
    )
    with op.batch_alter_table("fileindex", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fileindex_expediente_id"), ["expediente_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fileindex_verify_code"), ["verify_code"], unique=False)

    op.create_table(
        "documentseries",
        sa.Column("internal_document_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["internal_document_id"],
            ["internaldocument.id"],
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["recordseries.id"],
        ),
        sa.PrimaryKeyConstraint("internal_document_id"),
    )
    with op.batch_alter_table("documentseries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documentseries_series_id"), ["series_id"], unique=False)

    bind = op.get_bind()
    for sql in FREEZE_SQLITE if bind.dialect.name == "sqlite" else FREEZE_PG:
        op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    for sql in FREEZE_DROP_SQLITE if bind.dialect.name == "sqlite" else FREEZE_DROP_PG:
        op.execute(sql)
    with op.batch_alter_table("documentseries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documentseries_series_id"))

    op.drop_table("documentseries")
    with op.batch_alter_table("fileindex", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fileindex_verify_code"))
        batch_op.drop_index(batch_op.f("ix_fileindex_expediente_id"))

    op.drop_table("fileindex")
    with op.batch_alter_table("casefile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_casefile_series_id"))

    op.drop_table("casefile")
    with op.batch_alter_table("procedureseries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedureseries_series_id"))

    op.drop_table("procedureseries")
    with op.batch_alter_table("doctypeseries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doctypeseries_series_id"))

    op.drop_table("doctypeseries")
    with op.batch_alter_table("recordseries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordseries_code"))

    op.drop_table("recordseries")
