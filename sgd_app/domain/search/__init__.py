"""Full-text search (/buscar, the API and the benchmark all call :func:`search`).

One box over the case number, the filer's name and document number, the subject (and the
case's extra fields) and the text of every document (``DocumentText``, written by the
digitisation worker). Results are cases, ranked, each with a highlighted snippet, in pages. An
exact case number, or a DNI / RUC that belongs to exactly one visible case, jumps to the case.
Accents and ñ are folded: "resolucion" finds "resolución", "nunez" finds "Núñez"; simple Spanish
plurals are folded in the query ("resoluciones" also finds "resolución").

Scope: exactly the cases whose current unit is one of ``routing.visible_unit_ids(who)`` (the scope
of reports), for the hits *and* for the count; snippets are only computed for cases in scope. On
PostgreSQL the test is a join with ``expediente``; on SQLite the case's unit is a token inside the
index (fast with a unit filter on a million documents) that a trigger on ``expediente`` rewrites in
the very statement that moves the case, whoever moves it; the page's hits are checked against
``expediente`` once more.

Engines
-------
* SQLite (default): the FTS5 table ``search_fts`` (tokenizer ``unicode61 remove_diacritics 2``,
  a prefix index for 3 characters, ranking bm25) with *external content*: the small table
  ``search_entry`` (one row per case, one per document with text), joined to ``documenttext`` by
  the view ``search_content``, so a text is stored once. Triggers on both tables give FTS5 the old
  values it needs to take a row out (a re-digitised text is followed by the index in the same
  statement). ``search_entry.facets`` holds tokens of the case's unit, procedure and channel
  ("u12 p3 c7669..."): the scope and those filters run inside the full-text index.
  Snippets are cut and highlighted in Python with the same folding (:func:`highlight`).
* PostgreSQL: ``search_entry`` with a stored ``tsvector`` (GIN index) built with the text search
  configuration ``sgd_es`` (spanish + unaccent); ranking ``ts_rank_cd``, snippets ``ts_headline``.

Entry ids are ``case_id << 20 | slot`` (slot 0: the case's own row; 1, 2, ...: its documents): the
index's own order groups a case's entries and puts the newest cases last, so counting cases and
answering newest-first need no lookup. When more than :data:`RANK_MAX` cases match (one very
common word), the answer is the newest cases first; counts stop at :data:`COUNT_CAP` ("más de
10 000"). Prefix queries (``resol*``) need 3 characters and are stopped after 1 s (SQLite: a
progress handler; PostgreSQL: ``statement_timeout`` inside a savepoint).

Keeping the index up to date (each in the caller's transaction; the caller commits):
:func:`index_case` after a case is filed, moves, or its subject / filer changes; :func:`index_document`
after a document's ``DocumentText`` is written; :func:`rebuild` after bulk loads.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Expediente, Party, Procedure, Unit

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MIN_PREFIX = 3
COUNT_CAP = 10_000  # counts stop here: "más de 10 000"
RANK_MAX = 1_000  # above this many matching cases the answer is newest-first
SMALL = 2_500  # SQLite: matching entries ranked in the first pass (beyond: counted, then ranked if few)
PREFIX_TIME_LIMIT_S = 1.0
PROGRESS_EVERY = 1000  # SQLite: the time limit is checked every this many virtual machine steps
MAX_PAGE_SIZE = 100
SLOT_BITS = 20
SLOT_MASK = (1 << SLOT_BITS) - 1
PG_MAX_TEXT = 400_000  # characters of one document that PostgreSQL indexes (tsvector limit: 1 MB)
_PG_LOCK = 715517  # the schema lock of db.create_schema
_PG_CASE_LOCK = 715518  # (this, case id): one indexer of a case at a time

FIELD = "q"
MSG_EMPTY = "Escriba qué buscar: palabras, un número de expediente o un DNI / RUC."
MSG_LONG = f"La búsqueda es demasiado larga: use como máximo {MAX_QUERY_CHARS} caracteres."
MSG_PUNCT = "Escriba al menos una palabra o un número (solo hay signos de puntuación)."
MSG_PREFIX = f"Para buscar por el comienzo de una palabra escriba al menos {MIN_PREFIX} letras antes de «*»."
MSG_TERMS = f"Use como máximo {MAX_TERMS} palabras."
MSG_COMMON = "Las palabras buscadas son demasiado comunes: agregue una palabra más específica."
MSG_SLOW = "La búsqueda con «*» abarca demasiadas palabras: escriba más letras antes del asterisco o agregue filtros."

# The most frequent Spanish function words: left out of a query (as PostgreSQL's spanish
# configuration does) unless quoted or the query has nothing else.
STOPWORDS = frozenset(
    [
        "a",
        "al",
        "algo",
        "algunas",
        "algunos",
        "ante",
        "antes",
        "como",
        "con",
        "contra",
        "cual",
        "cuando",
        "de",
        "del",
        "desde",
        "donde",
        "durante",
        "e",
        "el",
        "ella",
        "ellas",
        "ellos",
        "en",
        "entre",
        "era",
        "es",
        "esa",
        "esas",
        "ese",
        "eso",
        "esos",
        "esta",
        "estas",
        "este",
        "esto",
        "estos",
        "fue",
        "ha",
        "hasta",
        "hay",
        "la",
        "las",
        "le",
        "les",
        "lo",
        "los",
        "mas",
        "me",
        "mi",
        "mucho",
        "muy",
        "nada",
        "ni",
        "no",
        "nos",
        "o",
        "otra",
        "otras",
        "otro",
        "otros",
        "para",
        "pero",
        "poco",
        "por",
        "porque",
        "que",
        "quien",
        "se",
        "sea",
        "ser",
        "si",
        "sin",
        "sobre",
        "su",
        "sus",
        "tambien",
        "tanto",
        "te",
        "tiene",
        "todo",
        "todos",
        "tu",
        "un",
        "una",
        "uno",
        "unos",
        "y",
        "ya",
        "yo",
    ]
)


# ---------------------------------------------------------------- filters
@dataclass(frozen=True)
class SearchFilters:
    unit_id: int | None = None
    procedure_id: int | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None
    priority: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (only those set)."""
        out = {}
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out


FILTER_KEYS = ("unit_id", "procedure_id", "status", "date_from", "date_to", "channel", "priority")


def parse_filters(params: Mapping[str, Any]) -> SearchFilters:
    """Filters from strings (query string or form); InvalidInput with a Spanish reason."""
    from sgd_app.domain.intake import CHANNELS, STATUSES
    from sgd_app.domain.reports import FilterParser
    from sgd_app.domain.routing import PRIORITIES

    p = FilterParser(params)
    date_from, date_to = p.date_range()
    return SearchFilters(
        unit_id=p.ident("unit_id", "unidad"),
        procedure_id=p.ident("procedure_id", "trámite"),
        status=p.choice("status", STATUSES, "El estado no es válido."),
        date_from=date_from,
        date_to=date_to,
        channel=p.choice("channel", CHANNELS, "El canal no es válido."),
        priority=p.choice("priority", PRIORITIES, "La prioridad no es válida."),
    )


# ---------------------------------------------------------------- the query
@dataclass(frozen=True)
class Term:
    """One condition of the query: a word, a prefix (``resol*``) or a phrase (quoted, or a token
    such as "EXP-2026-000123" that holds several words). Words are folded: lowercase, no accents."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[Term, ...]
    case_number: str | None = None  # canonical number when the query is one
    doc_number: str | None = None  # 8 (DNI) or 11 (RUC) digits

    @property
    def has_prefix(self) -> bool:
        return any(t.prefix for t in self.terms)


_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'"([^"]*)"?|([^\s"]+)')
_PREFIX_END = re.compile(r"[^\W_]\*+[^\w*]*$")


def fold(value: str) -> str:
    """Lowercase without diacritics ("Núñez" -> "nunez"), as the index sees words."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def parse_query(query: str) -> ParsedQuery:
    """Validate and split the search box; InvalidInput (field ``q``) with a Spanish reason."""
    from sgd_app.domain.intake import parse_number

    raw = unicodedata.normalize("NFC", (query or "").strip())
    if not raw:
        raise InvalidInput(FIELD, MSG_EMPTY)
    if len(raw) > MAX_QUERY_CHARS:
        raise InvalidInput(FIELD, MSG_LONG)
    terms: list[Term] = []
    for m in _TOKEN.finditer(raw):
        quoted, token = m.group(1), m.group(2)
        words = tuple(_WORD.findall(fold(quoted if quoted is not None else token)))
        if not words:
            continue
        prefix = quoted is None and bool(_PREFIX_END.search(token))
        if prefix and len(words[-1]) < MIN_PREFIX:
            raise InvalidInput(FIELD, MSG_PREFIX)
        terms.append(Term(words, prefix=prefix))
    if not terms:
        raise InvalidInput(FIELD, MSG_PUNCT)
    if sum(len(t.words) for t in terms) > MAX_TERMS:
        raise InvalidInput(FIELD, MSG_TERMS)
    content = [t for t in terms if t.phrase or t.prefix or t.words[0] not in STOPWORDS]
    if not content:
        raise InvalidInput(FIELD, MSG_COMMON)
    digits = raw if re.fullmatch(r"\d{8}|\d{11}", raw) else None
    return ParsedQuery(text=raw, terms=tuple(content), case_number=parse_number(raw), doc_number=digits)


def word_variants(word: str) -> tuple[str, ...]:
    """The word and its simple Spanish singular / plural ("resolucion" <-> "resoluciones")."""
    if len(word) < 4 or not word.isalpha():
        return (word,)
    out = [word]
    if word.endswith("ces"):
        out.append(word[:-3] + "z")
    elif word.endswith("es"):
        out += [word[:-2], word[:-1]]
    elif word.endswith("s"):
        out.append(word[:-1])
    elif word.endswith("z"):
        out.append(word[:-1] + "ces")
    elif word[-1] in "aeiou":
        out.append(word + "s")
    else:
        out.append(word + "es")
    return tuple(dict.fromkeys(w for w in out if len(w) >= 4 and w not in STOPWORDS))


# ---------------------------------------------------------------- results
Segment = tuple[str, bool]  # (text, is_match): the page renders matches in bold, as plain text


@dataclass(frozen=True)
class SearchHit:
    number: str
    subject: str
    filer: str
    status: str
    status_label: str
    unit: str
    procedure: str
    filed_on: date
    priority: str
    channel: str
    snippet: tuple[Segment, ...]
    found_in: str  # "Datos del expediente" or the document's label

    @property
    def snippet_text(self) -> str:
        return "".join(t for t, _ in self.snippet)


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[SearchHit, ...]
    total: int  # matching cases ``who`` may see (at most COUNT_CAP)
    total_capped: bool = False  # True: there are more than COUNT_CAP
    page: int = 0
    page_size: int = 20
    order: str = "relevancia"  # relevancia / recientes / exacto
    jump_to: str | None = None  # case number to open straight away

    @property
    def total_label(self) -> str:
        n = f"{self.total:,}".replace(",", " ")
        if self.total_capped:
            return f"más de {n} resultados"
        return {0: "Sin resultados", 1: "1 resultado"}.get(self.total, f"{n} resultados")

    @property
    def order_label(self) -> str:
        return {
            "relevancia": "Ordenados por relevancia",
            "recientes": "Muchas coincidencias: primero los expedientes más recientes",
            "exacto": "Coincidencia exacta",
        }.get(self.order, "")

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# ---------------------------------------------------------------- helpers
def _dialect(bind: Session | Connection | Engine) -> str:
    if isinstance(bind, Session):
        bind = bind.get_bind()
    return bind.dialect.name


def _clean(value: str) -> str:
    """Text safe for the snippet markers (\\x02 / \\x03): other control characters become spaces."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", value or "")


def _unit_token(unit_id: int) -> str:
    return f"u{int(unit_id)}"


def _procedure_token(procedure_id: int) -> str:
    return f"p{int(procedure_id)}"


def _channel_token(channel: str) -> str:
    return "c" + (channel or "").encode().hex().upper()  # = 'c' || hex(channel) in SQLite


def _facets(unit_id: int, procedure_id: int, channel: str) -> str:
    """The case's facet tokens; the trigger search_case_facets writes the very same in SQL."""
    return f"{_unit_token(unit_id)} {_procedure_token(procedure_id)} {_channel_token(channel)}"


def _case_head(number: str, subject: str, fields: Any, name: str, doc_type: str, doc_number: str) -> str:
    extra = [str(v)[:300] for v in (fields or {}).values() if isinstance(v, (str, int)) and str(v).strip()]
    return _clean(" ".join([number, subject or "", name or "", f"{doc_type} {doc_number}", *extra]))


def _doc_head(label: str, filename: str) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename or "")
    return _clean(f"{label or ''} {stem}".strip())


_CASE_COLS = (
    Expediente.id,
    Expediente.number,
    Expediente.subject,
    Expediente.fields,
    Expediente.current_unit_id,
    Expediente.procedure_id,
    Expediente.channel,
    Party.name,
    Party.doc_type,
    Party.doc_number,
)


_ONE_CASE: list = []


def _case_row(conn: Connection, case_id: int):
    """The indexed columns of one case (statement built once: this runs in every filing)."""
    if not _ONE_CASE:
        from sqlalchemy import bindparam

        _ONE_CASE.append(
            select(*_CASE_COLS).join(Party, Party.id == Expediente.party_id).where(Expediente.id == bindparam("cid"))
        )
    return conn.execute(_ONE_CASE[0], {"cid": case_id}).all()


def _case_rows(conn: Connection, where, limit: int | None = None):
    q = select(*_CASE_COLS).join(Party, Party.id == Expediente.party_id).where(where).order_by(Expediente.id)
    if limit:
        q = q.limit(limit)
    return conn.execute(q).all()


def _case_values(row) -> tuple[int, str, str]:
    cid, number, subject, fields, unit_id, procedure_id, channel, name, doc_type, doc_number = row
    return cid, _facets(unit_id, procedure_id, channel), _case_head(number, subject, fields, name, doc_type, doc_number)


def _segments(marked: str, limit: int = 400) -> tuple[Segment, ...]:
    """'a \\x02b\\x03 c' -> (('a ', False), ('b', True), (' c', False))."""
    out: list[Segment] = []
    size = 0
    for i, part in enumerate(re.split(r"[\x02\x03]", marked or "")):
        part = re.sub(r"\s+", " ", part.replace("\x02", "").replace("\x03", ""))
        if not part:
            continue
        if size + len(part) > limit:
            part = part[: max(0, limit - size)].rstrip() + "…"
        out.append((part, i % 2 == 1))
        size += len(part)
        if size >= limit:
            break
    return tuple(out)


# ---------------------------------------------------------------- schema
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
_FTS_DEL = (
    "INSERT INTO search_fts(search_fts, rowid, facets, head, body) "
    "SELECT 'delete', entry_id, facets, head, body FROM search_content WHERE entry_id = {}"
)
_FTS_ADD = (
    "INSERT INTO search_fts(rowid, facets, head, body) "
    "SELECT entry_id, facets, head, body FROM search_content WHERE entry_id = {}"
)
_DOC_ENTRY = "(SELECT entry_id FROM search_entry WHERE document_id = {}.document_id)"
_FACETS_SQL = "('u' || NEW.current_unit_id || ' p' || NEW.procedure_id || ' c' || hex(NEW.channel))"
# FTS5 external content: the index is told the old values when a row goes out, from the view, before
# the change (BEFORE triggers) and the new ones after it.
_SQLITE_TRIGGERS = {
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
    # moves it, so a search never counts a case in a unit it has left (nor misses it in the new one).
    "search_case_facets": (
        "AFTER UPDATE OF current_unit_id, procedure_id, channel ON expediente BEGIN "
        f"UPDATE search_entry SET facets = {_FACETS_SQL} WHERE entry_id BETWEEN (NEW.id << {SLOT_BITS}) "
        f"AND ((NEW.id << {SLOT_BITS}) | {SLOT_MASK}) AND facets IS NOT {_FACETS_SQL}; END"
    ),
}

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


def ensure_schema(eng: Engine) -> None:
    """Create the search index (idempotent; db.create_schema calls it on every start). A database
    that already has cases when the index is first created gets them indexed."""
    if eng.dialect.name == "sqlite":
        _ensure_sqlite(eng)
    else:
        _ensure_pg(eng)


def _sqlite_utils(conn: Connection):
    import sqlite_utils

    return sqlite_utils.Database(conn.connection.driver_connection, recursive_triggers=False, execute_plugins=False)


def _create_sqlite_triggers(conn: Connection) -> None:
    for name, body in _SQLITE_TRIGGERS.items():
        conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def _drop_sqlite_triggers(conn: Connection) -> None:
    for name in _SQLITE_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def _ensure_sqlite(eng: Engine) -> None:
    from sgd_app import db

    with db.write_session(eng) as session:  # BEGIN IMMEDIATE: one creator at a time
        conn = session.connection()
        sdb = _sqlite_utils(conn)
        created = "search_fts" not in sdb.table_names()
        sdb.execute(_SQLITE_TABLE)
        sdb.create_view("search_content", _SQLITE_VIEW, replace=True)
        if created:
            sdb.execute(_SQLITE_FTS)
            # bm25 weights: facets 0 (a filter, not relevance), case data 4, document text 1.
            sdb.execute("INSERT INTO search_fts(search_fts, rank) VALUES('rank', 'bm25(0.0, 4.0, 1.0)')")
        _create_sqlite_triggers(conn)
        if created and conn.exec_driver_sql("SELECT 1 FROM expediente LIMIT 1").first():
            _rebuild_sqlite(conn)


def _ensure_pg(eng: Engine) -> None:
    with eng.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
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
        if created and conn.execute(text("SELECT 1 FROM expediente LIMIT 1")).first():
            _rebuild_pg(conn)


# ---------------------------------------------------------------- keeping the index up to date
def index_case(session: Session, case_id: int, *, fresh: bool = False) -> None:
    """(Re)index a case's own data (number, subject, filer, fields); also indexes its documents
    that have text and are not indexed yet. Idempotent and cheap when nothing changed: call it after
    a case is filed, whenever its subject or filer changes, and (harmless, though the unit already
    follows by itself) after routing changes. ``fresh``: the case was created in this very
    transaction (it has no indexed or recognised documents yet: only its own entry is written)."""
    session.flush()
    conn = session.connection()
    if _dialect(conn) == "sqlite":
        _index_case_sqlite(conn, case_id, fresh=fresh)
    else:
        if not fresh:
            _pg_lock_case(conn, case_id)
        _index_case_pg(conn, case_id)
    if fresh:
        return
    missing = (
        conn.execute(
            text(
                "SELECT t.document_id FROM documenttext t JOIN document d ON d.id = t.document_id "
                "WHERE d.expediente_id = :c AND NOT EXISTS "
                "(SELECT 1 FROM search_entry s WHERE s.document_id = t.document_id) ORDER BY t.document_id"
            ),
            {"c": case_id},
        )
        .scalars()
        .all()
    )
    for document_id in missing:
        _index_document(conn, document_id)


def index_document(session: Session, document_id: int) -> None:
    """(Re)index one document: call it after its DocumentText is written. Idempotent. A document
    without DocumentText (or gone) leaves the index."""
    session.flush()
    _index_document(session.connection(), document_id)


def rebuild(session_or_engine: Session | Engine) -> int:
    """Reindex everything (after bulk loads, or to repair). Returns the number of entries. With an
    engine it runs in its own transaction; with a session, in the session's (caller commits)."""
    if isinstance(session_or_engine, Session):
        session_or_engine.flush()
        return _rebuild(session_or_engine.connection())
    from sgd_app import db

    with db.write_session(session_or_engine) as s:
        return _rebuild(s.connection())


def _rebuild(conn: Connection) -> int:
    return _rebuild_sqlite(conn) if _dialect(conn) == "sqlite" else _rebuild_pg(conn)


def _index_case_sqlite(conn: Connection, case_id: int, *, fresh: bool = False) -> None:
    lo, hi = case_id << SLOT_BITS, (case_id << SLOT_BITS) | SLOT_MASK
    rows = _case_row(conn, case_id)
    if not rows:
        conn.execute(text("DELETE FROM search_entry WHERE entry_id BETWEEN :lo AND :hi"), {"lo": lo, "hi": hi})
        return
    _, facets, head = _case_values(rows[0])
    conn.execute(
        text(
            "INSERT INTO search_entry (entry_id, case_id, document_id, facets, head) VALUES (:lo, :c, NULL, :f, :h) "
            "ON CONFLICT (entry_id) DO UPDATE SET facets = excluded.facets, head = excluded.head "
            "WHERE search_entry.facets IS NOT excluded.facets OR search_entry.head IS NOT excluded.head"
        ),
        {"lo": lo, "c": case_id, "f": facets, "h": head},
    )
    if fresh:
        return
    # The unit moved (or the procedure changed): every document entry carries the new facets.
    conn.execute(
        text("UPDATE search_entry SET facets = :f WHERE entry_id BETWEEN :lo AND :hi AND facets IS NOT :f"),
        {"f": facets, "lo": lo + 1, "hi": hi},
    )


def _pg_lock_case(conn: Connection, case_id: int) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(:k, :c)"), {"k": _PG_CASE_LOCK, "c": case_id})


_PG_TSV_HEAD = "setweight(to_tsvector('sgd_es', translate({}, '-', ' ')), 'A')"
_PG_TSV_BODY = "setweight(to_tsvector('sgd_es', translate(left(coalesce({}, ''), {}), '-', ' ')), 'B')"


def _index_case_pg(conn: Connection, case_id: int) -> None:
    rows = _case_row(conn, case_id)
    if not rows:
        conn.execute(text("DELETE FROM search_entry WHERE case_id = :c"), {"c": case_id})
        return
    _, _, head = _case_values(rows[0])
    conn.execute(
        text(
            "INSERT INTO search_entry (entry_id, case_id, document_id, head, tsv) "
            f"VALUES (:e, :c, NULL, :h, {_PG_TSV_HEAD.format(':h')}) "
            "ON CONFLICT (entry_id) DO UPDATE SET head = EXCLUDED.head, tsv = EXCLUDED.tsv "
            "WHERE search_entry.head IS DISTINCT FROM EXCLUDED.head"
        ),
        {"e": case_id << SLOT_BITS, "c": case_id, "h": head},
    )


def _index_document(conn: Connection, document_id: int) -> None:
    pg = _dialect(conn) != "sqlite"
    info = conn.execute(
        text(
            "SELECT d.expediente_id, d.label, d.filename FROM document d JOIN documenttext t ON t.document_id = d.id "
            "WHERE d.id = :d"
        ),
        {"d": document_id},
    ).first()
    if pg and info is not None:
        _pg_lock_case(conn, info[0])
    existing = conn.execute(
        text("SELECT entry_id, case_id FROM search_entry WHERE document_id = :d"), {"d": document_id}
    ).first()
    if existing is not None and (info is None or existing[1] != info[0]):
        conn.execute(text("DELETE FROM search_entry WHERE document_id = :d"), {"d": document_id})
        existing = None
    if info is None:
        return
    case_id, label, filename = info
    lo = case_id << SLOT_BITS
    case_row = conn.execute(text("SELECT 1 FROM search_entry WHERE entry_id = :lo"), {"lo": lo}).first()
    if case_row is None:
        (_index_case_pg if pg else _index_case_sqlite)(conn, case_id)
    head = _doc_head(label, filename)
    if pg:
        tsv = f"{_PG_TSV_HEAD.format(':h')} || {_PG_TSV_BODY.format('t.text', PG_MAX_TEXT)}"
        if existing is not None:
            conn.execute(
                text(
                    f"UPDATE search_entry SET head = :h, tsv = (SELECT {tsv} FROM documenttext t "
                    "WHERE t.document_id = :d) WHERE document_id = :d"
                ),
                {"h": head, "d": document_id},
            )
            return
        entry_id = _next_slot(conn, case_id)
        conn.execute(
            text(
                f"INSERT INTO search_entry (entry_id, case_id, document_id, head, tsv) "
                f"SELECT :e, :c, :d, :h, {tsv} FROM documenttext t WHERE t.document_id = :d"
            ),
            {"e": entry_id, "c": case_id, "d": document_id, "h": head},
        )
        return
    facets = conn.execute(text("SELECT facets FROM search_entry WHERE entry_id = :lo"), {"lo": lo}).scalar() or ""
    if existing is not None:
        # The text itself is followed by the triggers on documenttext; here: label and facets.
        conn.execute(
            text(
                "UPDATE search_entry SET head = :h, facets = :f WHERE document_id = :d "
                "AND (head IS NOT :h OR facets IS NOT :f)"
            ),
            {"h": head, "f": facets, "d": document_id},
        )
        return
    conn.execute(
        text("INSERT INTO search_entry (entry_id, case_id, document_id, facets, head) VALUES (:e, :c, :d, :f, :h)"),
        {"e": _next_slot(conn, case_id), "c": case_id, "d": document_id, "f": facets, "h": head},
    )


def _next_slot(conn: Connection, case_id: int) -> int:
    lo = case_id << SLOT_BITS
    top = conn.execute(
        text("SELECT max(entry_id) FROM search_entry WHERE entry_id BETWEEN :lo AND :hi"),
        {"lo": lo, "hi": lo | SLOT_MASK},
    ).scalar()
    entry_id = max(top or lo, lo) + 1
    if entry_id > (lo | SLOT_MASK):
        raise RuntimeError(f"Demasiados documentos indexados en el expediente {case_id}.")
    return entry_id


def _entries(conn: Connection, batch: int = 20_000) -> Iterable[list[tuple]]:
    """Every entry to index, in entry order, a batch at a time: (entry_id, case_id, document_id,
    facets, head) — the very functions the incremental path uses."""
    last = 0
    facets_of: dict[int, str] = {}
    while True:
        rows = _case_rows(conn, Expediente.id > last, limit=batch)
        if not rows:
            break
        out = []
        for row in rows:
            cid, facets, head = _case_values(row)
            out.append((cid << SLOT_BITS, cid, None, facets, head))
        last = rows[-1][0]
        yield out
    facets_of = (
        dict(conn.execute(text("SELECT case_id, facets FROM search_entry WHERE document_id IS NULL")).all())
        if _dialect(conn) == "sqlite"
        else {}
    )
    last_key = (0, 0)
    slot_case, slot = 0, 0
    while True:
        rows = conn.execute(
            text(
                "SELECT d.expediente_id, d.id, d.label, d.filename FROM document d "
                "JOIN documenttext t ON t.document_id = d.id "
                "WHERE (d.expediente_id > :c OR (d.expediente_id = :c AND d.id > :d)) "
                "ORDER BY d.expediente_id, d.id LIMIT :n"
            ),
            {"c": last_key[0], "d": last_key[1], "n": batch},
        ).all()
        if not rows:
            break
        out = []
        for cid, did, label, filename in rows:
            if cid != slot_case:
                slot_case, slot = cid, 0
            slot += 1
            if slot > SLOT_MASK:
                continue
            out.append(((cid << SLOT_BITS) | slot, cid, did, facets_of.get(cid, ""), _doc_head(label, filename)))
        last_key = (rows[-1][0], rows[-1][1])
        yield out


# FTS5 for a bulk build: a 64 MB in-memory buffer (few, large segments, merged as they come with
# the default automerge), then the default buffer again for incremental writes. (A final
# 'optimize' into one segment was tried: 10 times the build time with the prefix index, for ~30 %
# faster queries.)
_BULK = {"hashsize": 64 * 2**20}
_INCREMENTAL = {"hashsize": 2**20}


def _rebuild_sqlite(conn: Connection) -> int:
    raw = conn.connection.driver_connection
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    _drop_sqlite_triggers(conn)
    conn.exec_driver_sql("DELETE FROM search_entry")
    n = 0
    for rows in _entries(conn):
        raw.executemany(
            "INSERT INTO search_entry (entry_id, case_id, document_id, facets, head) VALUES (?, ?, ?, ?, ?)", rows
        )
        n += len(rows)
    try:
        raw.execute("PRAGMA cache_size = -262144")  # 256 MB while building
        for key, value in _BULK.items():
            raw.execute("INSERT INTO search_fts(search_fts, rank) VALUES (?, ?)", (key, value))
        raw.execute("INSERT INTO search_fts(search_fts) VALUES('rebuild')")
        for key, value in _INCREMENTAL.items():
            raw.execute("INSERT INTO search_fts(search_fts, rank) VALUES (?, ?)", (key, value))
    finally:
        raw.execute(f"PRAGMA cache_size = {int(cache)}")
    _create_sqlite_triggers(conn)
    return n


def _rebuild_pg(conn: Connection) -> int:
    conn.execute(text("DELETE FROM search_entry"))
    n = 0
    for rows in _entries(conn, batch=5000):
        ids, cases, docs, _, heads = (list(col) for col in zip(*rows))
        conn.execute(
            text(
                "INSERT INTO search_entry (entry_id, case_id, document_id, head, tsv) "
                f"SELECT x.entry_id, x.case_id, x.document_id, x.head, {_PG_TSV_HEAD.format('x.head')} || "
                f"{_PG_TSV_BODY.format('t.text', PG_MAX_TEXT)} "
                "FROM unnest(CAST(:ids AS bigint[]), CAST(:cases AS integer[]), CAST(:docs AS integer[]), "
                "CAST(:heads AS text[])) AS x(entry_id, case_id, document_id, head) "
                "LEFT JOIN documenttext t ON t.document_id = x.document_id"
            ),
            {"ids": ids, "cases": cases, "docs": docs, "heads": heads},
        )
        n += len(rows)
    return n


# ---------------------------------------------------------------- searching
@dataclass
class _Plan:
    """What the engine-specific code needs: the scope and the filters, already decided."""

    units: set[int]
    all_units: set[int]
    filters: SearchFilters


def search(
    session: Session,
    who: Principal,
    query: str,
    filters: SearchFilters = SearchFilters(),
    page: int = 0,
    page_size: int = 20,
) -> SearchResult:
    """One page of the cases ``who`` may see that match ``query`` and ``filters``."""
    from sgd_app.domain import routing

    parsed = parse_query(query)
    page_size = min(max(1, int(page_size)), MAX_PAGE_SIZE)
    page = min(max(0, int(page)), max(0, (COUNT_CAP - 1) // page_size))
    units = routing.visible_unit_ids(session, who)
    if filters.unit_id is not None:
        units = units & {filters.unit_id}
    empty = SearchResult(query=parsed.text, hits=(), total=0, page=page, page_size=page_size)
    if not units:
        return empty
    if parsed.case_number:
        case = session.execute(
            select(Expediente.id, Expediente.current_unit_id).where(Expediente.number == parsed.case_number)
        ).first()
        if case is not None and case[1] in units:
            hits = _hits(session, [case[0]], {}, units)
            return SearchResult(
                query=parsed.text,
                hits=tuple(hits),
                total=1,
                page=0,
                page_size=page_size,
                order="exacto",
                jump_to=parsed.case_number,
            )
    if parsed.doc_number:
        found = _by_document_number(session, parsed, units, filters, page, page_size)
        if found is not None:
            return found
    all_units = set(session.execute(select(Unit.id)).scalars().all())
    plan = _Plan(units=units, all_units=all_units, filters=filters)
    conn = session.connection()
    try:
        if _dialect(conn) == "sqlite":
            ids, best, total, capped, order, snippets = _search_sqlite(conn, parsed, plan, page, page_size)
        else:
            ids, best, total, capped, order, snippets = _search_pg(conn, parsed, plan, page, page_size)
    except _TooSlow:
        raise InvalidInput(FIELD, MSG_SLOW) from None
    found_in = _found_in(session, best)
    hits = _hits(session, ids, {cid: (snippets.get(best.get(cid)), found_in.get(best.get(cid))) for cid in ids}, units)
    return SearchResult(
        query=parsed.text,
        hits=tuple(hits),
        total=total,
        total_capped=capped,
        page=page,
        page_size=page_size,
        order=order,
    )


class _TooSlow(Exception):
    pass


def _case_filter_clauses(plan: _Plan):
    f = plan.filters
    clauses = [Expediente.current_unit_id.in_(sorted(plan.units))]
    if f.procedure_id is not None:
        clauses.append(Expediente.procedure_id == f.procedure_id)
    if f.status:
        clauses.append(Expediente.status == f.status)
    if f.channel:
        clauses.append(Expediente.channel == f.channel)
    if f.priority:
        clauses.append(Expediente.priority == f.priority)
    if f.date_from:
        clauses.append(Expediente.filed_on >= f.date_from)
    if f.date_to:
        clauses.append(Expediente.filed_on <= f.date_to)
    return clauses


def _by_document_number(
    session: Session, parsed: ParsedQuery, units: set[int], filters: SearchFilters, page: int, page_size: int
) -> SearchResult | None:
    """A DNI / RUC: the visible cases of that filer (one -> jump to it); None when there are none."""
    from sqlalchemy import func

    plan = _Plan(units=units, all_units=set(), filters=filters)
    where = [
        Expediente.party_id.in_(select(Party.id).where(Party.doc_number == parsed.doc_number)),
        *_case_filter_clauses(plan),
    ]
    total = int(session.execute(select(func.count()).select_from(Expediente).where(*where)).scalar())
    if total == 0:
        return None
    ids = list(
        session.execute(
            select(Expediente.id).where(*where).order_by(Expediente.id.desc()).offset(page * page_size).limit(page_size)
        )
        .scalars()
        .all()
    )
    hits = _hits(session, ids, {}, units)
    jump = hits[0].number if total == 1 and hits else None
    return SearchResult(
        query=parsed.text,
        hits=tuple(hits),
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        page=page,
        page_size=page_size,
        order="exacto",
        jump_to=jump,
    )


def _hits(session: Session, ids: list[int], extra: dict[int, tuple], units: set[int]) -> list[SearchHit]:
    """The page's rows, in ``ids`` order; the scope is checked once more on the case itself."""
    from sgd_app.domain.intake import STATUSES

    if not ids:
        return []
    rows = session.execute(
        select(
            Expediente.id,
            Expediente.number,
            Expediente.subject,
            Party.name,
            Expediente.status,
            Unit.name,
            Procedure.name,
            Expediente.filed_on,
            Expediente.priority,
            Expediente.channel,
        )
        .join(Party, Party.id == Expediente.party_id)
        .join(Unit, Unit.id == Expediente.current_unit_id)
        .join(Procedure, Procedure.id == Expediente.procedure_id)
        .where(Expediente.id.in_(ids), Expediente.current_unit_id.in_(sorted(units)))
    ).all()
    by_id = {r[0]: r for r in rows}
    out = []
    for cid in ids:
        r = by_id.get(cid)
        if r is None:
            continue
        snippet, found_in = extra.get(cid, (None, None))
        if not snippet:
            snippet = ((r[2], False),)
        out.append(
            SearchHit(
                number=r[1],
                subject=r[2],
                filer=r[3],
                status=r[4],
                status_label=STATUSES.get(r[4], r[4]),
                unit=r[5],
                procedure=r[6],
                filed_on=r[7],
                priority=r[8],
                channel=r[9],
                snippet=snippet,
                found_in=found_in or "Datos del expediente",
            )
        )
    return out


def _found_in(session: Session, best: dict[int, int]) -> dict[int, str]:
    """entry id -> where the snippet comes from (the document's label)."""
    doc_entries = {e: (e & SLOT_MASK) for e in best.values() if e is not None and e & SLOT_MASK}
    if not doc_entries:
        return {}
    rows = (
        session.connection()
        .execute(
            text(
                "SELECT s.entry_id, d.label, d.filename FROM search_entry s JOIN document d ON d.id = s.document_id "
                f"WHERE s.entry_id IN ({', '.join(str(int(e)) for e in doc_entries)})"
            )
        )
        .all()
    )
    return {e: (label or filename or "Documento") for e, label, filename in rows}


# ---- SQLite
def _fts_term(t: Term) -> str:
    if t.phrase:
        return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")
    if t.prefix:
        return f'"{t.words[0]}"*'
    variants = word_variants(t.words[0])
    if len(variants) == 1:
        return f'"{variants[0]}"'
    return "(" + " OR ".join(f'"{v}"' for v in variants) + ")"


def _fts_query(parsed: ParsedQuery, plan: _Plan) -> str:
    """The FTS5 expression: the user's terms over case data and text, and the facets (scope)."""
    parts = ["{head body} : (" + " AND ".join(_fts_term(t) for t in parsed.terms) + ")"]
    negative = ""
    units = plan.units
    if not units >= plan.all_units:
        others = plan.all_units - units
        if len(units) <= len(others):
            parts.append("facets : (" + " OR ".join(f'"{_unit_token(u)}"' for u in sorted(units)) + ")")
        else:
            negative = "facets : (" + " OR ".join(f'"{_unit_token(u)}"' for u in sorted(others)) + ")"
    if plan.filters.procedure_id is not None:
        parts.append(f'facets : "{_procedure_token(plan.filters.procedure_id)}"')
    if plan.filters.channel:
        parts.append(f'facets : "{_channel_token(plan.filters.channel)}"')
    expr = " AND ".join(f"({p})" for p in parts)
    return f"({expr}) NOT ({negative})" if negative else expr


def _sqlite_where(plan: _Plan) -> tuple[str, list]:
    f = plan.filters
    sql = [f"e.current_unit_id IN ({', '.join(str(int(u)) for u in sorted(plan.units))})"]
    params: list = []
    for column, value in (
        ("procedure_id", f.procedure_id),
        ("status", f.status),
        ("channel", f.channel),
        ("priority", f.priority),
    ):
        if value is not None and value != "":
            sql.append(f"e.{column} = ?")
            params.append(value)
    if f.date_from:
        sql.append("e.filed_on >= ?")
        params.append(f.date_from.isoformat())
    if f.date_to:
        sql.append("e.filed_on <= ?")
        params.append(f.date_to.isoformat())
    return " AND ".join(sql), params


def _search_sqlite(conn: Connection, parsed: ParsedQuery, plan: _Plan, page: int, page_size: int):
    """Cases are counted straight from the index order (a case's entries come together), at most
    COUNT_CAP. Up to RANK_MAX cases the page is by rank (bm25), beyond it the newest cases. bm25
    scans each word's whole list once per statement, so the first pass ranks up to SMALL entries in
    the same reading: one statement for most searches. A prefix expands into one merged list held in
    memory: it is read once, backwards. The scope (unit), procedure and channel are facets inside
    the index, kept equal to the case's by the trigger search_case_facets."""
    raw = conn.connection.driver_connection
    f = plan.filters
    args = [_fts_query(parsed, plan)]
    base = "FROM search_fts WHERE search_fts MATCH ?"
    if f.status or f.priority or f.date_from or f.date_to:
        # Filters the index does not carry: checked on the case itself (with the scope again).
        where, params = _sqlite_where(plan)
        base = (
            f"FROM search_fts JOIN expediente e ON e.id = (search_fts.rowid >> {SLOT_BITS}) "
            f"WHERE search_fts MATCH ? AND {where}"
        )
        args += params
    offset = page * page_size

    def count(sql: str, sql_args: list, cases: dict[int, int], last: int = -1, upto: int = 0) -> bool:
        """Add the cases of the rows of ``sql`` (case id -> an entry) until ``upto`` (COUNT_CAP)
        cases; True if there were more."""
        upto = upto or COUNT_CAP
        cur = raw.execute(sql, sql_args)
        try:
            while True:
                chunk = cur.fetchmany(4000)
                if not chunk:
                    return False
                for (entry,) in chunk:
                    cid = entry >> SLOT_BITS
                    if cid != last:
                        if len(cases) >= upto:
                            return True
                        last = cid
                        cases[cid] = entry
        finally:
            cur.close()

    def by_rank() -> list[tuple[int, int]]:
        return [
            (cid, entry)
            for cid, _, entry in raw.execute(
                f"SELECT search_fts.rowid >> {SLOT_BITS} AS cid, min(search_fts.rank) AS r, search_fts.rowid "
                f"{base} GROUP BY cid ORDER BY r, cid DESC LIMIT ? OFFSET ?",
                [*args, page_size, offset],
            )
        ]

    def newest_page() -> list[tuple[int, int]]:
        cases: dict[int, int] = {}
        count(f"SELECT search_fts.rowid {base} ORDER BY search_fts.rowid DESC", args, cases, upto=offset + page_size)
        return list(cases.items())[offset : offset + page_size]

    if parsed.has_prefix:
        # FTS5 merges a prefix's lists between two checks of the handler: stop a little early so
        # that the answer comes within the limit.
        deadline = time.monotonic() + 0.9 * PREFIX_TIME_LIMIT_S
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_EVERY)
    try:
        if parsed.has_prefix:
            cases: dict[int, int] = {}  # newest first
            capped = count(f"SELECT search_fts.rowid {base} ORDER BY search_fts.rowid DESC", args, cases)
            total = len(cases)
            pairs = by_rank() if total <= RANK_MAX else list(cases.items())[offset : offset + page_size]
        else:
            # Pass 1, ranked, in the index's own order, at most SMALL entries.
            rows = raw.execute(
                f"SELECT search_fts.rowid, search_fts.rank {base} ORDER BY search_fts.rowid LIMIT {SMALL + 1}", args
            ).fetchall()
            cases = {}
            best: dict[int, tuple[float, int]] = {}  # case id -> (best rank, its entry)
            capped = False
            for entry, rank in rows[:SMALL]:
                cid = entry >> SLOT_BITS
                if cid not in cases and len(cases) >= COUNT_CAP:
                    capped = True
                    break
                cases[cid] = entry
                if cid not in best or rank < best[cid][0]:
                    best[cid] = (rank, entry)
            complete = len(rows) <= SMALL
            if not complete and not capped:  # many matches: go on counting from there, unranked
                capped = count(
                    f"SELECT search_fts.rowid {base} AND search_fts.rowid > ? ORDER BY search_fts.rowid",
                    [*args, rows[SMALL - 1][0]],
                    cases,
                    last=rows[SMALL - 1][0] >> SLOT_BITS,
                )
            total = len(cases)
            if total <= RANK_MAX and complete:
                ordered = sorted(best, key=lambda c: (best[c][0], -c))[offset : offset + page_size]
                pairs = [(cid, best[cid][1]) for cid in ordered]
            elif total <= RANK_MAX:  # few cases with very many documents each
                pairs = by_rank()
            elif not capped:
                pairs = sorted(cases.items(), reverse=True)[offset : offset + page_size]
            else:  # more than COUNT_CAP: the newest, reading the index backwards until the page is full
                pairs = newest_page()
    except sqlite3.OperationalError as exc:
        if parsed.has_prefix and "interrupt" in str(exc):
            raise _TooSlow() from exc
        raise
    finally:
        if parsed.has_prefix:
            raw.set_progress_handler(None, 0)
    mode = "relevancia" if total <= RANK_MAX else "recientes"
    ids = [cid for cid, _ in pairs]
    entries = dict(pairs)
    snippets: dict[int, tuple[Segment, ...]] = {}
    if entries:
        marks = ", ".join(str(int(e)) for e in entries.values())
        for entry, head, body in raw.execute(
            f"SELECT entry_id, head, body FROM search_content WHERE entry_id IN ({marks})"
        ):
            found = highlight(body or "", parsed.terms) or highlight(head or "", parsed.terms)
            if found:
                snippets[entry] = found
    return ids, entries, total, capped, mode, snippets


SNIPPET_CHARS = 220  # about 30 words
SNIPPET_SCAN = 200_000  # characters of a long text looked at for the snippet
_W = r"[^\W_]"


@lru_cache(maxsize=1)
def _letter_classes() -> dict[str, str]:
    """Folded letter -> a regex class of every Latin letter that folds to it ("n" -> "[nNñÑ...]"),
    so the query's words are found in the original text with its accents and case."""
    variants: dict[str, set[str]] = {}
    for code in range(0x41, 0x250):
        c = chr(code)
        f = fold(c)
        if len(f) == 1 and f.isalnum():
            variants.setdefault(f, {f}).update({c, c.lower(), c.upper()})
    return {k: "[" + "".join(sorted(v)) + "]" for k, v in variants.items() if len(v) > 1}


def _word_pattern(word: str) -> str:
    classes = _letter_classes()
    return "".join(classes.get(ch, re.escape(ch)) for ch in word)


@lru_cache(maxsize=256)
def _term_regex(terms: tuple[Term, ...]) -> re.Pattern:
    parts = []
    for i, t in enumerate(terms):
        if t.phrase:
            body = r"[\W_]+".join(_word_pattern(w) for w in t.words) + (_W + "*" if t.prefix else "")
        elif t.prefix:
            body = _word_pattern(t.words[0]) + _W + "*"
        else:
            body = "(?:" + "|".join(_word_pattern(v) for v in word_variants(t.words[0])) + ")"
        parts.append(f"(?P<t{i}>{body})")
    return re.compile(rf"(?<!{_W})(?:{'|'.join(parts)})(?!{_W})")


def highlight(value: str, terms: tuple[Term, ...], size: int = SNIPPET_CHARS) -> tuple[Segment, ...] | None:
    """The stretch of ``value`` (about ``size`` characters) with the most distinct query terms, as
    (text, is_match) segments; None when no term is found. The same folding as the index: case,
    accents, ñ, the simple plurals of the query, prefixes, phrases."""
    value = unicodedata.normalize("NFC", _clean(value[:SNIPPET_SCAN]))
    found = [(m.start(), m.end(), m.lastgroup) for m in _term_regex(terms).finditer(value)]
    if not found:
        return None
    best_at, best_score = 0, -1
    for i, (start, _, _) in enumerate(found):
        score = len({g for s, _, g in found[i : i + 12] if s < start + size - 40})
        if score > best_score:
            best_at, best_score = i, score
    anchor = found[best_at][0]
    lo = max(0, anchor - 60)
    if lo > 0:  # start at a word
        space = value.find(" ", lo, anchor)
        lo = space + 1 if space != -1 else anchor
    hi = min(len(value), lo + size)
    if hi < len(value):
        space = value.rfind(" ", max(lo, hi - 30), hi)
        hi = space if space > found[best_at][1] else hi
    out: list[Segment] = [("…", False)] if lo > 0 else []
    cursor = lo
    for start, end, _ in found:
        if start < lo or end > hi:
            continue
        if start > cursor:
            out.append((value[cursor:start], False))
        out.append((value[start:end], True))
        cursor = end
    if hi > cursor:
        out.append((value[cursor:hi], False))
    if hi < len(value):
        out.append(("…", False))
    merged: list[Segment] = []
    for text_, is_match in out:
        text_ = re.sub(r"\s+", " ", text_)
        if merged and not is_match and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + text_, False)
        elif text_:
            merged.append((text_, is_match))
    return tuple(merged)


# ---- PostgreSQL
def _pg_term(t: Term) -> str:
    if t.phrase:
        return "(" + " <-> ".join(t.words) + (":*" if t.prefix else "") + ")"
    if t.prefix:
        return f"{t.words[0]}:*"
    variants = word_variants(t.words[0])
    return variants[0] if len(variants) == 1 else "(" + " | ".join(variants) + ")"


def _pg_tsquery(parsed: ParsedQuery) -> str:
    # Words are letters and digits only (see _WORD): nothing of the tsquery syntax gets through.
    return " & ".join(_pg_term(t) for t in parsed.terms)


def _search_pg(conn: Connection, parsed: ParsedQuery, plan: _Plan, page: int, page_size: int):
    q = _pg_tsquery(parsed)
    if not conn.execute(text("SELECT numnode(to_tsquery('sgd_es', :q))"), {"q": q}).scalar():
        raise InvalidInput(FIELD, MSG_COMMON)  # only the configuration's stop words
    f = plan.filters
    where = ["s.tsv @@ to_tsquery('sgd_es', :q)", "e.current_unit_id = ANY(:units)"]
    params: dict[str, Any] = {"q": q, "units": sorted(plan.units)}
    for column, value in (
        ("procedure_id", f.procedure_id),
        ("status", f.status),
        ("channel", f.channel),
        ("priority", f.priority),
    ):
        if value is not None and value != "":
            where.append(f"e.{column} = :{column}")
            params[column] = value
    if f.date_from:
        where.append("e.filed_on >= :date_from")
        params["date_from"] = f.date_from
    if f.date_to:
        where.append("e.filed_on <= :date_to")
        params["date_to"] = f.date_to
    base = f"FROM search_entry s JOIN expediente e ON e.id = s.case_id WHERE {' AND '.join(where)}"
    nested = conn.begin_nested() if parsed.has_prefix else None
    try:
        if nested is not None:
            previous = conn.execute(text("SELECT current_setting('statement_timeout')")).scalar()
            conn.execute(
                text("SELECT set_config('statement_timeout', :v, true)"), {"v": f"{int(PREFIX_TIME_LIMIT_S * 1000)}ms"}
            )
        total = conn.execute(
            text(f"SELECT count(*) FROM (SELECT DISTINCT s.case_id {base} LIMIT {COUNT_CAP + 1}) x"), params
        ).scalar()
        capped = total > COUNT_CAP
        total = min(total, COUNT_CAP)
        page_params = {**params, "lim": page_size, "off": page * page_size}
        if total <= RANK_MAX:
            order = "relevancia"
            rank = "ts_rank_cd(s.tsv, to_tsquery('sgd_es', :q))"
            rows = conn.execute(
                text(
                    f"SELECT s.case_id, max({rank}) AS r, (array_agg(s.entry_id ORDER BY {rank} DESC, s.entry_id))[1] "
                    f"{base} GROUP BY s.case_id ORDER BY r DESC, s.case_id DESC LIMIT :lim OFFSET :off"
                ),
                page_params,
            ).all()
            pairs = [(cid, entry) for cid, _, entry in rows]
        else:
            order = "recientes"
            rows = conn.execute(
                text(
                    f"SELECT s.case_id, min(s.entry_id) {base} GROUP BY s.case_id "
                    "ORDER BY s.case_id DESC LIMIT :lim OFFSET :off"
                ),
                page_params,
            ).all()
            pairs = [(cid, entry) for cid, entry in rows]
        snippets = {}
        if pairs:
            opts = (
                "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || "
                "', MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"'"
            )
            body_text = "translate(coalesce(t.text, ''), chr(2) || chr(3), '  ')"
            for entry, body, head in conn.execute(
                text(
                    f"SELECT s.entry_id, ts_headline('sgd_es', {body_text}, to_tsquery('sgd_es', :q), {opts}), "
                    f"ts_headline('sgd_es', s.head, to_tsquery('sgd_es', :q), {opts}) "
                    "FROM search_entry s LEFT JOIN documenttext t ON t.document_id = s.document_id "
                    "WHERE s.entry_id = ANY(:entries)"
                ),
                {"q": q, "entries": [e for _, e in pairs]},
            ).all():
                snippets[entry] = _segments(body if body and "\x02" in body else head or body or "")
        if nested is not None:
            conn.execute(text("SELECT set_config('statement_timeout', :v, true)"), {"v": previous})
            nested.commit()
    except DBAPIError as exc:
        if nested is not None and nested.is_active:
            nested.rollback()
        if nested is not None and getattr(exc.orig, "sqlstate", None) == "57014":
            raise _TooSlow() from exc
        raise
    ids = [cid for cid, _ in pairs]
    return ids, dict(pairs), total, capped, order, snippets
