"""The SQLite engine: one FTS5 index (see :mod:`.schema`) read with bm25, counted in its own order.

The scope (every unit the case has been in: ``caseunit``, the visibility rule's table), the current
unit, procedure and channel are facets inside the index, kept equal to the case's by the triggers
search_case_facets and search_case_units; the other filters are checked on ``expediente``. Snippets are cut
in Python with the index's folding (:func:`.highlight.highlight`).
"""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy.engine import Connection

from sgd_app.domain.search import limits
from sgd_app.domain.search.filters import Plan
from sgd_app.domain.search.highlight import Segment, highlight
from sgd_app.domain.search.limits import TooSlow
from sgd_app.domain.search.query import ParsedQuery, Term, word_variants
from sgd_app.domain.search.results import Found
from sgd_app.domain.search.schema import SLOT_BITS, channel_token, procedure_token, seen_token, unit_token


def _fts_term(t: Term) -> str:
    if t.phrase:
        return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")
    if t.prefix:
        return f'"{t.words[0]}"*'
    variants = word_variants(t.words[0])
    if len(variants) == 1:
        return f'"{variants[0]}"'
    return "(" + " OR ".join(f'"{v}"' for v in variants) + ")"


def _fts_query(parsed: ParsedQuery, plan: Plan) -> str:
    """The FTS5 expression: the user's terms over case data and text, and the facets (scope: the
    case has been in one of the user's units — access.seen_in as index tokens)."""
    parts = ["{head body} : (" + " AND ".join(_fts_term(t) for t in parsed.terms) + ")"]
    if plan.scoped:
        parts.append("facets : (" + " OR ".join(f'"{seen_token(u)}"' for u in sorted(plan.units)) + ")")
    if plan.filters.unit_id is not None:
        parts.append(f'facets : "{unit_token(plan.filters.unit_id)}"')
    if plan.filters.procedure_id is not None:
        parts.append(f'facets : "{procedure_token(plan.filters.procedure_id)}"')
    if plan.filters.channel:
        parts.append(f'facets : "{channel_token(plan.filters.channel)}"')
    return " AND ".join(f"({p})" for p in parts)


def _sqlite_where(plan: Plan) -> tuple[str, list]:
    f = plan.filters  # (the scope and the unit are in the MATCH: facets)
    sql: list[str] = []
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


def find(conn: Connection, parsed: ParsedQuery, plan: Plan, page: int, page_size: int) -> Found:
    """Cases are counted straight from the index order (a case's entries come together), at most
    COUNT_CAP. Up to RANK_MAX cases the page is by rank (bm25), beyond it the newest cases. bm25
    scans each word's whole list once per statement, so the first pass ranks up to SMALL entries in
    the same reading: one statement for most searches. A prefix expands into one merged list held in
    memory: it is read once, backwards. The scope (unit), procedure and channel are facets inside
    the index, kept equal to the case's by the trigger search_case_facets."""
    raw = conn.connection.driver_connection
    assert raw is not None  # an open connection has its driver connection
    f = plan.filters
    args = [_fts_query(parsed, plan)]
    base = "FROM search_fts WHERE search_fts MATCH ?"
    if f.status or f.priority or f.date_from or f.date_to:
        # Filters the index does not carry: checked on the case itself.
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
        upto = upto or limits.COUNT_CAP
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
        deadline = time.monotonic() + 0.9 * limits.PREFIX_TIME_LIMIT_S
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), limits.PROGRESS_EVERY)
    try:
        if parsed.has_prefix:
            cases: dict[int, int] = {}  # newest first
            capped = count(f"SELECT search_fts.rowid {base} ORDER BY search_fts.rowid DESC", args, cases)
            total = len(cases)
            pairs = by_rank() if total <= limits.RANK_MAX else list(cases.items())[offset : offset + page_size]
        else:
            # Pass 1, ranked, in the index's own order, at most SMALL entries.
            rows = raw.execute(
                f"SELECT search_fts.rowid, search_fts.rank {base} ORDER BY search_fts.rowid LIMIT {limits.SMALL + 1}",
                args,
            ).fetchall()
            cases = {}
            best: dict[int, tuple[float, int]] = {}  # case id -> (best rank, its entry)
            capped = False
            for entry, rank in rows[: limits.SMALL]:
                cid = entry >> SLOT_BITS
                if cid not in cases and len(cases) >= limits.COUNT_CAP:
                    capped = True
                    break
                cases[cid] = entry
                if cid not in best or rank < best[cid][0]:
                    best[cid] = (rank, entry)
            complete = len(rows) <= limits.SMALL
            if not complete and not capped:  # many matches: go on counting from there, unranked
                capped = count(
                    f"SELECT search_fts.rowid {base} AND search_fts.rowid > ? ORDER BY search_fts.rowid",
                    [*args, rows[limits.SMALL - 1][0]],
                    cases,
                    last=rows[limits.SMALL - 1][0] >> SLOT_BITS,
                )
            total = len(cases)
            if total <= limits.RANK_MAX and complete:
                ordered = sorted(best, key=lambda c: (best[c][0], -c))[offset : offset + page_size]
                pairs = [(cid, best[cid][1]) for cid in ordered]
            elif total <= limits.RANK_MAX:  # few cases with very many documents each
                pairs = by_rank()
            elif not capped:
                pairs = sorted(cases.items(), reverse=True)[offset : offset + page_size]
            else:  # more than COUNT_CAP: the newest, reading the index backwards until the page is full
                pairs = newest_page()
    except sqlite3.OperationalError as exc:
        if parsed.has_prefix and "interrupt" in str(exc):
            raise TooSlow() from exc
        raise
    finally:
        if parsed.has_prefix:
            raw.set_progress_handler(None, 0)
    mode = "relevancia" if total <= limits.RANK_MAX else "recientes"
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
    return Found(ids, entries, total, capped, mode, snippets)
