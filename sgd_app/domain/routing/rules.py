"""The checks every routing act shares: who acts (role or delegation), the optimistic version
check (of two officials acting at the same moment one wins, the other gets Conflict), the audit
record, and "today" in Lima."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from sgd_app.domain import audit, summaries
from sgd_app.domain.access import ACTING_ROLES, acting_roles, allowed_actions, get_case
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput
from sgd_app.domain.models import Expediente, Unit, utcnow
from sgd_app.domain.vocabulary import OPEN_STATUSES, STATUS_LABELS

DEFAULT_STEP_DAYS = 3  # "mere processing" maximum when a derivation sets no deadline (TUO 27444)
STALE = "Otro usuario acaba de modificar este expediente. Se actualizó la vista: revise y vuelva a intentarlo."


def today_lima() -> date:
    return utcnow().astimezone(LIMA).date()


def _ensure(who: Principal, case: Expediente, action: str) -> int | None:
    """Refuse ``action`` unless allowed; returns the head's id when acting by delegation."""
    if case.status not in OPEN_STATUSES:
        raise Forbidden(
            f"El expediente está {STATUS_LABELS.get(case.status, case.status).lower()}: ya no admite esta acción."
        )
    roles = acting_roles(who, case)
    if not roles:
        raise Forbidden(
            "Solo la unidad que tiene el expediente puede hacer esta acción; las copias son solo para conocimiento."
        )
    if action not in allowed_actions(who, case):
        if case.awaiting_receipt and action != "recibir":
            raise Forbidden("Primero reciba el expediente.")
        raise Forbidden("Su rol no permite esta acción en este expediente.")
    own = {r for u, r in who.memberships if u.id == case.current_unit_id}
    needs_delegation = not (own & set(ACTING_ROLES)) or (action in ("archivar", "acumular") and "head" not in own)
    return who.delegated.get(case.current_unit_id) if needs_delegation else None


def _bump(session: Session, case: Expediente, version: int, **values: Any) -> None:
    """Apply ``values`` if nobody changed the case since ``version`` was read; else Conflict.
    The dashboard summaries move with the case in the same transaction."""
    before = summaries.facts(case)
    result = session.exec(
        update(Expediente)
        .where(col(Expediente.id) == case.id, col(Expediente.version) == version)
        .values(version=col(Expediente.version) + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(STALE)
    summaries.apply(session, before, summaries.changed(before, values))
    # (The search index follows the unit by itself: a trigger on SQLite, a join on PostgreSQL.)
    session.expire(case)


def _load(session: Session, who: Principal, number: str, version: int) -> Expediente:
    case = get_case(session, who, number)
    if case.version != version:
        raise Conflict(STALE)
    return case


def _record(
    session: Session, who: Principal, case: Expediente, action: str, on_behalf: int | None, data: dict[str, Any]
) -> None:
    if on_behalf:
        data = {**data, "en_nombre_de": f"user:{on_behalf}"}
    audit.record(session, actor=who.actor, action=action, object_type="expediente", object_id=case.number, data=data)


def _active_unit(session: Session, unit_id: int | None, field: str) -> Unit:
    unit = session.get(Unit, unit_id) if unit_id else None
    today = today_lima()
    if (
        unit is None
        or not unit.active
        or (unit.valid_to and unit.valid_to < today)
        or (unit.valid_from and unit.valid_from > today)
    ):
        raise InvalidInput(field, "Elija una unidad activa.")
    return unit
