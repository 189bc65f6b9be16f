"""Keeping the index up to date, each in the caller's transaction (the caller commits).

:func:`index_case` after a case is filed, moves, or its subject / filer changes;
:func:`index_document` after a document's ``DocumentText`` is written; :func:`rebuild` after bulk
loads; :func:`ensure_schema` on every start (creates the index, and fills a new one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from sgd_app import db
from sgd_app.domain.models import Expediente, Party
from sgd_app.domain.search.highlight import clean
from sgd_app.domain.search.schema import (
    PG_MAX_TEXT,
    PG_TSV_BODY,
    PG_TSV_HEAD,
    SLOT_BITS,
    SLOT_MASK,
    create_pg,
    create_sqlite,
    create_sqlite_triggers,
    dialect,
    drop_sqlite_triggers,
    facets,
)

_PG_LOCK = 715517  # the schema lock of sgd_app.schema (PG_LOCK)
_PG_CASE_LOCK = 715518  # (this, case id): one indexer of a case at a time


def ensure_schema(eng: Engine) -> None:
    """Create the search index (idempotent; schema.create_all calls it on every start). A database
    that already has cases when the index is first created gets them indexed."""
    if eng.dialect.name == "sqlite":
        with db.write_session(eng) as session:  # BEGIN IMMEDIATE: one creator at a time
            conn = session.connection()
            if create_sqlite(conn) and conn.exec_driver_sql("SELECT 1 FROM expediente LIMIT 1").first():
                _rebuild_sqlite(conn)
    else:
        with eng.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
            if create_pg(conn) and conn.execute(text("SELECT 1 FROM expediente LIMIT 1")).first():
                _rebuild_pg(conn)


# ---------------------------------------------------------------- what an entry holds
def _case_head(number: str, subject: str, fields: Any, name: str, doc_type: str, doc_number: str) -> str:
    extra = [str(v)[:300] for v in (fields or {}).values() if isinstance(v, (str, int)) and str(v).strip()]
    return clean(" ".join([number, subject or "", name or "", f"{doc_type} {doc_number}", *extra]))


def _doc_head(label: str, filename: str) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename or "")
    return clean(f"{label or ''} {stem}".strip())


_CASE_COLS = (
    col(Expediente.id),
    col(Expediente.number),
    col(Expediente.subject),
    col(Expediente.fields),
    col(Expediente.current_unit_id),
    col(Expediente.procedure_id),
    col(Expediente.channel),
    col(Party.name),
    col(Party.doc_type),
    col(Party.doc_number),
)
# The indexed columns of one case (built once: this runs in every filing).
_ONE_CASE = (
    select(*_CASE_COLS)
    .join(Party, col(Party.id) == col(Expediente.party_id))
    .where(col(Expediente.id) == bindparam("cid"))
)


def _case_row(conn: Connection, case_id: int):
    return conn.execute(_ONE_CASE, {"cid": case_id}).all()


def _case_rows(conn: Connection, where, limit: int | None = None):
    q = (
        select(*_CASE_COLS)
        .join(Party, col(Party.id) == col(Expediente.party_id))
        .where(where)
        .order_by(col(Expediente.id))
    )
    if limit:
        q = q.limit(limit)
    return conn.execute(q).all()


def _case_values(row, seen: Iterable[int] = ()) -> tuple[int, str, str]:
    cid, number, subject, fields, unit_id, procedure_id, channel, name, doc_type, doc_number = row
    head = _case_head(number, subject, fields, name, doc_type, doc_number)
    return cid, facets(unit_id, procedure_id, channel, seen), head


def _seen(conn: Connection, first: int, last: int) -> dict[int, list[int]]:
    """case id -> the units it has been in (``caseunit``), for the cases ``first``..``last``."""
    out: dict[int, list[int]] = {}
    for cid, uid in conn.execute(
        text(
            "SELECT expediente_id, unit_id FROM caseunit WHERE expediente_id BETWEEN :a AND :b "
            "ORDER BY expediente_id, unit_id"
        ),
        {"a": first, "b": last},
    ).all():
        out.setdefault(cid, []).append(uid)
    return out


# ---------------------------------------------------------------- one case, one document
def index_case(session: Session, case_id: int, *, fresh: bool = False) -> None:
    """(Re)index a case's own data (number, subject, filer, fields); also indexes its documents
    that have text and are not indexed yet. Idempotent and cheap when nothing changed: call it after
    a case is filed, whenever its subject or filer changes, and (harmless, though the unit already
    follows by itself) after routing changes. ``fresh``: the case was created in this very
    transaction (it has no indexed or recognised documents yet: only its own entry is written)."""
    session.flush()
    conn = session.connection()
    if dialect(conn) == "sqlite":
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


def _index_case_sqlite(conn: Connection, case_id: int, *, fresh: bool = False) -> None:
    lo, hi = case_id << SLOT_BITS, (case_id << SLOT_BITS) | SLOT_MASK
    rows = _case_row(conn, case_id)
    if not rows:
        conn.execute(text("DELETE FROM search_entry WHERE entry_id BETWEEN :lo AND :hi"), {"lo": lo, "hi": hi})
        return
    _, case_facets, head = _case_values(rows[0], _seen(conn, case_id, case_id).get(case_id, ()))
    conn.execute(
        text(
            "INSERT INTO search_entry (entry_id, case_id, document_id, facets, head) VALUES (:lo, :c, NULL, :f, :h) "
            "ON CONFLICT (entry_id) DO UPDATE SET facets = excluded.facets, head = excluded.head "
            "WHERE search_entry.facets IS NOT excluded.facets OR search_entry.head IS NOT excluded.head"
        ),
        {"lo": lo, "c": case_id, "f": case_facets, "h": head},
    )
    if fresh:
        return
    # The unit moved (or the procedure changed): every document entry carries the new facets.
    conn.execute(
        text("UPDATE search_entry SET facets = :f WHERE entry_id BETWEEN :lo AND :hi AND facets IS NOT :f"),
        {"f": case_facets, "lo": lo + 1, "hi": hi},
    )


def _pg_lock_case(conn: Connection, case_id: int) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(:k, :c)"), {"k": _PG_CASE_LOCK, "c": case_id})


def _index_case_pg(conn: Connection, case_id: int) -> None:
    rows = _case_row(conn, case_id)
    if not rows:
        conn.execute(text("DELETE FROM search_entry WHERE case_id = :c"), {"c": case_id})
        return
    _, _, head = _case_values(rows[0])
    conn.execute(
        text(
            "INSERT INTO search_entry (entry_id, case_id, document_id, head, tsv) "
            f"VALUES (:e, :c, NULL, :h, {PG_TSV_HEAD.format(':h')}) "
            "ON CONFLICT (entry_id) DO UPDATE SET head = EXCLUDED.head, tsv = EXCLUDED.tsv "
            "WHERE search_entry.head IS DISTINCT FROM EXCLUDED.head"
        ),
        {"e": case_id << SLOT_BITS, "c": case_id, "h": head},
    )


def _index_document(conn: Connection, document_id: int) -> None:
    pg = dialect(conn) != "sqlite"
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
        tsv = f"{PG_TSV_HEAD.format(':h')} || {PG_TSV_BODY.format('t.text', PG_MAX_TEXT)}"
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
    case_facets = conn.execute(text("SELECT facets FROM search_entry WHERE entry_id = :lo"), {"lo": lo}).scalar() or ""
    if existing is not None:
        # The text itself is followed by the triggers on documenttext; here: label and facets.
        conn.execute(
            text(
                "UPDATE search_entry SET head = :h, facets = :f WHERE document_id = :d "
                "AND (head IS NOT :h OR facets IS NOT :f)"
            ),
            {"h": head, "f": case_facets, "d": document_id},
        )
        return
    conn.execute(
        text("INSERT INTO search_entry (entry_id, case_id, document_id, facets, head) VALUES (:e, :c, :d, :f, :h)"),
        {"e": _next_slot(conn, case_id), "c": case_id, "d": document_id, "f": case_facets, "h": head},
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


# ---------------------------------------------------------------- everything
def rebuild(session_or_engine: Session | Engine) -> int:
    """Reindex everything (after bulk loads, or to repair). Returns the number of entries. With an
    engine it runs in its own transaction; with a session, in the session's (caller commits)."""
    if isinstance(session_or_engine, Session):
        session_or_engine.flush()
        return _rebuild(session_or_engine.connection())
    with db.write_session(session_or_engine) as s:
        return _rebuild(s.connection())


def _rebuild(conn: Connection) -> int:
    return _rebuild_sqlite(conn) if dialect(conn) == "sqlite" else _rebuild_pg(conn)


def _entries(conn: Connection, batch: int = 20_000) -> Iterable[list[tuple]]:
    """Every entry to index, in entry order, a batch at a time: (entry_id, case_id, document_id,
    facets, head) — the very functions the incremental path uses."""
    last = 0
    facets_of: dict[int, str] = {}
    while True:
        rows = _case_rows(conn, col(Expediente.id) > last, limit=batch)
        if not rows:
            break
        out = []
        seen = _seen(conn, rows[0][0], rows[-1][0]) if dialect(conn) == "sqlite" else {}
        for row in rows:
            cid, case_facets, head = _case_values(row, seen.get(row[0], ()))
            out.append((cid << SLOT_BITS, cid, None, case_facets, head))
        last = rows[-1][0]
        yield out
    facets_of = (
        dict(conn.execute(text("SELECT case_id, facets FROM search_entry WHERE document_id IS NULL")).all())
        if dialect(conn) == "sqlite"
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
    assert raw is not None  # an open connection has its driver connection
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    drop_sqlite_triggers(conn)
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
    create_sqlite_triggers(conn)
    return n


def _rebuild_pg(conn: Connection) -> int:
    conn.execute(text("DELETE FROM search_entry"))
    n = 0
    for rows in _entries(conn, batch=5000):
        ids, cases, docs, _, heads = (list(col) for col in zip(*rows, strict=True))
        conn.execute(
            text(
                "INSERT INTO search_entry (entry_id, case_id, document_id, head, tsv) "
                f"SELECT x.entry_id, x.case_id, x.document_id, x.head, {PG_TSV_HEAD.format('x.head')} || "
                f"{PG_TSV_BODY.format('t.text', PG_MAX_TEXT)} "
                "FROM unnest(CAST(:ids AS bigint[]), CAST(:cases AS integer[]), CAST(:docs AS integer[]), "
                "CAST(:heads AS text[])) AS x(entry_id, case_id, document_id, head) "
                "LEFT JOIN documenttext t ON t.document_id = x.document_id"
            ),
            {"ids": ids, "cases": cases, "docs": docs, "heads": heads},
        )
        n += len(rows)
    return n
