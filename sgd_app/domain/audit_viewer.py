"""The audit viewer for administrators and managers (the app has no separate Órgano de Control
role: control staff get the manager role): the hash-chained trail filtered by case, user, action
and dates, paged by sequence number (newest first), exported as CSV, and the chain verified."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sgd_app.domain import audit
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import Forbidden, InvalidInputs
from sgd_app.domain.models import AuditEvent, Expediente, InternalDocument, User
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import Role

PAGE = 50
MAX_SPAN_DAYS = 366 * 3
HEADERS = ["N°", "Fecha y hora", "Usuario", "Acción", "Objeto", "Identificador", "Datos", "Huella"]
NOT_ALLOWED = "Solo los administradores y el personal directivo o de control pueden ver la auditoría."


def may_view(who: Principal | None) -> bool:
    return who is not None and who.has_role(Role.ADMIN, Role.MANAGER)


def ensure_may_view(who: Principal | None) -> None:
    if not may_view(who):
        raise Forbidden(NOT_ALLOWED)


@dataclass(frozen=True)
class AuditFilters:
    case_number: str = ""
    username: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def parse_filters(raw: Any) -> AuditFilters:
    """Filters from a form or a query string; InvalidInputs names the bad ones (in Spanish)."""
    get = raw.get if hasattr(raw, "get") else (lambda _k, _d="": "")
    errors: dict[str, str] = {}

    def day(key: str, label: str) -> date | None:
        text = str(get(key, "") or "").strip()[:20]
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            errors[key] = f"La fecha {label} no es válida (dd/mm/aaaa)."
            return None

    f = AuditFilters(
        case_number=" ".join(str(get("numero", "") or "").split()).upper()[:30],
        username=str(get("usuario", "") or "").strip().lower()[:60],
        action=str(get("accion", "") or "").strip()[:40],
        date_from=day("desde", "desde"),
        date_to=day("hasta", "hasta"),
    )
    if f.date_from and f.date_to:
        if f.date_to < f.date_from:
            errors["hasta"] = "La fecha «hasta» no puede ser anterior a «desde»."
        elif (f.date_to - f.date_from).days > MAX_SPAN_DAYS:
            errors["hasta"] = "Elija un período de hasta tres años."
    if errors:
        raise InvalidInputs(errors)
    return f


@dataclass(frozen=True)
class EventRow:
    seq: int
    at: datetime
    user: str
    action: str
    object_type: str
    object_id: str
    data: str
    hash: str

    def as_text(self) -> list[str]:
        return [
            str(self.seq),
            self.at.astimezone(LIMA).strftime("%d/%m/%Y %H:%M:%S"),
            self.user,
            self.action,
            self.object_type,
            self.object_id,
            self.data,
            self.hash,
        ]


def _where(session: Session, f: AuditFilters) -> list[Any]:
    conds: list[Any] = []
    errors: dict[str, str] = {}
    if f.case_number:
        case = session.exec(select(Expediente).where(col(Expediente.number) == f.case_number)).first()
        if case is None:
            errors["numero"] = f"No hay un expediente con el número {f.case_number}."
        else:
            doc_ids = [
                str(i)
                for i in session.exec(
                    select(col(InternalDocument.id)).where(col(InternalDocument.expediente_id) == case.id)
                ).all()
            ]
            conds.append(
                or_(
                    and_(col(AuditEvent.object_type) == "expediente", col(AuditEvent.object_id) == case.number),
                    and_(col(AuditEvent.object_type) == "documento", col(AuditEvent.object_id).in_(doc_ids or ["-"])),
                )
            )
    if f.username:
        user = session.exec(select(User).where(col(User.username) == f.username)).first()
        if user is None:
            errors["usuario"] = f"No hay un usuario «{f.username}»."
        else:
            conds.append(col(AuditEvent.actor) == f"user:{user.id}")
    if f.action:
        conds.append(col(AuditEvent.action) == f.action)
    if f.date_from:
        conds.append(col(AuditEvent.at) >= datetime.combine(f.date_from, time.min, LIMA))
    if f.date_to:
        conds.append(col(AuditEvent.at) < datetime.combine(f.date_to + timedelta(days=1), time.min, LIMA))
    if errors:
        raise InvalidInputs(errors)
    return conds


def _names(session: Session, actors: set[str]) -> dict[str, str]:
    ids = [int(a.split(":", 1)[1]) for a in actors if a.startswith("user:") and a.split(":", 1)[1].isdigit()]
    users = session.exec(select(User).where(col(User.id).in_(ids))).all() if ids else []
    return {f"user:{u.id}": f"{u.full_name} ({u.username})" for u in users}


def _label(actor: str, names: dict[str, str]) -> str:
    if actor in names:
        return names[actor]
    return {"ciudadano": "Ciudadano", "sistema": "Sistema"}.get(actor, actor)


def _short(data: str, limit: int) -> str:
    try:
        parsed = json.loads(data or "{}")
    except ValueError:
        parsed = data
    if isinstance(parsed, dict):
        text = "; ".join(f"{k}: {v}" for k, v in parsed.items())
    else:
        text = str(parsed)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(session: Session, events: list[AuditEvent], limit: int) -> list[EventRow]:
    names = _names(session, {e.actor for e in events})
    return [
        EventRow(
            e.seq, e.at, _label(e.actor, names), e.action, e.object_type, e.object_id, _short(e.data, limit), e.hash
        )
        for e in events
    ]


@dataclass(frozen=True)
class EventPage:
    rows: list[EventRow]
    next_before: int | None  # the seq to ask for the next (older) page; None at the end


@query
def events(
    session: Session,
    who: Principal,
    filters: AuditFilters,
    *,
    before: int | None = None,
    limit: int = PAGE,
    data_limit: int = 200,
) -> EventPage:
    """One page of events, newest first, older than ``before`` (keyset on the sequence number)."""
    ensure_may_view(who)
    q = select(AuditEvent).where(*_where(session, filters))
    if before is not None:
        q = q.where(col(AuditEvent.seq) < before)
    got = list(session.exec(q.order_by(col(AuditEvent.seq).desc()).limit(limit + 1)).all())
    more = len(got) > limit
    got = got[:limit]
    return EventPage(_rows(session, got, data_limit), got[-1].seq if more and got else None)


@query
def actions(session: Session, who: Principal) -> list[str]:
    """The actions the trail holds (for the filter's list)."""
    ensure_may_view(who)
    return sorted(session.exec(select(col(AuditEvent.action)).distinct()).all())


@query
def verify_chain(session: Session, who: Principal) -> audit.ChainReport:
    ensure_may_view(who)
    return audit.verify(session)


def stream_rows(
    who: Principal, filters: AuditFilters, *, batch: int = 2000, engine: Engine | None = None
) -> Iterator[EventRow]:
    """Every matching event, newest first, in batches (each its own short read)."""
    before: int | None = None
    while True:
        page = events(who, filters, before=before, limit=batch, data_limit=4000, engine=engine)
        yield from page.rows
        if page.next_before is None:
            return
        before = page.next_before
