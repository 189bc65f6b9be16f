"""Baseline 3/3: the audit trail (append-only), dashboard summaries, job runs, the outbox and the search index.

Revision ID: 0003
Revises: 0002

The baseline (0001-0003) is the schema of release 59db773, the last one made without migrations;
written once from Alembic's autogenerate and frozen: it never imports the live models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen SQL: the audit trail's append-only rule and the search index (SQLite FTS5 over an external
# content view, kept by triggers; PostgreSQL tsvector + GIN with an unaccented Spanish configuration).
AUDIT_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'auditevent es de solo adición'); END""",
    """CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'auditevent es de solo adición'); END""",
]
AUDIT_PG = [
    """CREATE OR REPLACE FUNCTION sgd_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'auditevent es de solo adición'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent
       FOR EACH ROW EXECUTE FUNCTION sgd_audit_append_only()""",
]
_FTS_ADD = "INSERT INTO search_fts(rowid, facets, head, body) SELECT entry_id, facets, head, body FROM search_content"
_FTS_DEL = (
    "INSERT INTO search_fts(search_fts, rowid, facets, head, body) "
    "SELECT 'delete', entry_id, facets, head, body FROM search_content"
)
_DOC_ENTRY = "(SELECT entry_id FROM search_entry WHERE document_id = {}.document_id)"
_FACETS = "('u' || NEW.current_unit_id || ' p' || NEW.procedure_id || ' c' || hex(NEW.channel))"
SEARCH_SQLITE = [
    """CREATE TABLE IF NOT EXISTS search_entry (
    entry_id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL,
    document_id INTEGER UNIQUE,
    facets TEXT NOT NULL DEFAULT '',
    head TEXT NOT NULL DEFAULT ''
)""",
    'CREATE VIEW "search_content" AS SELECT e.entry_id AS entry_id, e.facets AS facets, e.head AS head, '
    "replace(replace(d.text, char(2), ' '), char(3), ' ') AS body "
    "FROM search_entry e LEFT JOIN documenttext d ON d.document_id = e.document_id",
    "CREATE VIRTUAL TABLE search_fts USING fts5(facets, head, body, content='search_content', "
    "content_rowid='entry_id', tokenize='unicode61 remove_diacritics 2', prefix='3')",
    "INSERT INTO search_fts(search_fts, rank) VALUES('rank', 'bm25(0.0, 4.0, 1.0)')",
    f"CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN {_FTS_ADD} WHERE entry_id = NEW.entry_id; END",
    f"CREATE TRIGGER search_entry_bd BEFORE DELETE ON search_entry BEGIN {_FTS_DEL} WHERE entry_id = OLD.entry_id; END",
    f"CREATE TRIGGER search_entry_bu BEFORE UPDATE ON search_entry BEGIN {_FTS_DEL} WHERE entry_id = OLD.entry_id; END",
    f"CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN {_FTS_ADD} WHERE entry_id = NEW.entry_id; END",
    f"CREATE TRIGGER search_text_bu BEFORE UPDATE OF text ON documenttext "
    f"BEGIN {_FTS_DEL} WHERE entry_id = {_DOC_ENTRY.format('OLD')}; END",
    f"CREATE TRIGGER search_text_au AFTER UPDATE OF text ON documenttext "
    f"BEGIN {_FTS_ADD} WHERE entry_id = {_DOC_ENTRY.format('NEW')}; END",
    "CREATE TRIGGER search_text_bd BEFORE DELETE ON documenttext "
    "BEGIN DELETE FROM search_entry WHERE document_id = OLD.document_id; END",
    "CREATE TRIGGER search_case_facets AFTER UPDATE OF current_unit_id, procedure_id, channel ON expediente "
    f"BEGIN UPDATE search_entry SET facets = {_FACETS} WHERE entry_id BETWEEN (NEW.id << 20) "
    f"AND ((NEW.id << 20) | 1048575) AND facets IS NOT {_FACETS}; END",
]
SEARCH_SQLITE_TRIGGERS = ("search_text_bu", "search_text_au", "search_text_bd", "search_case_facets")
SEARCH_PG = [
    "CREATE TEXT SEARCH CONFIGURATION sgd_es (COPY = pg_catalog.spanish)",
    "ALTER TEXT SEARCH CONFIGURATION sgd_es ALTER MAPPING FOR hword, hword_part, word, "
    "asciiword, asciihword, hword_asciipart WITH {unaccent}.unaccent, spanish_stem",
    """CREATE TABLE search_entry (
        entry_id bigint PRIMARY KEY,
        case_id integer NOT NULL,
        document_id integer UNIQUE,
        head text NOT NULL DEFAULT '',
        tsv tsvector NOT NULL)""",
    "CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (tsv)",
    "CREATE INDEX ix_search_entry_case ON search_entry (case_id)",
]


def _audit_and_search_up() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        statements = AUDIT_SQLITE + SEARCH_SQLITE
    else:
        # unaccent is database-wide: created once, in public, and named with its schema.
        unaccent = bind.exec_driver_sql(
            "SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace "
            "WHERE x.extname = 'unaccent'"
        ).scalar()
        if unaccent is None:
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
            unaccent = "public"
        quoted = '"' + unaccent.replace('"', '""') + '"'
        statements = AUDIT_PG + [s.replace("{unaccent}", quoted) for s in SEARCH_PG]
    for sql in statements:
        bind.exec_driver_sql(sql)
    bind.exec_driver_sql(f"INSERT INTO audithead (id, seq, hash) VALUES (1, 0, '{'0' * 64}')")


def _audit_and_search_down() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SEARCH_SQLITE_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER {name}")
        bind.exec_driver_sql("DROP TABLE search_fts")
        bind.exec_driver_sql("DROP VIEW search_content")
    else:
        bind.exec_driver_sql("DROP TRIGGER auditevent_append_only ON auditevent")
        bind.exec_driver_sql("DROP FUNCTION sgd_audit_append_only()")
        bind.exec_driver_sql("DROP TEXT SEARCH CONFIGURATION sgd_es")
    bind.exec_driver_sql("DROP TABLE search_entry")


def upgrade() -> None:
    op.create_table(
        "auditevent",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("data", sa.String(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_auditevent_object_id", "auditevent", ["object_id"], unique=False)
    op.create_table(
        "audithead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "jobrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("period", sa.String(length=60), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "period"),
    )
    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_addr", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_outboxmessage_next_attempt_at", "outboxmessage", ["next_attempt_at"], unique=False)
    op.create_index("ix_outboxmessage_status", "outboxmessage", ["status"], unique=False)
    op.create_table(
        "sum_attended",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("business_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "day", "unit_id", "procedure_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_filed",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "day", "unit_id", "procedure_id", "channel", "status"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_sum_filed_unit", "sum_filed", ["grain", "unit_id", "day"], unique=False)
    op.create_table(
        "sum_hour",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "day", "unit_id", "procedure_id", "weekday", "hour"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_open",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "procedure_id", "status", "due_on", "day"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_stage",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "day", "unit_id", "procedure_id", "stage"),
        sqlite_with_rowid=False,
    )
    _audit_and_search_up()


def downgrade() -> None:
    _audit_and_search_down()
    op.drop_table("sum_stage")
    op.drop_table("sum_open")
    op.drop_table("sum_hour")
    op.drop_table("sum_filed")
    op.drop_table("sum_attended")
    op.drop_table("outboxmessage")
    op.drop_table("jobrun")
    op.drop_table("audithead")
    op.drop_table("auditevent")
