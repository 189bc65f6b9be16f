"""Delegation (subrogación): a head lets another official of the unit act for them for a date
range; and the lists of people and units the routing forms offer."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain import audit
from sgd_app.domain.access import ACTING_ROLES
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Forbidden, InvalidInputs, NotFound
from sgd_app.domain.models import Delegation, Membership, Unit, User, pk, utcnow
from sgd_app.domain.routing.rules import today_lima
from sgd_app.domain.transaction import act, query


@act
def delegate(
    session: Session, *, who: Principal, unit_id: int, to_user_id: int, starts_on: date, ends_on: date
) -> Delegation:
    """A head lets another official of the unit act for them (their inbox) for a date range."""
    if "head" not in {r for u, r in who.memberships if u.id == unit_id}:
        raise Forbidden("Solo el jefe de la unidad puede delegar su bandeja.")
    errors = {}
    if to_user_id == who.user.id:
        errors["to_user"] = "Elija a otra persona."
    elif (
        session.exec(
            select(Membership.id).where(Membership.user_id == to_user_id, Membership.unit_id == unit_id)
        ).first()
        is None
    ):
        errors["to_user"] = "La persona debe pertenecer a la unidad."
    if ends_on < starts_on:
        errors["ends_on"] = "La fecha final no puede ser anterior a la inicial."
    elif ends_on < today_lima():
        errors["ends_on"] = "La delegación ya habría terminado."
    elif (ends_on - starts_on).days > 366:
        errors["ends_on"] = "Una delegación dura como máximo un año."
    if errors:
        raise InvalidInputs(errors)
    assert who.user.id is not None
    d = Delegation(
        unit_id=unit_id, from_user_id=who.user.id, to_user_id=to_user_id, starts_on=starts_on, ends_on=ends_on
    )
    session.add(d)
    session.flush()
    audit.record(
        session,
        actor=who.actor,
        action="delegar",
        object_type="delegation",
        object_id=d.id,
        data={"unidad": unit_id, "a": to_user_id, "desde": starts_on.isoformat(), "hasta": ends_on.isoformat()},
    )
    return d


@act
def revoke_delegation(session: Session, *, who: Principal, delegation_id: int) -> None:
    d = session.get(Delegation, delegation_id)
    if d is None or d.from_user_id != who.user.id:
        raise NotFound("Delegación no encontrada.")
    if d.revoked_at is None:
        d.revoked_at = utcnow()
        session.add(d)
        audit.record(session, actor=who.actor, action="revocar_delegacion", object_type="delegation", object_id=d.id)


@query
def delegations_of(session: Session, who: Principal) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Delegation, col(User.full_name), col(Unit.name))
        .join(User, col(User.id) == col(Delegation.to_user_id))
        .join(Unit, col(Unit.id) == col(Delegation.unit_id))
        .where(col(Delegation.from_user_id) == who.user.id, col(Delegation.revoked_at) == None)  # noqa: E711
        .order_by(col(Delegation.starts_on).desc())
    ).all()
    return [
        {"id": d.id, "to": name, "unit": unit, "starts_on": d.starts_on, "ends_on": d.ends_on} for d, name, unit in rows
    ]


@query
def unit_members(session: Session, unit_id: int) -> list[tuple[int, str]]:
    rows = session.exec(
        select(pk(User), col(User.full_name))
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(col(Membership.unit_id) == unit_id, col(Membership.role).in_(ACTING_ROLES), col(User.active) == True)  # noqa: E712
        .distinct()
        .order_by(col(User.full_name))
    ).all()
    return [(uid, name) for uid, name in rows]


@query
def active_units(session: Session) -> list[Unit]:
    today = today_lima()
    return [
        u
        for u in session.exec(select(Unit).where(Unit.active == True).order_by(Unit.name)).all()  # noqa: E712
        if not (u.valid_to and u.valid_to < today) and not (u.valid_from and u.valid_from > today)
    ]
