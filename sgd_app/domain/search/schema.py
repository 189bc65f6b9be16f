"""Every database object of the search index, for SQLite and for PostgreSQL.

:func:`create_sqlite` and :func:`create_pg` run the whole DDL of their dialect on a connection, in
its transaction; both are idempotent and need only the application's tables (``expediente``,
``caseunit``, ``document``, ``documenttext``) to exist, so an Alembic revision can call them as they are.
``ensure_schema`` (in :mod:`.index`) adds the locking and the first fill of a new index.

SQLite: the FTS5 table ``search_fts`` (tokenizer ``unicode61 remove_diacritics 2``, a prefix index
for 3 characters, ranking bm25) with *external content*: the small table ``search_entry`` (one row
per case, one per document with text), joined to ``documenttext`` by the view ``search_content``,
so a text is stored once. Triggers on both tables give FTS5 the old values it needs to take a row
out; ``search_entry.facets`` holds the case's current unit, procedure and channel as tokens, and
every unit the case has been in (``caseunit``, the visibility rule's table: ``v<id>``), rewritten by
triggers on ``expediente`` and ``caseunit`` in the very statement that changes them.

PostgreSQL: ``search_entry`` with a stored ``tsvector`` (GIN index) built with the text search
configuration ``sgd_es`` (spanish + unaccent).

Entry ids are ``case_id << SLOT_BITS | slot`` (slot 0: the case's own row; 1, 2, ...: its documents).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

SLOT_BITS = 20
SLOT_MASK = (1 << SLOT_BITS) - 1
PG_MAX_TEXT = 400_000  # characters of one document that PostgreSQL indexes (tsvector limit: 1 MB)


def dialect(bind: Session | Connection | Engine) -> str:
    if isinstance(bind, Session):
        bind = bind.get_bind()
    return bind.dialect.name


# ---------------------------------------------------------------- facets (SQLite)
def unit_token(unit_id: int) -> str:
    return f"u{int(unit_id)}"


def procedure_token(procedure_id: int) -> str:
    return f"p{int(procedure_id)}"


def channel_token(channel: str) -> str:
    return "c" + (channel or "").encode().hex().upper()  # = 'c' || hex(channel) in SQLite


def seen_token(unit_id: int) -> str:
    """A unit the case has been in (a row of ``caseunit``): the scope of a search."""
    return f"v{int(unit_id)}"


def facets(unit_id: int, procedure_id: int, channel: str, seen: Iterable[int] = ()) -> str:
    """The case's facet tokens; the triggers write the very same in SQL (``_FACETS_OF``)."""
    head = f"{unit_token(unit_id)} {procedure_token(procedure_id)} {channel_token(channel)}"
    return head + "".join(f" {seen_token(u)}" for u in sorted(seen))


# ---------------------------------------------------------------- SQLite
_SQLITE_TABLE = """CREATE TABLE IF NOT EXISTS search_entry (
    entry_id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL,
    document_id INTEGER UNIQUE,
    facets TEXT NOT NULL DEFAULT '',
    head TEXT NOT NULL DEFAULT ''
)"""
_SQLITE_VIEW = (
    "SELECT e.entry_id AS entry_id, e.facets AS facets, e.head AS head, "
    "replace(replace(d.text, char(2), ' '), char(3), ' ') AS body "
    "FROM search_entry e LEFT JOIN documenttext d ON d.document_id = e.document_id"
)
# prefix='3': a prefix index for the shortest prefix query allowed ("con*" reads one list instead of
# merging the lists of every word that starts with "con").
_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(facets, head, body, "
    "content='search_content', content_rowid='entry_id', tokenize='unicode61 remove_diacritics 2', "
    "prefix='3')"
)
# bm25 weights: facets 0 (a filter, not relevance), case data 4, document text 1.
_SQLITE_RANK = "INSERT INTO search_fts(search_fts, rank) VALUES('rank', 'bm25(0.0, 4.0, 1.0)')"
_FTS_DEL = (
    "INSERT INTO search_fts(search_fts, rowid, facets, head, body) "
    "SELECT 'delete', entry_id, facets, head, body FROM search_content WHERE entry_id = {}"
)
_FTS_ADD = (
    "INSERT INTO search_fts(rowid, facets, head, body) "
    "SELECT entry_id, facets, head, body FROM search_content WHERE entry_id = {}"
)
_DOC_ENTRY = "(SELECT entry_id FROM search_entry WHERE document_id = {}.document_id)"
# The facets of case {0} (an SQL expression), as :func:`facets` writes them: current unit, procedure,
# channel, then every unit of ``caseunit`` in id order.
_FACETS_OF = (
    "(SELECT 'u' || e.current_unit_id || ' p' || e.procedure_id || ' c' || hex(e.channel) || coalesce(("
    "SELECT group_concat(' v' || x.unit_id, '') FROM (SELECT unit_id FROM caseunit "
    "WHERE expediente_id = e.id ORDER BY unit_id) x), '') FROM expediente e WHERE e.id = {0})"
)
_SET_FACETS = (
    f"UPDATE search_entry SET facets = {_FACETS_OF} WHERE entry_id BETWEEN ({{0}} << {SLOT_BITS}) "
    f"AND (({{0}} << {SLOT_BITS}) | {SLOT_MASK}) AND facets IS NOT {_FACETS_OF}"
)
# FTS5 external content: the index is told the old values when a row goes out, from the view, before
# the change (BEFORE triggers) and the new ones after it.
SQLITE_TRIGGERS = {
    "search_entry_ai": f"AFTER INSERT ON search_entry BEGIN {_FTS_ADD.format('NEW.entry_id')}; END",
    "search_entry_bd": f"BEFORE DELETE ON search_entry BEGIN {_FTS_DEL.format('OLD.entry_id')}; END",
    "search_entry_bu": f"BEFORE UPDATE ON search_entry BEGIN {_FTS_DEL.format('OLD.entry_id')}; END",
    "search_entry_au": f"AFTER UPDATE ON search_entry BEGIN {_FTS_ADD.format('NEW.entry_id')}; END",
    "search_text_bu": f"BEFORE UPDATE OF text ON documenttext BEGIN {_FTS_DEL.format(_DOC_ENTRY.format('OLD'))}; END",
    "search_text_au": f"AFTER UPDATE OF text ON documenttext BEGIN {_FTS_ADD.format(_DOC_ENTRY.format('NEW'))}; END",
    "search_text_bd": (
        "BEFORE DELETE ON documenttext BEGIN DELETE FROM search_entry WHERE document_id = OLD.document_id; END"
    ),
    # The scope lives in the index (facets): it follows the case in the same statement, whoever
    # moves it, so a search finds a case in every unit it has been in from the moment it arrives.
    "search_case_facets": (
        "AFTER UPDATE OF current_unit_id, procedure_id, channel ON expediente BEGIN "
        f"{_SET_FACETS.format('NEW.id')}; END"
    ),
    "search_case_units": f"AFTER INSERT ON caseunit BEGIN {_SET_FACETS.format('NEW.expediente_id')}; END",
}


def _sqlite_utils(conn: Connection) -> sqlite_utils.Database:
    return sqlite_utils.Database(conn.connection.driver_connection, recursive_triggers=False, execute_plugins=False)


def create_sqlite(conn: Connection) -> bool:
    """Create the SQLite search objects (idempotent); True when the FTS index is new (still empty)."""
    sdb = _sqlite_utils(conn)
    created = "search_fts" not in sdb.table_names()
    sdb.execute(_SQLITE_TABLE)
    sdb.create_view("search_content", _SQLITE_VIEW, replace=True)
    if created:
        sdb.execute(_SQLITE_FTS)
        sdb.execute(_SQLITE_RANK)
    create_sqlite_triggers(conn)
    return created


def create_sqlite_triggers(conn: Connection) -> None:
    for name, body in SQLITE_TRIGGERS.items():
        conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def drop_sqlite_triggers(conn: Connection) -> None:
    for name in SQLITE_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


# ---------------------------------------------------------------- PostgreSQL
_PG_TABLE = [
    """CREATE TABLE IF NOT EXISTS search_entry (
        entry_id bigint PRIMARY KEY,
        case_id integer NOT NULL,
        document_id integer UNIQUE,
        head text NOT NULL DEFAULT '',
        tsv tsvector NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_search_entry_tsv ON search_entry USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS ix_search_entry_case ON search_entry (case_id)",
]
# How an entry's tsvector is made: case data (or a document's label) weighs A, a document's text B.
PG_TSV_HEAD = "setweight(to_tsvector('sgd_es', translate({}, '-', ' ')), 'A')"
PG_TSV_BODY = "setweight(to_tsvector('sgd_es', translate(left(coalesce({}, ''), {}), '-', ' ')), 'B')"


def create_pg(conn: Connection) -> bool:
    """Create the PostgreSQL search objects (idempotent); True when ``search_entry`` is new."""
    # unaccent is database-wide: created once, in public (never in a per-test schema), and
    # referenced with its schema so that any search_path works.
    ext_schema = conn.execute(
        text(
            "SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace "
            "WHERE x.extname = 'unaccent'"
        )
    ).scalar()
    if ext_schema is None:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public"))
        ext_schema = "public"
    has_config = conn.execute(
        text(
            "SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace "
            "WHERE c.cfgname = 'sgd_es' AND n.nspname = current_schema()"
        )
    ).first()
    if not has_config:
        quoted = '"' + ext_schema.replace('"', '""') + '"'
        conn.execute(text("CREATE TEXT SEARCH CONFIGURATION sgd_es (COPY = pg_catalog.spanish)"))
        conn.execute(
            text(
                "ALTER TEXT SEARCH CONFIGURATION sgd_es ALTER MAPPING FOR hword, hword_part, word, "
                f"asciiword, asciihword, hword_asciipart WITH {quoted}.unaccent, spanish_stem"
            )
        )
    created = conn.execute(text("SELECT to_regclass('search_entry')")).scalar() is None
    for sql in _PG_TABLE:
        conn.execute(text(sql))
    return created
