"""The institution's own non-working days (on top of the national holidays)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from sgd_app.domain.admin.common import (
    as_date,
    clean_text,
    ensure_admin,
    raise_errors,
    record,
)
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import NotFound
from sgd_app.domain.models import NonWorkingDay
from sgd_app.domain.transaction import act, query


@query
def list_non_working_days(session: Session, *, since: date | None = None) -> list[NonWorkingDay]:
    q = select(NonWorkingDay).order_by(col(NonWorkingDay.day))
    if since is not None:
        q = q.where(NonWorkingDay.day >= since)
    return list(session.exec(q).all())


@act
def add_non_working_day(session: Session, *, actor: Principal, day: date | str, reason: str) -> NonWorkingDay:
    """An institution non-working day (any date; deadlines computed from now on skip it)."""
    ensure_admin(actor, "registrar días no laborables")
    errors: dict[str, str] = {}
    d = as_date(day, "day", errors, "fecha")
    if d is None and "day" not in errors:
        errors["day"] = "Elija la fecha."
    elif d is not None and session.get(NonWorkingDay, d) is not None:
        errors["day"] = f"El {d.strftime('%d/%m/%Y')} ya está registrado como día no laborable."
    why = clean_text(reason)
    if not why:
        errors["reason"] = "Escriba el motivo (por ejemplo, el decreto o la resolución que lo declara)."
    elif len(why) > 200:
        errors["reason"] = "El motivo puede tener como máximo 200 caracteres."
    raise_errors(errors)
    assert d is not None  # raise_errors refused a missing date
    row = NonWorkingDay(day=d, reason=why)
    session.add(row)
    session.flush()
    record(session, actor, "agregar_dia_no_laborable", "non_working_day", d.isoformat(), {"motivo": why})
    return row


@act
def remove_non_working_day(session: Session, *, actor: Principal, day: date | str) -> None:
    ensure_admin(actor, "quitar días no laborables")
    errors: dict[str, str] = {}
    d = as_date(day, "day", errors, "fecha")
    row = session.get(NonWorkingDay, d) if d is not None else None
    if d is None or row is None:
        raise NotFound("Ese día no está registrado como no laborable.")
    reason = row.reason
    session.delete(row)
    session.flush()
    record(session, actor, "quitar_dia_no_laborable", "non_working_day", d.isoformat(), {"motivo": reason})
