"""Reports (/reportes): the cases a user may see under some filters, streamed row by row for
CSV/XLSX exports, and their aggregates (counts, attended within the deadline, business days to
attend). Plain Python: no reflex import here.

Scope: exactly the cases whose current unit is one of ``access.visible_unit_ids(who)`` (own
units, delegated ones, and for managers the units below theirs). Nobody else's rows ever leave
this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, false, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sgd_app import db
from sgd_app.domain import access, dashboards
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, load_calendar
from sgd_app.domain.filters import (
    ReportFilters,
    visible_units,
)
from sgd_app.domain.models import Expediente, Party, Procedure, Unit, pk
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import CATEGORY_LABELS, CHANNEL_SHORT_LABELS, STATUS_LABELS, CaseStatus

HEADERS = (
    "Número",
    "Fecha de presentación",
    "Recibido (hora de Lima)",
    "Trámite",
    "Categoría",
    "Canal",
    "Estado",
    "Unidad actual",
    "Remitente",
    "Documento del remitente",
    "Asunto",
    "Vence",
    "Folios",
)


def _where(units: set[int], f: ReportFilters) -> list:
    """Scope (visible units) plus the filters; an empty scope matches nothing."""
    if not units or (f.unit_id is not None and f.unit_id not in units):
        return [false()]
    clauses: list[ColumnElement[bool]] = [col(Expediente.current_unit_id).in_(sorted(units))]
    if f.unit_id is not None:
        clauses = [col(Expediente.current_unit_id) == f.unit_id]
    if f.procedure_id is not None:
        clauses.append(col(Expediente.procedure_id) == f.procedure_id)
    if f.category:
        clauses.append(
            col(Expediente.procedure_id).in_(select(col(Procedure.id)).where(col(Procedure.category) == f.category))
        )
    if f.status:
        clauses.append(col(Expediente.status) == f.status)
    if f.date_from:
        clauses.append(col(Expediente.filed_on) >= f.date_from)
    if f.date_to:
        clauses.append(col(Expediente.filed_on) <= f.date_to)
    return clauses


def cases_query(session: Session, who: Principal, filters: ReportFilters = ReportFilters()):
    """SELECT of the rows ``who`` may see (first column: Expediente.id, for keyset paging)."""
    units = access.visible_unit_ids(session, who)
    return (
        sa_select(
            col(Expediente.id),
            col(Expediente.number),
            col(Expediente.filed_on),
            col(Expediente.received_at),
            col(Procedure.name),
            col(Procedure.category),
            col(Expediente.channel),
            col(Expediente.status),
            col(Unit.name),
            col(Party.name),
            col(Party.doc_type),
            col(Party.doc_number),
            col(Expediente.subject),
            col(Expediente.due_on),
            col(Expediente.folios),
        )
        .select_from(Expediente)
        .join(Procedure, col(Procedure.id) == col(Expediente.procedure_id))
        .join(Party, col(Party.id) == col(Expediente.party_id))
        .join(Unit, col(Unit.id) == col(Expediente.current_unit_id))
        .where(*_where(units, filters))
    )


class ReportRow(NamedTuple):
    number: str
    filed_on: date
    received_at: datetime  # aware, Lima time
    procedure: str
    category: str
    channel: str
    status: str
    unit: str
    filer: str
    filer_doc: str
    subject: str
    due_on: date | None
    folios: int

    @property
    def received_text(self) -> str:
        return self.received_at.strftime("%d/%m/%Y %H:%M:%S")

    def as_text(self) -> list[str]:
        """Every column as the text shown on screen; the exports pass it through the cell rule
        (``cells.row``) before writing it, so a hostile filer name never becomes a formula."""
        return [
            self.number,
            self.filed_on.strftime("%d/%m/%Y"),
            self.received_text,
            self.procedure,
            self.category,
            self.channel,
            self.status,
            self.unit,
            self.filer,
            self.filer_doc,
            self.subject,
            self.due_on.strftime("%d/%m/%Y") if self.due_on else "",
            str(self.folios),
        ]


def _lima(dt: datetime) -> datetime:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(LIMA)


def iter_rows(session: Session, query, batch: int = 2000, limit: int | None = None) -> Iterator[ReportRow]:
    """Rows of ``cases_query`` in filing order, ``batch`` at a time (keyset on Expediente.id):
    memory stays flat whatever the number of cases."""
    last = 0
    sent = 0
    while True:
        size = batch if limit is None else min(batch, limit - sent)
        if size <= 0:
            return
        chunk = session.exec(query.where(col(Expediente.id) > last).order_by(col(Expediente.id)).limit(size)).all()
        for (
            cid,
            number,
            filed_on,
            received_at,
            proc,
            category,
            channel,
            status,
            unit,
            filer,
            doc_type,
            doc_number,
            subject,
            due_on,
            folios,
        ) in chunk:
            last = cid
            yield ReportRow(
                number,
                filed_on,
                _lima(received_at),
                proc,
                CATEGORY_LABELS.get(category, category),
                CHANNEL_SHORT_LABELS.get(channel, channel),
                STATUS_LABELS.get(status, status),
                unit,
                filer,
                f"{doc_type} {doc_number}",
                subject,
                due_on,
                folios or 0,
            )
        sent += len(chunk)
        if len(chunk) < size:
            return
        session.expunge_all()


def count(session: Session, who: Principal, filters: ReportFilters = ReportFilters()) -> int:
    units = access.visible_unit_ids(session, who)
    return int(session.exec(select(func.count()).select_from(Expediente).where(*_where(units, filters))).one())


def _grouped(session: Session, clauses: list, key, label_of=None, join=None) -> list[list[Any]]:
    q = select(key, func.count()).select_from(Expediente)
    if join is not None:
        q = q.join(*join)
    rows = session.exec(q.where(*clauses).group_by(key)).all()
    out = [[label_of(k) if label_of else k, int(n)] for k, n in rows]
    return sorted(out, key=lambda r: (-r[1], str(r[0])))


@query
def aggregates(session: Session, who: Principal, filters: ReportFilters = ReportFilters()) -> dict[str, Any]:
    """Counts, deadline compliance and business days of the cases ``who`` may see, from the
    dashboard summaries (a few thousand rows whatever the number of cases)."""
    return dashboards.aggregates(session, access.visible_unit_ids(session, who), filters)


def aggregates_naive(
    session: Session, who: Principal, filters: ReportFilters = ReportFilters(), *, batch: int = 5000
) -> dict[str, Any]:
    """The same from the cases themselves: counts grouped in SQL; deadline compliance and business
    days streamed over the attended cases (the reference the summaries are tested against)."""
    units = access.visible_unit_ids(session, who)
    clauses = _where(units, filters)
    total = int(session.exec(select(func.count()).select_from(Expediente).where(*clauses)).one())
    result: dict[str, Any] = {
        "total": total,
        "by_status": _grouped(session, clauses, Expediente.status, lambda s: STATUS_LABELS.get(s, s)),
        "by_unit": _grouped(session, clauses, Unit.name, join=(Unit, Unit.id == Expediente.current_unit_id)),
        "by_procedure": _grouped(
            session, clauses, Procedure.name, join=(Procedure, Procedure.id == Expediente.procedure_id)
        ),
        "by_category": _grouped(
            session,
            clauses,
            Procedure.category,
            lambda c: CATEGORY_LABELS.get(c, c),
            join=(Procedure, Procedure.id == Expediente.procedure_id),
        ),
        "by_channel": _grouped(session, clauses, Expediente.channel, lambda c: CHANNEL_SHORT_LABELS.get(c, c)),
        "attended": 0,
        "attended_on_time": 0,
        "on_time_pct": None,
        "avg_business_days": None,
    }
    if not total:
        return result
    cal = load_calendar(session)
    attended = on_time = days_sum = 0
    last = 0
    q = select(pk(Expediente), col(Expediente.filed_on), col(Expediente.due_on), col(Expediente.closed_at)).where(
        *clauses, col(Expediente.status) == CaseStatus.ATENDIDO, col(Expediente.closed_at).is_not(None)
    )
    while True:
        chunk = session.exec(q.where(col(Expediente.id) > last).order_by(col(Expediente.id)).limit(batch)).all()
        for cid, filed_on, due_on, closed_at in chunk:
            last = cid
            assert closed_at is not None  # the query excludes open cases
            closed_day = _lima(closed_at).date()
            attended += 1
            if due_on is None or closed_day <= due_on:
                on_time += 1
            days_sum += max(0, cal.business_days_between(filed_on, closed_day))
        if len(chunk) < batch:
            break
    result["attended"] = attended
    result["attended_on_time"] = on_time
    if attended:
        result["on_time_pct"] = round(100.0 * on_time / attended, 1)
        result["avg_business_days"] = round(days_sum / attended, 1)
    return result


def describe_filters(session: Session, f: ReportFilters) -> list[str]:
    """The filters in words (PDF summary, page)."""
    out = []
    if f.date_from or f.date_to:
        a = f.date_from.strftime("%d/%m/%Y") if f.date_from else "el inicio"
        b = f.date_to.strftime("%d/%m/%Y") if f.date_to else "hoy"
        out.append(f"Presentados desde {a} hasta {b}")
    if f.unit_id is not None:
        unit = session.get(Unit, f.unit_id)
        out.append(f"Unidad: {unit.name if unit else '—'}")
    if f.procedure_id is not None:
        proc = session.get(Procedure, f.procedure_id)
        out.append(f"Trámite: {proc.name if proc else '—'}")
    if f.category:
        out.append(f"Categoría: {CATEGORY_LABELS[f.category]}")
    if f.status:
        out.append(f"Estado: {STATUS_LABELS[f.status]}")
    return out or ["Sin filtros: todos los expedientes de sus unidades"]


# ---------------------------------------------------------------- Spanish (Peru) numbers
def format_int(n: int) -> str:
    """1234567 -> '1 234 567' (space as thousands separator)."""
    return f"{int(n):,}".replace(",", " ")


def format_decimal(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    whole, _, frac = f"{x:,.{digits}f}".partition(".")
    whole = whole.replace(",", " ")
    return f"{whole},{frac}" if frac else whole


def format_pct(x: float | None) -> str:
    return "—" if x is None else f"{format_decimal(x)} %"


def kpis(agg: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value text) of the headline figures."""
    return [
        ("Expedientes", format_int(agg["total"])),
        ("Atendidos", format_int(agg["attended"])),
        ("Atendidos dentro del plazo", format_pct(agg["on_time_pct"])),
        ("Promedio de días hábiles para atender", format_decimal(agg["avg_business_days"])),
    ]


@dataclass(frozen=True)
class ReportPage:
    """What /reportes shows for one set of filters, read in one session."""

    units: list[tuple[int, str]]
    aggregates: dict[str, Any]
    preview: list[ReportRow]
    described: list[str]


@query
def report_page(session: Session, who: Principal, filters: ReportFilters, *, preview: int = 50) -> ReportPage:
    """The aggregates, the first ``preview`` rows and the filters in words, within ``who``'s scope."""
    return ReportPage(
        units=visible_units(session, who),
        aggregates=aggregates(session, who, filters),
        preview=list(iter_rows(session, cases_query(session, who, filters), batch=preview, limit=preview)),
        described=describe_filters(session, filters),
    )


def stream_rows(who: Principal, filters: ReportFilters = ReportFilters(), *, batch: int = 2000) -> Iterator[ReportRow]:
    """Every row of the report, read in batches from one read session held while the caller
    consumes them (a streamed download)."""
    with db.session() as s:
        yield from iter_rows(s, cases_query(s, who, filters), batch=batch)


@query
def summary(
    session: Session, who: Principal, filters: ReportFilters = ReportFilters()
) -> tuple[dict[str, Any], list[str]]:
    """The aggregates and the filters in words, for the one-page PDF summary."""
    return aggregates(session, who, filters), describe_filters(session, filters)
