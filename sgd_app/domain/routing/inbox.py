"""The units' inboxes: tabs, filters, one page of rows with the deadline traffic light, and the
cases about to expire (navigation badge, daily digest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from sqlalchemy import ColumnElement, func, literal, null, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, BusinessCalendar, format_date_es, load_calendar
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Expediente, Membership, Movement, Party, Procedure, Unit, User, utcnow
from sgd_app.domain.routing.rules import today_lima
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import CLOSED_STATUSES, OPEN_STATUSES, STATUS_LABELS, CaseStatus


def traffic_light(cal: BusinessCalendar, today: date, due: date | None) -> tuple[str, str]:
    """(colour, label): red overdue, amber due today or within 2 business days, green otherwise."""
    if due is None:
        return "gray", "Sin plazo"
    if due < today:
        late = cal.business_days_between(due, today)
        return "red", f"Vencido hace {late} día(s) hábil(es)" if late else "Vencido"
    if due == today:
        return "amber", "Vence hoy"
    left = cal.business_days_between(today, due)
    if left <= 2:
        return "amber", f"Vence en {left} día(s) hábil(es)"
    return "green", f"{left} días hábiles"


# ---------------------------------------------------------------- inbox
TABS = {
    "por_recibir": "Por recibir",
    "en_tramite": "En trámite",
    "por_vencer": "Por vencer / Vencidos",
    "copias": "Copias",
    "enviados": "Enviados",
    "archivados": "Archivados",
}


@dataclass(frozen=True)
class InboxFilters:
    procedure_id: int | None = None
    priority: str | None = None
    sender: str = ""  # filer's name prefix or document number
    date_from: date | None = None
    date_to: date | None = None
    category: str | None = None
    channel: str | None = None  # e.g. "interoperabilidad": the cases that came by that channel


@dataclass(frozen=True)
class InboxRow:
    number: str
    procedure: str
    category: str
    filer: str
    subject: str
    received_at: datetime
    due_on: date | None
    status: str
    status_label: str
    priority: str
    channel: str
    unit: str
    light: str
    light_label: str
    moved_at: datetime | None = None
    note: str = ""
    read_at: datetime | None = None  # Copias: when the unit marked the copy read


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    counts: dict[str, int] = field(default_factory=dict)


def _filter_clauses(f: InboxFilters) -> list:
    clauses: list[ColumnElement[bool]] = []
    if f.procedure_id:
        clauses.append(col(Expediente.procedure_id) == f.procedure_id)
    if f.priority:
        clauses.append(col(Expediente.priority) == f.priority)
    if f.category:
        clauses.append(
            col(Expediente.procedure_id).in_(select(col(Procedure.id)).where(col(Procedure.category) == f.category))
        )
    if f.sender:
        s = f.sender.strip()
        clauses.append(
            col(Expediente.party_id).in_(
                select(col(Party.id)).where(or_(col(Party.doc_number) == s, col(Party.name).ilike(f"{s}%")))
            )
        )
    if f.channel:
        clauses.append(col(Expediente.channel) == f.channel)
    if f.date_from:
        clauses.append(col(Expediente.filed_on) >= f.date_from)
    if f.date_to:
        clauses.append(col(Expediente.filed_on) <= f.date_to)
    return clauses


def _tab_where(tab: str, units: list[int], limit_due: date):
    """(from-clause kind, where clauses) of one tab."""
    here = col(Expediente.current_unit_id).in_(units)
    if tab == "por_recibir":
        return "case", [here, col(Expediente.status).in_(OPEN_STATUSES), col(Expediente.awaiting_receipt) == True]  # noqa: E712
    if tab == "en_tramite":  # observed cases wait here for the filer, with their clock stopped
        return "case", [
            here,
            col(Expediente.status).in_((*OPEN_STATUSES, CaseStatus.OBSERVADO)),
            col(Expediente.awaiting_receipt) == False,  # noqa: E712
        ]
    if tab == "por_vencer":
        return "case", [here, col(Expediente.status).in_(OPEN_STATUSES), col(Expediente.current_due_on) <= limit_due]
    if tab == "archivados":
        return "case", [here, col(Expediente.status).in_(CLOSED_STATUSES)]
    if tab == "copias":
        return "move", [col(Movement.action) == "copia", col(Movement.to_unit_id).in_(units)]
    if tab == "enviados":  # what the unit's people sent: not the online filings routed by the system
        return "move", [
            col(Movement.action).in_(("derivar", "devolver")),
            col(Movement.from_unit_id).in_(units),
            col(Movement.actor_id).is_not(None),
        ]
    raise InvalidInput("tab", "Pestaña desconocida.")


@query
def inbox(
    session: Session,
    who: Principal,
    *,
    tab: str = "por_recibir",
    filters: InboxFilters = InboxFilters(),
    page: int = 0,
    page_size: int = 50,
    today: date | None = None,
    calendar: BusinessCalendar | None = None,
    with_counts: bool = True,
) -> InboxPage:
    """One page of one tab of the inbox of every unit ``who`` acts in, soonest deadline first."""
    units = sorted(set(who.unit_ids) | set(who.delegated))
    if tab not in TABS:
        raise InvalidInput("tab", "Pestaña desconocida.")
    if not units:
        return InboxPage([], 0, {t: 0 for t in TABS})
    today = today or today_lima()
    cal = calendar or load_calendar(session)
    limit_due = cal.add_business_days(today, 2)
    extra = _filter_clauses(filters)

    def where_of(t: str):
        kind, clauses = _tab_where(t, units, limit_due)
        return kind, clauses + extra

    counts: dict[str, int] = {}
    if with_counts:
        for t in TABS:
            kind, clauses = where_of(t)
            if kind == "case":
                count_q = select(func.count()).select_from(Expediente).where(*clauses)
            elif extra:
                count_q = (
                    select(func.count())
                    .select_from(Movement)
                    .join(Expediente, col(Expediente.id) == col(Movement.expediente_id))
                    .where(*clauses)
                )
            else:  # no case filter: count the route steps alone, straight from their index
                count_q = select(func.count()).select_from(Movement).where(*clauses)
            counts[t] = int(session.exec(count_q).one())
    kind, clauses = where_of(tab)
    cols = (
        col(Expediente.number),
        col(Procedure.name),
        col(Procedure.category),
        col(Party.name),
        col(Expediente.subject),
        col(Expediente.received_at),
        col(Expediente.current_due_on),
        col(Expediente.status),
        col(Expediente.priority),
        col(Expediente.channel),
        col(Unit.name),
    )
    if kind == "case":
        q = (
            sa_select(*cols, null().label("moved_at"), literal("").label("note"), null().label("read_at"))
            .select_from(Expediente)
            .where(*clauses)
            .order_by(col(Expediente.current_due_on), col(Expediente.id))
        )
        if tab == "archivados":
            q = q.order_by(None).order_by(col(Expediente.closed_at).desc(), col(Expediente.id).desc())
    else:
        q = (
            sa_select(*cols, col(Movement.created_at), col(Movement.instructions), col(Movement.received_at))
            .select_from(Movement)
            .join(Expediente, col(Expediente.id) == col(Movement.expediente_id))
            .where(*clauses)
            .order_by(col(Movement.created_at).desc(), col(Movement.id).desc())
        )
    q = (
        q.join(Procedure, col(Procedure.id) == col(Expediente.procedure_id))
        .join(Party, col(Party.id) == col(Expediente.party_id))
        .join(Unit, col(Unit.id) == col(Expediente.current_unit_id))
        .offset(max(0, page) * page_size)
        .limit(page_size)
    )
    rows = []
    for (
        number,
        proc,
        category,
        filer,
        subject,
        received,
        due,
        status,
        priority,
        channel,
        unit,
        moved_at,
        note,
        read_at,
    ) in session.execute(q).all():
        if status == CaseStatus.OBSERVADO:
            light, label = "gray", "Observado: plazo detenido"
        else:
            light, label = (
                traffic_light(cal, today, due)
                if status in OPEN_STATUSES
                else ("gray", STATUS_LABELS.get(status, status))
            )
        rows.append(
            InboxRow(
                number=number,
                procedure=proc,
                category=category,
                filer=filer,
                subject=subject,
                received_at=received,
                due_on=due,
                status=status,
                status_label=STATUS_LABELS.get(status, status),
                priority=priority,
                channel=channel,
                unit=unit,
                light=light,
                light_label=label,
                moved_at=moved_at if kind == "move" else None,
                note=note if kind == "move" else "",
                read_at=read_at if tab == "copias" else None,
            )
        )
    total = counts.get(tab) if with_counts else None
    if total is None:
        total = len(rows)
    return InboxPage(rows, total, counts)


@query
def unit_inbox(session: Session, who: Principal, *, page: int = 0, page_size: int = 50) -> InboxPage:
    """Open cases in the user's units (kept for callers of the first, read-only inbox)."""
    units = sorted(set(who.unit_ids) | set(who.delegated))
    if not units:
        return InboxPage([], 0)
    where = (col(Expediente.current_unit_id).in_(units), col(Expediente.status).in_(OPEN_STATUSES))
    total = session.exec(select(func.count()).select_from(Expediente).where(*where)).one()
    result = inbox(session, who, tab="en_tramite", page=page, page_size=page_size, with_counts=False)
    pending = inbox(session, who, tab="por_recibir", page=page, page_size=page_size, with_counts=False)
    rows = sorted(pending.rows + result.rows, key=lambda r: (r.due_on or date.max, r.number))[:page_size]
    return InboxPage(rows, int(total))


@query
def expiring_soon(
    session: Session,
    unit_ids: Sequence[int],
    *,
    today: date,
    calendar: BusinessCalendar | None = None,
    limit: int = 200,
) -> list[tuple[str, str, date]]:
    """Open cases of ``unit_ids`` whose step deadline is within one business day (or past)."""
    if not unit_ids:
        return []
    horizon = (calendar or load_calendar(session)).add_business_days(today, 1)
    rows = session.exec(
        select(col(Expediente.number), col(Procedure.name), col(Expediente.current_due_on))
        .join(Procedure, col(Procedure.id) == col(Expediente.procedure_id))
        .where(
            col(Expediente.current_unit_id).in_(list(unit_ids)),
            col(Expediente.status).in_(OPEN_STATUSES),
            col(Expediente.current_due_on) <= horizon,
        )
        .order_by(col(Expediente.current_due_on))
        .limit(limit)
    ).all()
    return cast(list[tuple[str, str, date]], [(n, p, d) for n, p, d in rows])  # due <= horizon: never NULL


@query
def expiring_soon_by_user(session: Session, *, now: datetime | None = None):
    """(user, [(number, procedure, due text)]) for every active official and head (daily digest)."""
    now = now or utcnow()
    today = now.astimezone(LIMA).date()
    cal = load_calendar(session)
    units_of: dict[int, set[int]] = {}
    for uid, unit_id in session.exec(
        select(col(Membership.user_id), col(Membership.unit_id)).where(col(Membership.role).in_(("officer", "head")))
    ).all():
        units_of.setdefault(uid, set()).add(unit_id)
    out = []
    for user in session.exec(select(User).where(col(User.active) == True).order_by(col(User.id))).all():  # noqa: E712
        assert user.id is not None
        rows = expiring_soon(session, sorted(units_of.get(user.id, ())), today=today, calendar=cal)
        if rows:
            out.append((user, [(n, p, format_date_es(d)) for n, p, d in rows]))
    return out
