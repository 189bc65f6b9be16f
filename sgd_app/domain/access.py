"""Who may see a case and who may act on it: the one place every reader (routing, reports,
dashboards, search, observations, the API) asks.

A case is visible to the units that hold it or held it (a route step to or from them), to units
acting by delegation, and to managers of any unit above those. Acting needs a role in the unit that
holds the case now; copies are for information only.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import NotFound
from sgd_app.domain.models import Document, Expediente, InternalDocument, Membership, Movement, Unit, User, pk
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


def can_view(session: Session, who: Principal, case: Expediente, units: set[int] | None = None) -> bool:
    units = units if units is not None else visible_unit_ids(session, who)
    if case.current_unit_id in units:
        return True
    if not units:
        return False
    hit = session.exec(
        select(col(Movement.id))
        .where(
            col(Movement.expediente_id) == case.id,
            or_(col(Movement.to_unit_id).in_(units), col(Movement.from_unit_id).in_(units)),
        )
        .limit(1)
    ).first()
    return hit is not None


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
