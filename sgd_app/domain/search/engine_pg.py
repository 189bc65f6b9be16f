"""The PostgreSQL engine: ``search_entry.tsv`` (see :mod:`.schema`) matched with ``to_tsquery``,
ranked with ``ts_rank_cd``, joined with ``expediente`` for the filters, the scope being
``access.seen_in`` (a semi-join with ``caseunit``) rendered into the statement; snippets
from ``ts_headline``. A prefix query runs under ``statement_timeout`` inside a savepoint.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal_column, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sgd_app.domain import access
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.search import limits
from sgd_app.domain.search.filters import Plan
from sgd_app.domain.search.highlight import segments
from sgd_app.domain.search.limits import TooSlow
from sgd_app.domain.search.query import FIELD, MSG_COMMON, ParsedQuery, Term, word_variants
from sgd_app.domain.search.results import Found


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


def _render(conn: Connection, clause: ColumnElement[bool]) -> str:
    """A condition as SQL text for the statements below (its values are unit ids: integers)."""
    return str(clause.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def find(conn: Connection, parsed: ParsedQuery, plan: Plan, page: int, page_size: int) -> Found:
    q = _pg_tsquery(parsed)
    if not conn.execute(text("SELECT numnode(to_tsquery('sgd_es', :q))"), {"q": q}).scalar():
        raise InvalidInput(FIELD, MSG_COMMON)  # only the configuration's stop words
    f = plan.filters
    where = ["s.tsv @@ to_tsquery('sgd_es', :q)"]
    if plan.scoped:
        where.append(_render(conn, access.seen_in(literal_column("s.case_id"), plan.units)))
    params: dict[str, Any] = {"q": q}
    for column, value in (
        ("unit_id", f.unit_id),
        ("procedure_id", f.procedure_id),
        ("status", f.status),
        ("channel", f.channel),
        ("priority", f.priority),
    ):
        if value is not None and value != "":
            where.append(f"e.{'current_unit_id' if column == 'unit_id' else column} = :{column}")
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
                text("SELECT set_config('statement_timeout', :v, true)"),
                {"v": f"{int(limits.PREFIX_TIME_LIMIT_S * 1000)}ms"},
            )
        total = conn.execute(
            text(f"SELECT count(*) FROM (SELECT DISTINCT s.case_id {base} LIMIT {limits.COUNT_CAP + 1}) x"), params
        ).scalar_one()
        capped = total > limits.COUNT_CAP
        total = min(total, limits.COUNT_CAP)
        page_params = {**params, "lim": page_size, "off": page * page_size}
        if total <= limits.RANK_MAX:
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
                snippets[entry] = segments(body if body and "\x02" in body else head or body or "")
        if nested is not None:
            conn.execute(text("SELECT set_config('statement_timeout', :v, true)"), {"v": previous})
            nested.commit()
    except DBAPIError as exc:
        if nested is not None and nested.is_active:
            nested.rollback()
        if nested is not None and getattr(exc.orig, "sqlstate", None) == "57014":
            raise TooSlow() from exc
        raise
    ids = [cid for cid, _ in pairs]
    return Found(ids, dict(pairs), total, capped, order, snippets)
