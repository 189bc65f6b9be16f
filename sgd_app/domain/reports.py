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

from sqlalchemy import false, func
from sqlmodel import Session, select

from sgd_app.domain import access
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, load_calendar
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.intake import STATUSES
from sgd_app.domain.models import Expediente, Party, Procedure, Unit
from sgd_app.domain.transaction import query

CATEGORIES = {"administrativo": "Administrativo", "jurisdiccional": "Jurisdiccional"}
CHANNELS = {"virtual": "Virtual", "presencial": "Presencial", "interoperabilidad": "Interoperabilidad"}
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
FILTER_KEYS = ("date_from", "date_to", "unit_id", "procedure_id", "category", "status")
MAX_RANGE_YEARS = 20


@dataclass(frozen=True)
class ReportFilters:
    date_from: date | None = None
    date_to: date | None = None
    unit_id: int | None = None
    procedure_id: int | None = None
    category: str | None = None
    status: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (only those set)."""
        out = {}
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out


class FilterParser:
    """Reads filter values from strings (query string or form), with Spanish reasons; shared by
    the reports, the dashboard and the search."""

    def __init__(self, params: Mapping[str, Any]):
        self.params = params

    def text(self, key: str) -> str:
        return str(self.params.get(key, "") or "").strip()[:40]

    def day(self, key: str, label: str) -> date | None:
        value = self.text(key)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(key, f"La fecha «{label}» no es válida: use el formato AAAA-MM-DD.") from None

    def ident(self, key: str, label: str) -> int | None:
        value = self.text(key)
        if not value:
            return None
        if not value.isdigit() or len(value) > 9:
            raise InvalidInput(key, f"El valor de «{label}» no es válido.")
        return int(value)

    def choice(self, key: str, allowed: Mapping[str, str], message: str) -> str | None:
        value = self.text(key) or None
        if value is not None and value not in allowed:
            raise InvalidInput(key, message)
        return value

    def date_range(self) -> tuple[date | None, date | None]:
        date_from, date_to = self.day("date_from", "desde"), self.day("date_to", "hasta")
        if date_from and date_to and date_to < date_from:
            raise InvalidInput("date_to", "La fecha «hasta» no puede ser anterior a la fecha «desde».")
        return date_from, date_to


def parse_filters(params: Mapping[str, Any]) -> ReportFilters:
    """Filters from strings (query string or form); InvalidInput with a Spanish reason."""
    p = FilterParser(params)
    date_from, date_to = p.date_range()
    category = p.choice("category", CATEGORIES, "La categoría no es válida.")
    status = p.choice("status", STATUSES, "El estado no es válido.")
    return ReportFilters(
        date_from=date_from,
        date_to=date_to,
        unit_id=p.ident("unit_id", "unidad"),
        procedure_id=p.ident("procedure_id", "trámite"),
        category=category,
        status=status,
    )


def _where(units: set[int], f: ReportFilters) -> list:
    """Scope (visible units) plus the filters; an empty scope matches nothing."""
    if not units or (f.unit_id is not None and f.unit_id not in units):
        return [false()]
    clauses = [Expediente.current_unit_id.in_(sorted(units))]
    if f.unit_id is not None:
        clauses = [Expediente.current_unit_id == f.unit_id]
    if f.procedure_id is not None:
        clauses.append(Expediente.procedure_id == f.procedure_id)
    if f.category:
        clauses.append(Expediente.procedure_id.in_(select(Procedure.id).where(Procedure.category == f.category)))
    if f.status:
        clauses.append(Expediente.status == f.status)
    if f.date_from:
        clauses.append(Expediente.filed_on >= f.date_from)
    if f.date_to:
        clauses.append(Expediente.filed_on <= f.date_to)
    return clauses


def cases_query(session: Session, who: Principal, filters: ReportFilters = ReportFilters()):
    """SELECT of the rows ``who`` may see (first column: Expediente.id, for keyset paging)."""
    units = access.visible_unit_ids(session, who)
    return (
        select(
            Expediente.id,
            Expediente.number,
            Expediente.filed_on,
            Expediente.received_at,
            Procedure.name,
            Procedure.category,
            Expediente.channel,
            Expediente.status,
            Unit.name,
            Party.name,
            Party.doc_type,
            Party.doc_number,
            Expediente.subject,
            Expediente.due_on,
            Expediente.folios,
        )
        .select_from(Expediente)
        .join(Procedure, Procedure.id == Expediente.procedure_id)
        .join(Party, Party.id == Expediente.party_id)
        .join(Unit, Unit.id == Expediente.current_unit_id)
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
        """Every column as the text shown on screen and written to the CSV."""
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
        chunk = session.exec(query.where(Expediente.id > last).order_by(Expediente.id).limit(size)).all()
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
                CATEGORIES.get(category, category),
                CHANNELS.get(channel, channel),
                STATUSES.get(status, status),
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


def aggregates(session: Session, who: Principal, filters: ReportFilters = ReportFilters()) -> dict[str, Any]:
    """Counts, deadline compliance and business days of the cases ``who`` may see, from the
    dashboard summaries (a few thousand rows whatever the number of cases)."""
    from sgd_app.domain import dashboards

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
        "by_status": _grouped(session, clauses, Expediente.status, lambda s: STATUSES.get(s, s)),
        "by_unit": _grouped(session, clauses, Unit.name, join=(Unit, Unit.id == Expediente.current_unit_id)),
        "by_procedure": _grouped(
            session, clauses, Procedure.name, join=(Procedure, Procedure.id == Expediente.procedure_id)
        ),
        "by_category": _grouped(
            session,
            clauses,
            Procedure.category,
            lambda c: CATEGORIES.get(c, c),
            join=(Procedure, Procedure.id == Expediente.procedure_id),
        ),
        "by_channel": _grouped(session, clauses, Expediente.channel, lambda c: CHANNELS.get(c, c)),
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
    q = select(Expediente.id, Expediente.filed_on, Expediente.due_on, Expediente.closed_at).where(
        *clauses, Expediente.status == "atendido", Expediente.closed_at != None
    )
    while True:
        chunk = session.exec(q.where(Expediente.id > last).order_by(Expediente.id).limit(batch)).all()
        for cid, filed_on, due_on, closed_at in chunk:
            last = cid
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


@query
def visible_units(session: Session, who: Principal) -> list[tuple[int, str]]:
    """(id, name) of the units whose cases ``who`` may report on, by name."""
    units = access.visible_unit_ids(session, who)
    if not units:
        return []
    return [
        (uid, name)
        for uid, name in session.exec(
            select(Unit.id, Unit.name).where(Unit.id.in_(sorted(units))).order_by(Unit.name)
        ).all()
    ]


@query
def procedures(session: Session) -> list[tuple[int, str]]:
    return [(pid, name) for pid, name in session.exec(select(Procedure.id, Procedure.name).order_by(Procedure.name))]


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
        out.append(f"Categoría: {CATEGORIES[f.category]}")
    if f.status:
        out.append(f"Estado: {STATUSES[f.status]}")
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
