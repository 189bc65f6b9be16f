"""Mesa de Partes review of online filings (revisión en mesa de partes).

A procedure with ``desk_review`` on sends its new online filings to the desk's inbox first
(see :mod:`sgd_app.domain.intake.filing`). There the desk receives the filing and checks it:
it may correct the procedure (``reclassify``: the case's procedure, its destination and its legal
deadline follow the new one), observe it (:func:`sgd_app.domain.observations.observe`) or derive
it (:func:`sgd_app.domain.routing.actions.derive`, to the procedure's unit by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from sgd_app.domain import search
from sgd_app.domain.access import ACTING_ROLES, DESK_UNIT_CODE, allowed_actions, at_desk, get_case
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import BusinessCalendar, load_calendar
from sgd_app.domain.errors import Forbidden, InvalidInput
from sgd_app.domain.models import Movement, Procedure, Unit, utcnow
from sgd_app.domain.routing.copies import unread_copies
from sgd_app.domain.routing.rules import _bump, _ensure, _load, _record
from sgd_app.domain.transaction import act, query

NOT_DESK = "Solo el personal de mesa de partes corrige el procedimiento de un expediente."
LEFT_DESK = "El expediente ya salió de mesa de partes: su procedimiento ya no puede corregirse."


@dataclass(frozen=True)
class ProcedureChoice:
    id: int
    label: str  # "Nombre (CÓDIGO) — Unidad, N días hábiles"
    unit_id: int


@query
def desk_unit_id(session: Session) -> int | None:
    """The id of the Mesa de Partes unit (None when the catalogue has none)."""
    return session.exec(select(col(Unit.id)).where(col(Unit.code) == DESK_UNIT_CODE)).first()


@query
def procedure_choices(session: Session) -> list[ProcedureChoice]:
    """The active procedures of the catalogue the desk may choose from, by name."""
    units = dict(session.exec(select(col(Unit.id), col(Unit.name))).all())
    rows = session.exec(
        select(Procedure).where(col(Procedure.active) == True).order_by(col(Procedure.name))  # noqa: E712
    ).all()
    out = []
    for p in rows:
        assert p.id is not None
        label = f"{p.name} ({p.code}) — {units.get(p.unit_id, '')}, {p.deadline_days} días hábiles"
        out.append(ProcedureChoice(p.id, label, p.unit_id))
    return out


def _is_desk_staff(who: Principal) -> bool:
    return any(u.code == DESK_UNIT_CODE and r in ACTING_ROLES for u, r in who.memberships)


@act
def reclassify(
    session: Session,
    *,
    who: Principal,
    number: str,
    version: int,
    procedure_id: int | str | None,
    calendar: BusinessCalendar | None = None,
) -> Procedure:
    """The desk corrects the procedure of a filing it holds: the case's procedure, its legal
    deadline (from the same filing day, observation days kept) and its destination (the new
    procedure's unit, offered when the desk derives it) follow the new procedure. Audited."""
    case = _load(session, who, number, version)
    if not _is_desk_staff(who):
        raise Forbidden(NOT_DESK)
    if not at_desk(who, case):
        raise Forbidden(LEFT_DESK)
    _ensure(who, case, "reclasificar")
    try:
        pid = int(procedure_id) if procedure_id not in (None, "") else None
    except (TypeError, ValueError):
        pid = None
    new = session.get(Procedure, pid) if pid is not None else None
    if new is None or not new.active:
        raise InvalidInput("procedure", "Elija un procedimiento del catálogo.")
    old = session.get(Procedure, case.procedure_id)
    if new.id == case.procedure_id:
        raise InvalidInput("procedure", "El expediente ya tiene ese procedimiento: elija otro.")
    cal = calendar or load_calendar(session)
    old_due = cal.add_business_days(case.filed_on, old.deadline_days) if old else case.due_on
    stopped = cal.business_days_between(old_due, case.due_on) if case.due_on > old_due else 0  # observed days
    new_due = cal.add_business_days(cal.add_business_days(case.filed_on, new.deadline_days), stopped)
    if case.current_due_on is None or case.current_due_on == case.due_on:
        step_due = new_due
    else:
        step_due = min(case.current_due_on, new_due)
    old_name = old.name if old else ""
    assert case.id is not None
    session.add(
        Movement(
            expediente_id=case.id,
            action="reclasificar",
            from_unit_id=case.current_unit_id,
            actor_id=who.user.id,
            instructions=f"De «{old_name}» a «{new.name}»",
            created_at=utcnow(),
        )
    )
    _bump(session, case, version, procedure_id=new.id, due_on=new_due, current_due_on=step_due)
    _record(
        session,
        who,
        case,
        "reclasificar",
        None,
        {
            "de": old.code if old else None,
            "a": new.code,
            "unidad_destino": new.unit_id,
            "vence": new_due.isoformat(),
        },
    )
    search.index_case(session, case.id)
    return new


@dataclass(frozen=True)
class DeskPanel:
    """What the case page adds for the desk and for copy recipients."""

    may_reclassify: bool
    suggested_unit_id: int | None  # at the desk: the unit of the case's procedure (derive's default)
    choices: list[ProcedureChoice]  # the catalogue, when the case is at the viewer's desk
    current_procedure_id: int
    unread_copies: int


@query
def desk_panel(session: Session, who: Principal, number: str) -> DeskPanel:
    """The desk's part of the case page ``number`` (NotFound when ``who`` may not see it)."""
    case = get_case(session, who, number)
    here = at_desk(who, case)
    may = "reclasificar" in allowed_actions(who, case)
    proc = session.get(Procedure, case.procedure_id)
    return DeskPanel(
        may_reclassify=may,
        suggested_unit_id=proc.unit_id if here and proc is not None else None,
        choices=procedure_choices(session) if here else [],  # also before receipt: the form opens after it
        current_procedure_id=case.procedure_id,
        unread_copies=unread_copies(session, who, number),
    )
