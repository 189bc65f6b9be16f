"""Baseline 2/3: cases, their route, documents and their text, internal documents, signatures, notices, the digitisation queue.

Revision ID: 0002
Revises: 0001

The baseline (0001-0003) is the schema of release 59db773, the last one made without migrations;
written once from Alembic's autogenerate and frozen: it never imports the live models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expediente",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=12), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("current_due_on", sa.Date(), nullable=True),
        sa.Column("current_unit_id", sa.Integer(), nullable=False),
        sa.Column("current_user_id", sa.Integer(), nullable=True),
        sa.Column("awaiting_receipt", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accumulated_into_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_key_hash", sa.String(length=64), nullable=False),
        sa.Column("folios", sa.Integer(), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["accumulated_into_id"],
            ["expediente.id"],
        ),
        sa.ForeignKeyConstraint(
            ["current_unit_id"],
            ["unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["current_user_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedure.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "seq"),
    )
    op.create_index("ix_expediente_due", "expediente", ["current_unit_id", "status", "current_due_on"], unique=False)
    op.create_index(
        "ix_expediente_inbox",
        "expediente",
        ["current_unit_id", "status", "awaiting_receipt", "current_due_on"],
        unique=False,
    )
    op.create_index("ix_expediente_number", "expediente", ["number"], unique=True)
    op.create_index("ix_expediente_party_id", "expediente", ["party_id"], unique=False)
    op.create_index("ix_expediente_procedure_id", "expediente", ["procedure_id"], unique=False)
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("verify_code", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_document_expediente_id", "document", ["expediente_id"], unique=False)
    op.create_index("ix_document_sha256", "document", ["sha256"], unique=False)
    op.create_index("ix_document_verify_code", "document", ["verify_code"], unique=False)
    op.create_table(
        "movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=True),
        sa.Column("to_unit_id", sa.Integer(), nullable=True),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.Column("instructions", sa.String(length=2000), nullable=False),
        sa.Column("priority", sa.String(length=12), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.ForeignKeyConstraint(
            ["from_unit_id"],
            ["unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"],
            ["unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_movement_expediente_id", "movement", ["expediente_id"], unique=False)
    op.create_index("ix_movement_from_action", "movement", ["from_unit_id", "action", "created_at"], unique=False)
    op.create_index("ix_movement_to_action", "movement", ["to_unit_id", "action", "created_at"], unique=False)
    op.create_index("ix_movement_to_unit_id", "movement", ["to_unit_id"], unique=False)
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_note_expediente_id", "note", ["expediente_id"], unique=False)
    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fix_note", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_observation_expediente_id", "observation", ["expediente_id"], unique=False)
    op.create_index("ix_observation_status", "observation", ["status"], unique=False)
    op.create_table(
        "digitizejob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id"),
    )
    op.create_index("ix_digitizejob_due", "digitizejob", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "documenttext",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("searchable_sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.PrimaryKeyConstraint("document_id"),
    )
    op.create_index("ix_documenttext_expediente_id", "documenttext", ["expediente_id"], unique=False)
    op.create_table(
        "internaldocument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("recipients", sa.String(length=1000), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("verify_code", sa.String(length=32), nullable=False),
        sa.Column("current_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["internaldocument.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "doc_type", "year", "seq"),
    )
    op.create_index("ix_internaldocument_expediente_id", "internaldocument", ["expediente_id"], unique=False)
    op.create_index("ix_internaldocument_number", "internaldocument", ["number"], unique=False)
    op.create_index("ix_internaldocument_verify_code", "internaldocument", ["verify_code"], unique=False)
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("deposited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notice_expediente_id", "notice", ["expediente_id"], unique=False)
    op.create_index("ix_notice_party_id", "notice", ["party_id"], unique=False)
    op.create_table(
        "signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256_after", sa.String(length=64), nullable=False),
        sa.Column("internal_document_id", sa.Integer(), nullable=True),
        sa.Column("expediente_id", sa.Integer(), nullable=True),
        sa.Column("signer_id", sa.Integer(), nullable=True),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("certificate_serial", sa.String(length=80), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["expediente_id"],
            ["expediente.id"],
        ),
        sa.ForeignKeyConstraint(
            ["internal_document_id"],
            ["internaldocument.id"],
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signature_expediente_id", "signature", ["expediente_id"], unique=False)
    op.create_index("ix_signature_sha256_after", "signature", ["sha256_after"], unique=False)
    op.create_table(
        "signaturestep",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("internal_document_id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["internal_document_id"],
            ["internaldocument.id"],
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signaturestep_internal_document_id", "signaturestep", ["internal_document_id"], unique=False)
    op.create_index("ix_signaturestep_signer_id", "signaturestep", ["signer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("signaturestep")
    op.drop_table("signature")
    op.drop_table("notice")
    op.drop_table("internaldocument")
    op.drop_table("documenttext")
    op.drop_table("digitizejob")
    op.drop_table("observation")
    op.drop_table("note")
    op.drop_table("movement")
    op.drop_table("document")
    op.drop_table("expediente")
