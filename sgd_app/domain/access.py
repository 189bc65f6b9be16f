"""Who may see a case and who may act on it: the one place every reader (routing, reports,
dashboards, search, observations, the API) asks.

A case is visible to the units that hold it or held it (a route step to or from them, a copy, the
desk that registered it: the rows of ``CaseUnit``), to units acting by delegation, and to managers
of any unit above those. That rule is :func:`seen_in`, a condition over the indexed ``caseunit``
table: the case page (:func:`can_view`) and search (``domain/search``) both use it. Acting needs a
role in the unit that holds the case now; copies are for information only.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, exists, literal, text
from sqlmodel import Session, col, select

from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import NotFound
from sgd_app.domain.models import (
    CaseUnit,
    Document,
    Expediente,
    InternalDocument,
    Membership,
    Movement,
    Unit,
    User,
    pk,
)
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import OPEN_STATUSES, ROLE_LABELS

ACTING_ROLES = ("clerk", "officer", "head")
DESK_UNIT_CODE = "MP"  # the Mesa de Partes unit: online filings under desk review wait there
NOT_FOUND = "Expediente no encontrado o sin acceso."


@query
def visible_unit_ids(session: Session, who: Principal) -> set[int]:
    """Units whose cases ``who`` may see: their own, delegated ones, and for managers the units
    below theirs."""
    units = set(who.unit_ids) | set(who.delegated)
    managed = {u.id for u, r in who.memberships if r == "manager" and u.id is not None}
    if managed:
        children: dict[int | None, list[int]] = {}
        for uid, parent in session.exec(select(pk(Unit), col(Unit.parent_id))).all():
            children.setdefault(parent, []).append(uid)
        stack = list(managed)
        while stack:
            uid = stack.pop()
            for child in children.get(uid, []):
                if child not in units:
                    units.add(child)
                    stack.append(child)
    return units


def seen_in(case_id: Any, units: Collection[int]) -> ColumnElement[bool]:
    """THE visibility rule, as a condition on a case id: the case has been in one of ``units`` (the
    units of :func:`visible_unit_ids`). An indexed lookup in ``caseunit`` (the case page asks it
    for one case; search for each candidate, or as a semi-join)."""
    cid = literal(case_id) if isinstance(case_id, int) else case_id
    return exists().where(col(CaseUnit.expediente_id) == cid, col(CaseUnit.unit_id).in_(sorted(units)))


def can_view(session: Session, who: Principal, case: Expediente, units: set[int] | None = None) -> bool:
    units = units if units is not None else visible_unit_ids(session, who)
    if not units or case.id is None:
        return False
    return session.exec(select(literal(1)).where(seen_in(case.id, units))).first() is not None


def record_registration(session: Session, case_id: int, clerk_id: int) -> None:
    """The desk of the clerk who registered a filing sees the case from then on (its desk units
    join the case's units; the movements' and current units are added by the database)."""
    session.connection().execute(
        text(
            "INSERT INTO caseunit (unit_id, expediente_id) SELECT DISTINCT unit_id, :c FROM membership "
            "WHERE user_id = :u AND role = 'clerk' ON CONFLICT DO NOTHING"
        ),
        {"c": case_id, "u": clerk_id},
    )


def acting_roles(who: Principal, case: Expediente) -> set[str]:
    """Roles ``who`` holds in the unit that has the case now (copies give none)."""
    return who.roles_in(case.current_unit_id) & set(ACTING_ROLES)


@query
def get_case(session: Session, who: Principal, number: str) -> Expediente:
    """The case by number if ``who`` may see it; otherwise NotFound (never says it exists)."""
    case = session.exec(select(Expediente).where(Expediente.number == number)).first()
    if case is None or not can_view(session, who, case):
        raise NotFound(NOT_FOUND)
    return case


def allowed_actions(who: Principal, case: Expediente) -> set[str]:
    """The actions the UI offers; each action re-checks the same rule when it runs."""
    roles = acting_roles(who, case)
    if not roles or case.status not in OPEN_STATUSES:
        return set()
    if case.awaiting_receipt:
        return {"recibir", "nota"}
    actions = {"derivar", "devolver", "prioridad", "nota", "anexo"}
    if roles & {"officer", "head"}:
        actions |= {"atender", "observar"}
    if at_desk(who, case):  # the desk checks a filing: corrects its procedure or observes it
        actions |= {"reclasificar", "observar"}
    if "head" in roles:
        actions |= {"archivar", "acumular"}
    return actions


def at_desk(who: Principal, case: Expediente) -> bool:
    """The case is in the Mesa de Partes and ``who`` acts there."""
    return any(
        u.id == case.current_unit_id and u.code == DESK_UNIT_CODE and r in ACTING_ROLES for u, r in who.memberships
    )


@query
def document_for(session: Session, who: Principal, document_id: int) -> Document:
    """A document of a case ``who`` may see; NotFound otherwise."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("Documento no encontrado.")
    case = session.get(Expediente, doc.expediente_id)
    if case is None or not can_view(session, who, case):
        raise NotFound("Documento no encontrado.")
    return doc


@query
def internal_document_for(session: Session, who: Principal, doc_id: int) -> InternalDocument:
    """An internal document (memorando, informe, ...) of a case ``who`` may see; NotFound otherwise."""
    doc = session.get(InternalDocument, doc_id)
    case = session.get(Expediente, doc.expediente_id) if doc else None
    if doc is None or case is None or not can_view(session, who, case):
        raise NotFound("Documento no encontrado.")
    return doc


REVIEW_ROLES = ("officer", "head", "manager")


def reviewers(session: Session, who: Principal, case: Expediente) -> list[tuple[int, str]]:
    """Who may be asked for a visto bueno on a document of ``case``: active people with a post
    (officer, head, manager) in the unit holding it, the units above it, or a unit the case
    passed through; never ``who``, never an account without a post (the administrator).
    (id, "Name — Post, Unit"), by name."""
    parents = dict(session.exec(select(pk(Unit), col(Unit.parent_id))).all())
    units: set[int] = set()
    uid: int | None = case.current_unit_id
    while uid is not None and uid not in units:  # the unit and those above it
        units.add(uid)
        uid = parents.get(uid)
    for to_id, from_id in session.exec(
        select(col(Movement.to_unit_id), col(Movement.from_unit_id)).where(col(Movement.expediente_id) == case.id)
    ).all():
        units.update(u for u in (to_id, from_id) if u is not None)
    rows = session.exec(
        select(pk(User), col(User.full_name), col(Membership.role), col(Unit.name))
        .join(Membership, col(Membership.user_id) == col(User.id))
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .where(
            col(Membership.unit_id).in_(sorted(units)),
            col(Membership.role).in_(REVIEW_ROLES),
            col(User.active) == True,  # noqa: E712
            pk(User) != who.user.id,
        )
        .order_by(col(User.full_name), col(Unit.name))
    ).all()
    seen: dict[int, str] = {}
    for user_id, name, role, unit_name in rows:
        if user_id not in seen:  # one line per person: their first post in these units
            seen[user_id] = f"{name} — {ROLE_LABELS.get(role, role)}, {unit_name}"
    return list(seen.items())
