"""Copies for information (copia para conocimiento): the recipient marks them read.

A copy is a route step with action ``copia`` to one unit. Its read mark is that step's receipt
(``Movement.received_at`` / ``received_by_id``, unused by copies otherwise): one mark per
recipient unit, set once, audited, shown in the hoja de ruta ("Copia leída por … el …").
Copies give no power over the case: marking one read changes nothing else.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from sgd_app.domain.access import ACTING_ROLES, get_case
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Conflict, Forbidden
from sgd_app.domain.models import Movement, utcnow
from sgd_app.domain.routing.rules import _record
from sgd_app.domain.transaction import act, query

NO_COPY = "Su unidad no recibió este expediente en copia."
ALREADY_READ = "La copia ya estaba marcada como leída."


def _my_copy_units(who: Principal) -> set[int]:
    """Units where ``who`` may take receipt of a copy: an acting role or a delegation there."""
    units = {u.id for u, r in who.memberships if r in ACTING_ROLES and u.id is not None}
    return units | set(who.delegated)


@query
def unread_copies(session: Session, who: Principal, number: str) -> int:
    """How many copies of case ``number`` to ``who``'s units are still unread (0 when none)."""
    units = _my_copy_units(who)
    if not units:
        return 0
    case = get_case(session, who, number)
    return len(
        session.exec(
            select(col(Movement.id)).where(
                col(Movement.expediente_id) == case.id,
                col(Movement.action) == "copia",
                col(Movement.to_unit_id).in_(sorted(units)),
                col(Movement.received_at).is_(None),
            )
        ).all()
    )


@act
def mark_copy_read(session: Session, *, who: Principal, number: str) -> int:
    """Mark read the copies of case ``number`` sent to ``who``'s units; returns how many.
    Refused when no copy went to those units, or when every one is already read."""
    case = get_case(session, who, number)
    units = _my_copy_units(who)
    copies = (
        session.exec(
            select(Movement).where(
                col(Movement.expediente_id) == case.id,
                col(Movement.action) == "copia",
                col(Movement.to_unit_id).in_(sorted(units)),
            )
        ).all()
        if units
        else []
    )
    if not copies:
        raise Forbidden(NO_COPY)
    unread = [m for m in copies if m.received_at is None]
    if not unread:
        raise Conflict(ALREADY_READ)
    now = utcnow()
    for m in unread:
        m.received_at, m.received_by_id = now, who.user.id
        session.add(m)
    session.flush()
    _record(session, who, case, "leer_copia", None, {"unidades": sorted({m.to_unit_id for m in unread})})
    return len(unread)
