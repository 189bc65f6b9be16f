"""Routing of cases between units (hoja de ruta) and the units' inboxes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from sgd_app.domain.auth import Principal
from sgd_app.domain.intake import STATUSES
from sgd_app.domain.models import Expediente, Party, Procedure, Unit


@dataclass(frozen=True)
class InboxRow:
    number: str
    procedure: str
    filer: str
    subject: str
    received_at: datetime
    due_on: date
    status: str
    status_label: str
    channel: str
    unit: str


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int


def unit_inbox(session: Session, who: Principal, *, page: int = 0, page_size: int = 50) -> InboxPage:
    """Open cases currently in one of the user's units, soonest deadline first, one page."""
    units = sorted(who.unit_ids)
    if not units:
        return InboxPage([], 0)
    open_statuses = ("registrado", "subsanado", "en_tramite", "observado")
    where = (Expediente.current_unit_id.in_(units), Expediente.status.in_(open_statuses))
    total = session.exec(select(func.count()).select_from(Expediente).where(*where)).one()
    stmt = (
        select(Expediente.number, Procedure.name, Party.name, Expediente.subject, Expediente.received_at,
               Expediente.due_on, Expediente.status, Expediente.channel, Unit.name)
        .join(Procedure, Procedure.id == Expediente.procedure_id)
        .join(Party, Party.id == Expediente.party_id)
        .join(Unit, Unit.id == Expediente.current_unit_id)
        .where(*where)
        .order_by(Expediente.due_on, Expediente.id)
        .offset(max(0, page) * page_size)
        .limit(page_size)
    )
    rows = [
        InboxRow(number=n, procedure=p, filer=f, subject=sj, received_at=r, due_on=d, status=st,
                 status_label=STATUSES.get(st, st), channel=ch, unit=u)
        for n, p, f, sj, r, d, st, ch, u in session.exec(stmt).all()
    ]
    return InboxPage(rows, int(total))
