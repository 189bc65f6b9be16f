"""The search itself: the scope of ``who``, the exact-number and DNI / RUC jumps, then one engine.

Scope: exactly the cases ``who`` may open (the case page's rule, ``access.seen_in`` over
``access.visible_unit_ids(who)``: every case that has been in one of those units), for the hits
*and* for the count; snippets are only computed for cases in scope. On PostgreSQL the rule is a
semi-join with ``caseunit``; on SQLite every unit of ``caseunit`` is a token inside the index (see
:mod:`.schema`); the page's hits are checked with ``access.seen_in`` once more. The unit filter is
the unit that holds the case now.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from sgd_app.domain import access, filters, transaction
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Expediente, Party, Procedure, Unit
from sgd_app.domain.search import engine_pg, engine_sqlite, limits
from sgd_app.domain.search.filters import Plan, SearchFilters, case_filter_clauses
from sgd_app.domain.search.limits import TooSlow
from sgd_app.domain.search.query import FIELD, MSG_SLOW, ParsedQuery, parse_query
from sgd_app.domain.search.results import SearchHit, SearchResult
from sgd_app.domain.search.schema import SLOT_MASK, dialect
from sgd_app.domain.vocabulary import STATUS_LABELS


@transaction.query
def search(
    session: Session,
    who: Principal,
    query: str,
    filters: SearchFilters = SearchFilters(),
    page: int = 0,
    page_size: int = 20,
) -> SearchResult:
    """One page of the cases ``who`` may see that match ``query`` and ``filters``."""
    parsed = parse_query(query)
    page_size = min(max(1, int(page_size)), limits.MAX_PAGE_SIZE)
    page = min(max(0, int(page)), max(0, (limits.COUNT_CAP - 1) // page_size))
    units = access.visible_unit_ids(session, who)
    empty = SearchResult(query=parsed.text, hits=(), total=0, page=page, page_size=page_size)
    if not units:
        return empty
    all_units = set(session.execute(select(col(Unit.id))).scalars().all())
    plan = Plan(units=units, all_units=all_units, filters=filters)
    if parsed.case_number:
        case = session.execute(
            select(col(Expediente.id)).where(col(Expediente.number) == parsed.case_number, *case_filter_clauses(plan))
        ).first()
        if case is not None:
            hits = _hits(session, [case[0]], {}, plan)
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
        found = _by_document_number(session, parsed, plan, page, page_size)
        if found is not None:
            return found
    conn = session.connection()
    backend = engine_sqlite if dialect(conn) == "sqlite" else engine_pg
    try:
        ids, best, total, capped, order, snippets = backend.find(conn, parsed, plan, page, page_size)
    except TooSlow:
        raise InvalidInput(FIELD, MSG_SLOW) from None
    found_in = _found_in(session, best)
    hits = _hits(session, ids, {cid: (snippets.get(best.get(cid)), found_in.get(best.get(cid))) for cid in ids}, plan)
    return SearchResult(
        query=parsed.text,
        hits=tuple(hits),
        total=total,
        total_capped=capped,
        page=page,
        page_size=page_size,
        order=order,
    )


def _by_document_number(
    session: Session, parsed: ParsedQuery, plan: Plan, page: int, page_size: int
) -> SearchResult | None:
    """A DNI / RUC: the visible cases of that filer (one -> jump to it); None when there are none."""
    where = [
        col(Expediente.party_id).in_(select(col(Party.id)).where(col(Party.doc_number) == parsed.doc_number)),
        *case_filter_clauses(plan),
    ]
    total = int(session.execute(select(func.count()).select_from(Expediente).where(*where)).scalar_one())
    if total == 0:
        return None
    ids = list(
        session.execute(
            select(col(Expediente.id))
            .where(*where)
            .order_by(col(Expediente.id).desc())
            .offset(page * page_size)
            .limit(page_size)
        )
        .scalars()
        .all()
    )
    hits = _hits(session, ids, {}, plan)
    jump = hits[0].number if total == 1 and hits else None
    return SearchResult(
        query=parsed.text,
        hits=tuple(hits),
        total=min(total, limits.COUNT_CAP),
        total_capped=total > limits.COUNT_CAP,
        page=page,
        page_size=page_size,
        order="exacto",
        jump_to=jump,
    )


def _hits(session: Session, ids: list[int], extra: dict[int, tuple], plan: Plan) -> list[SearchHit]:
    """The page's rows, in ``ids`` order; the scope is checked once more on the case itself."""
    if not ids:
        return []
    scope = [access.seen_in(col(Expediente.id), plan.units)] if plan.scoped else []
    rows = session.execute(
        select(
            col(Expediente.id),
            col(Expediente.number),
            col(Expediente.subject),
            col(Party.name),
            col(Expediente.status),
            col(Unit.name),
            col(Procedure.name),
            col(Expediente.filed_on),
            col(Expediente.priority),
            col(Expediente.channel),
        )
        .join(Party, col(Party.id) == col(Expediente.party_id))
        .join(Unit, col(Unit.id) == col(Expediente.current_unit_id))
        .join(Procedure, col(Procedure.id) == col(Expediente.procedure_id))
        .where(col(Expediente.id).in_(ids), *scope)
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
                status_label=STATUS_LABELS.get(r[4], r[4]),
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


@transaction.query
def filter_options(session: Session, who: Principal) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(id, name) of the units ``who`` may filter by, and of the procedures: the page's choices."""
    return filters.visible_units(session, who), filters.procedures(session)
