"""Routing of cases between units (hoja de ruta): who may see and act, the actions
(recibir, derivar, devolver, archivar, atender, acumular, prioridad, notas, anexos), the units'
inboxes with their tabs and deadline traffic light, and delegation (subrogación).

Every action: checks who acts (unit, role, delegation) and the case's status; refuses a stale
view (optimistic version check: of two officials acting at the same moment one wins, the other
gets Conflict); writes the route step, the case and an audit event in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, literal, null, or_, update
from sqlmodel import Session, select

from sgd_app.domain import audit, summaries
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, BusinessCalendar, load_calendar
from sgd_app.domain.documents import FileStore, screen_pdf
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.intake import MAX_ANNEX_BYTES, STATUSES, _safe_filename
from sgd_app.domain.models import (
    Delegation,
    Document,
    Expediente,
    Membership,
    Movement,
    Note,
    Party,
    Procedure,
    Unit,
    User,
    utcnow,
)

OPEN = ("registrado", "en_tramite", "subsanado")
FINISHED = ("atendido", "archivado", "acumulado", "no_presentado")
PRIORITIES = {"normal": "Normal", "urgente": "Urgente", "muy_urgente": "Muy urgente"}
ACTING_ROLES = ("clerk", "officer", "head")
ACTION_LABELS = {
    "derivar": "Derivado",
    "copia": "Copia para conocimiento",
    "recibir": "Recibido",
    "devolver": "Devuelto",
    "archivar": "Archivado",
    "atender": "Atendido",
    "acumular": "Acumulado",
    "acumulacion": "Se le acumuló otro expediente",
    "prioridad": "Prioridad cambiada",
    "observar": "Observado",
    "anexo": "Anexo agregado",
    "subsanar": "Subsanado por el administrado",
    "no_presentado": "No presentado",
    "documento": "Documento emitido",
}
DEFAULT_STEP_DAYS = 3  # "mere processing" maximum when a derivation sets no deadline (TUO 27444)
NOT_FOUND = "Expediente no encontrado o sin acceso."
STALE = "Otro usuario acaba de modificar este expediente. Se actualizó la vista: revise y vuelva a intentarlo."


def today_lima() -> date:
    return utcnow().astimezone(LIMA).date()


# ---------------------------------------------------------------- who may see / act
def visible_unit_ids(session: Session, who: Principal) -> set[int]:
    """Units whose cases ``who`` may see: their own, delegated ones, and for managers the units
    below theirs."""
    units = set(who.unit_ids) | set(who.delegated)
    managed = {u.id for u, r in who.memberships if r == "manager"}
    if managed:
        children: dict[int | None, list[int]] = {}
        for uid, parent in session.exec(select(Unit.id, Unit.parent_id)).all():
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
        select(Movement.id)
        .where(
            Movement.expediente_id == case.id,
            or_(Movement.to_unit_id.in_(units), Movement.from_unit_id.in_(units)),
        )
        .limit(1)
    ).first()
    return hit is not None


def acting_roles(who: Principal, case: Expediente) -> set[str]:
    """Roles ``who`` holds in the unit that has the case now (copies give none)."""
    return who.roles_in(case.current_unit_id) & set(ACTING_ROLES)


def get_case(session: Session, who: Principal, number: str) -> Expediente:
    """The case by number if ``who`` may see it; otherwise NotFound (never says it exists)."""
    case = session.exec(select(Expediente).where(Expediente.number == number)).first()
    if case is None or not can_view(session, who, case):
        raise NotFound(NOT_FOUND)
    return case


def allowed_actions(who: Principal, case: Expediente) -> set[str]:
    """The actions the UI offers; each action re-checks the same rule when it runs."""
    roles = acting_roles(who, case)
    if not roles or case.status not in OPEN:
        return set()
    if case.awaiting_receipt:
        return {"recibir", "nota"}
    actions = {"derivar", "devolver", "prioridad", "nota", "anexo"}
    if roles & {"officer", "head"}:
        actions |= {"atender", "observar"}
    if "head" in roles:
        actions |= {"archivar", "acumular"}
    return actions


def _ensure(who: Principal, case: Expediente, action: str) -> int | None:
    """Refuse ``action`` unless allowed; returns the head's id when acting by delegation."""
    if case.status not in OPEN:
        raise Forbidden(
            f"El expediente está {STATUSES.get(case.status, case.status).lower()}: ya no admite esta acción."
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
    result = session.execute(
        update(Expediente)
        .where(Expediente.id == case.id, Expediente.version == version)
        .values(version=Expediente.version + 1, **values)
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


# ---------------------------------------------------------------- actions
def receive(session: Session, *, who: Principal, number: str, version: int) -> None:
    """Acknowledge receipt (timestamped) of a case derived to the user's unit."""
    case = _load(session, who, number, version)
    if not case.awaiting_receipt:
        raise Conflict("El expediente ya fue recibido.")
    on_behalf = _ensure(who, case, "recibir")
    now = utcnow()
    last = session.exec(
        select(Movement)
        .where(
            Movement.expediente_id == case.id,
            Movement.action.in_(("derivar", "devolver")),
            Movement.to_unit_id == case.current_unit_id,
        )
        .order_by(Movement.id.desc())
    ).first()
    if last is not None:
        summaries.received(session, case, now)
        last.received_at = now
        last.received_by_id = who.user.id
        session.add(last)
    _bump(
        session,
        case,
        version,
        awaiting_receipt=False,
        status="en_tramite" if case.status == "registrado" else case.status,
    )
    _record(session, who, case, "recibir", on_behalf, {"unidad": case.current_unit_id})


def derive(
    session: Session,
    *,
    who: Principal,
    number: str,
    version: int,
    to_unit_id: int | None,
    to_user_id: int | None = None,
    copies: Sequence[int] = (),
    instructions: str = "",
    priority: str | None = None,
    due_days: int | None = None,
    calendar: BusinessCalendar | None = None,
) -> None:
    """Route a case to another unit and/or an official; copies are for information only."""
    case = _load(session, who, number, version)
    on_behalf = _ensure(who, case, "derivar")
    errors: dict[str, str] = {}
    target_unit: Unit | None = None
    if to_user_id and not to_unit_id:
        to_unit_id = case.current_unit_id  # to an official of the same unit
    try:
        target_unit = _active_unit(session, to_unit_id, "to_unit")
    except InvalidInput as exc:
        errors["to_unit"] = exc.message
    if to_user_id and target_unit is not None:
        member = session.exec(
            select(Membership.id).where(
                Membership.user_id == to_user_id,
                Membership.unit_id == target_unit.id,
                Membership.role.in_(ACTING_ROLES),
            )
        ).first()
        user = session.get(User, to_user_id)
        if member is None or user is None or not user.active:
            errors["to_user"] = "La persona elegida no trabaja en esa unidad."
    if target_unit is not None and target_unit.id == case.current_unit_id and not to_user_id:
        errors["to_unit"] = "Elija otra unidad, o una persona de su unidad."
    copy_units = []
    for cid in dict.fromkeys(copies):
        try:
            u = _active_unit(session, cid, "copies")
        except InvalidInput:
            errors["copies"] = "Una de las unidades en copia no está activa."
            continue
        if target_unit is not None and u.id != target_unit.id and u.id != case.current_unit_id:
            copy_units.append(u)
    instructions = " ".join((instructions or "").split())
    if len(instructions) > 2000:
        errors["instructions"] = "El proveído es demasiado largo (máximo 2000 caracteres)."
    if priority is not None and priority not in PRIORITIES:
        errors["priority"] = "Elija una prioridad."
    if due_days is not None and not 1 <= int(due_days) <= 60:
        errors["due_days"] = "El plazo debe estar entre 1 y 60 días hábiles."
    if errors:
        raise InvalidInputs(errors)
    cal = calendar or load_calendar(session)
    step_due = cal.add_business_days(today_lima(), int(due_days or DEFAULT_STEP_DAYS))
    current_due = min(step_due, case.due_on)
    priority = priority or case.priority
    now = utcnow()
    from_unit = case.current_unit_id
    summaries.left(session, case, now)
    session.add(
        Movement(
            expediente_id=case.id,
            action="derivar",
            from_unit_id=from_unit,
            to_unit_id=target_unit.id,
            to_user_id=to_user_id,
            actor_id=who.user.id,
            on_behalf_of_id=on_behalf,
            instructions=instructions,
            priority=priority,
            due_on=current_due,
            created_at=now,
        )
    )
    for u in copy_units:
        session.add(
            Movement(
                expediente_id=case.id,
                action="copia",
                from_unit_id=from_unit,
                to_unit_id=u.id,
                actor_id=who.user.id,
                on_behalf_of_id=on_behalf,
                instructions=instructions,
                priority=priority,
                created_at=now,
            )
        )
    _bump(
        session,
        case,
        version,
        current_unit_id=target_unit.id,
        current_user_id=to_user_id,
        awaiting_receipt=True,
        priority=priority,
        current_due_on=current_due,
    )
    _record(
        session,
        who,
        case,
        "derivar",
        on_behalf,
        {
            "de": from_unit,
            "a": target_unit.id,
            "persona": to_user_id,
            "copias": [u.id for u in copy_units],
            "proveido": instructions,
            "prioridad": priority,
            "plazo": current_due.isoformat(),
        },
    )


def return_case(session: Session, *, who: Principal, number: str, version: int, reason: str) -> None:
    """Send the case back to the unit that sent it, with the reason."""
    case = _load(session, who, number, version)
    on_behalf = _ensure(who, case, "devolver")
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise InvalidInput("reason", "Explique el motivo de la devolución.")
    last = session.exec(
        select(Movement)
        .where(
            Movement.expediente_id == case.id,
            Movement.action.in_(("derivar", "devolver")),
            Movement.to_unit_id == case.current_unit_id,
        )
        .order_by(Movement.id.desc())
    ).first()
    back_to = last.from_unit_id if last is not None and last.from_unit_id else None
    if back_to is None:
        back_to = session.exec(select(Unit.id).where(Unit.code == "MP")).first()
    if back_to is None or back_to == case.current_unit_id:
        raise Forbidden("No hay una unidad a la cual devolver este expediente.")
    now = utcnow()
    summaries.left(session, case, now)
    session.add(
        Movement(
            expediente_id=case.id,
            action="devolver",
            from_unit_id=case.current_unit_id,
            to_unit_id=back_to,
            actor_id=who.user.id,
            on_behalf_of_id=on_behalf,
            instructions=reason,
            priority=case.priority,
            due_on=case.current_due_on,
            created_at=now,
        )
    )
    _bump(session, case, version, current_unit_id=back_to, current_user_id=None, awaiting_receipt=True)
    _record(session, who, case, "devolver", on_behalf, {"a": back_to, "motivo": reason})


def _close(
    session: Session,
    who: Principal,
    case: Expediente,
    version: int,
    action: str,
    status: str,
    text: str,
    field: str,
    message: str,
    extra: dict[str, Any] | None = None,
) -> int | None:
    on_behalf = _ensure(who, case, action)
    text = " ".join((text or "").split())
    if len(text) < 5:
        raise InvalidInput(field, message)
    now = utcnow()
    summaries.left(session, case, now)
    session.add(
        Movement(
            expediente_id=case.id,
            action=action,
            from_unit_id=case.current_unit_id,
            actor_id=who.user.id,
            on_behalf_of_id=on_behalf,
            instructions=text[:2000],
            priority=case.priority,
            created_at=now,
        )
    )
    _bump(session, case, version, status=status, closed_at=now, **(extra or {}))
    _record(session, who, case, action, on_behalf, {"motivo": text})
    return on_behalf


def archive(session: Session, *, who: Principal, number: str, version: int, reason: str) -> None:
    case = _load(session, who, number, version)
    _close(session, who, case, version, "archivar", "archivado", reason, "reason", "Explique el motivo del archivo.")


def attend(session: Session, *, who: Principal, number: str, version: int, summary: str) -> None:
    """Mark the case answered (the signed answer document comes with the signing workflow)."""
    case = _load(session, who, number, version)
    _close(session, who, case, version, "atender", "atendido", summary, "summary", "Resuma cómo se atendió el pedido.")


def accumulate(session: Session, *, who: Principal, number: str, version: int, into_number: str) -> None:
    """Join this case to another open case of the same unit (acumulación)."""
    case = _load(session, who, number, version)
    target = session.exec(select(Expediente).where(Expediente.number == (into_number or "").strip().upper())).first()
    if target is None or not can_view(session, who, target):
        raise InvalidInput("into_number", "No encontramos ese expediente en su unidad.")
    if target.id == case.id:
        raise InvalidInput("into_number", "Un expediente no puede acumularse a sí mismo.")
    if target.status not in OPEN or target.current_unit_id != case.current_unit_id:
        raise InvalidInput("into_number", "Solo puede acumular a un expediente en trámite de su misma unidad.")
    on_behalf = _close(
        session,
        who,
        case,
        version,
        "acumular",
        "acumulado",
        f"Acumulado a {target.number}",
        "into_number",
        "",
        {"accumulated_into_id": target.id},
    )
    session.add(
        Movement(
            expediente_id=target.id,
            action="acumulacion",
            from_unit_id=case.current_unit_id,
            actor_id=who.user.id,
            on_behalf_of_id=on_behalf,
            instructions=f"Se le acumuló {case.number}",
            created_at=utcnow(),
        )
    )
    session.execute(
        update(Expediente)
        .where(Expediente.id == target.id)
        .values(version=Expediente.version + 1)
        .execution_options(synchronize_session=False)
    )


def set_priority(session: Session, *, who: Principal, number: str, version: int, priority: str) -> None:
    case = _load(session, who, number, version)
    on_behalf = _ensure(who, case, "prioridad")
    if priority not in PRIORITIES:
        raise InvalidInput("priority", "Elija una prioridad.")
    if priority == case.priority:
        return
    session.add(
        Movement(
            expediente_id=case.id,
            action="prioridad",
            from_unit_id=case.current_unit_id,
            actor_id=who.user.id,
            on_behalf_of_id=on_behalf,
            instructions=f"{PRIORITIES[case.priority]} → {PRIORITIES[priority]}",
            priority=priority,
            created_at=utcnow(),
        )
    )
    _bump(session, case, version, priority=priority)
    _record(session, who, case, "prioridad", on_behalf, {"de": case.priority, "a": priority})


def add_note(session: Session, *, who: Principal, number: str, version: int, text: str) -> None:
    case = _load(session, who, number, version)
    on_behalf = _ensure(who, case, "nota")
    text = (text or "").strip()
    if len(text) < 2:
        raise InvalidInput("note", "Escriba la nota.")
    if len(text) > 4000:
        raise InvalidInput("note", "La nota es demasiado larga (máximo 4000 caracteres).")
    session.add(
        Note(
            expediente_id=case.id,
            author_id=who.user.id,
            on_behalf_of_id=on_behalf,
            unit_id=case.current_unit_id,
            text=text,
            created_at=utcnow(),
        )
    )
    _bump(session, case, version)
    _record(session, who, case, "nota", on_behalf, {"texto": text[:200]})


def add_annex(
    session: Session,
    store: FileStore,
    *,
    who: Principal,
    number: str,
    version: int,
    filename: str,
    data: bytes,
    label: str = "",
) -> Document:
    """Attach a PDF to the case (screened like any upload; the original is stored as is)."""
    case = _load(session, who, number, version)
    on_behalf = _ensure(who, case, "anexo")
    screened = screen_pdf(data, max_bytes=MAX_ANNEX_BYTES, field="annex")
    sha, created = store.put(data)
    try:
        doc = Document(
            expediente_id=case.id,
            kind="anexo",
            role="anexo",
            label=(label or "Anexo")[:200],
            filename=_safe_filename(filename),
            sha256=sha,
            size=screened.size,
            pages=screened.pages,
            author_id=who.user.id,
            created_at=utcnow(),
        )
        session.add(doc)
        session.flush()
        from sgd_app.domain import digitize

        digitize.enqueue(session, doc.id)
        session.add(
            Movement(
                expediente_id=case.id,
                action="anexo",
                from_unit_id=case.current_unit_id,
                actor_id=who.user.id,
                on_behalf_of_id=on_behalf,
                instructions=f"{doc.filename} ({screened.pages} pág.)",
                created_at=utcnow(),
            )
        )
        _bump(session, case, version, folios=case.folios + screened.pages)
        _record(session, who, case, "anexo", on_behalf, {"archivo": doc.filename, "sha256": sha})
        session.flush()
    except BaseException:
        if created:
            store.remove(sha)
        raise
    return doc


# ---------------------------------------------------------------- delegation
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


def revoke_delegation(session: Session, *, who: Principal, delegation_id: int) -> None:
    d = session.get(Delegation, delegation_id)
    if d is None or d.from_user_id != who.user.id:
        raise NotFound("Delegación no encontrada.")
    if d.revoked_at is None:
        d.revoked_at = utcnow()
        session.add(d)
        audit.record(session, actor=who.actor, action="revocar_delegacion", object_type="delegation", object_id=d.id)


def delegations_of(session: Session, who: Principal) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Delegation, User.full_name, Unit.name)
        .join(User, User.id == Delegation.to_user_id)
        .join(Unit, Unit.id == Delegation.unit_id)
        .where(Delegation.from_user_id == who.user.id, Delegation.revoked_at == None)  # noqa: E711
        .order_by(Delegation.starts_on.desc())
    ).all()
    return [
        {"id": d.id, "to": name, "unit": unit, "starts_on": d.starts_on, "ends_on": d.ends_on} for d, name, unit in rows
    ]


def unit_members(session: Session, unit_id: int) -> list[tuple[int, str]]:
    rows = session.exec(
        select(User.id, User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.unit_id == unit_id, Membership.role.in_(ACTING_ROLES), User.active == True)  # noqa: E712
        .distinct()
        .order_by(User.full_name)
    ).all()
    return [(uid, name) for uid, name in rows]


def active_units(session: Session) -> list[Unit]:
    today = today_lima()
    return [
        u
        for u in session.exec(select(Unit).where(Unit.active == True).order_by(Unit.name)).all()  # noqa: E712
        if not (u.valid_to and u.valid_to < today) and not (u.valid_from and u.valid_from > today)
    ]


# ---------------------------------------------------------------- deadlines
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


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    counts: dict[str, int] = field(default_factory=dict)


def _filter_clauses(f: InboxFilters) -> list:
    clauses = []
    if f.procedure_id:
        clauses.append(Expediente.procedure_id == f.procedure_id)
    if f.priority:
        clauses.append(Expediente.priority == f.priority)
    if f.category:
        clauses.append(Expediente.procedure_id.in_(select(Procedure.id).where(Procedure.category == f.category)))
    if f.sender:
        s = f.sender.strip()
        clauses.append(
            Expediente.party_id.in_(select(Party.id).where(or_(Party.doc_number == s, Party.name.ilike(f"{s}%"))))
        )
    if f.date_from:
        clauses.append(Expediente.filed_on >= f.date_from)
    if f.date_to:
        clauses.append(Expediente.filed_on <= f.date_to)
    return clauses


def _tab_where(tab: str, units: list[int], limit_due: date):
    """(from-clause kind, where clauses) of one tab."""
    here = Expediente.current_unit_id.in_(units)
    if tab == "por_recibir":
        return "case", [here, Expediente.status.in_(OPEN), Expediente.awaiting_receipt == True]  # noqa: E712
    if tab == "en_tramite":  # observed cases wait here for the filer, with their clock stopped
        return "case", [here, Expediente.status.in_(OPEN + ("observado",)), Expediente.awaiting_receipt == False]  # noqa: E712
    if tab == "por_vencer":
        return "case", [here, Expediente.status.in_(OPEN), Expediente.current_due_on <= limit_due]
    if tab == "archivados":
        return "case", [here, Expediente.status.in_(FINISHED)]
    if tab == "copias":
        return "move", [Movement.action == "copia", Movement.to_unit_id.in_(units)]
    if tab == "enviados":
        return "move", [Movement.action.in_(("derivar", "devolver")), Movement.from_unit_id.in_(units)]
    raise InvalidInput("tab", "Pestaña desconocida.")


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
                q = select(func.count()).select_from(Expediente).where(*clauses)
            elif extra:
                q = (
                    select(func.count())
                    .select_from(Movement)
                    .join(Expediente, Expediente.id == Movement.expediente_id)
                    .where(*clauses)
                )
            else:  # no case filter: count the route steps alone, straight from their index
                q = select(func.count()).select_from(Movement).where(*clauses)
            counts[t] = int(session.exec(q).one())
    kind, clauses = where_of(tab)
    cols = (
        Expediente.number,
        Procedure.name,
        Procedure.category,
        Party.name,
        Expediente.subject,
        Expediente.received_at,
        Expediente.current_due_on,
        Expediente.status,
        Expediente.priority,
        Expediente.channel,
        Unit.name,
    )
    if kind == "case":
        q = (
            select(*cols, null().label("moved_at"), literal("").label("note"))
            .select_from(Expediente)
            .where(*clauses)
            .order_by(Expediente.current_due_on, Expediente.id)
        )
        if tab == "archivados":
            q = q.order_by(None).order_by(Expediente.closed_at.desc(), Expediente.id.desc())
    else:
        q = (
            select(*cols, Movement.created_at, Movement.instructions)
            .select_from(Movement)
            .join(Expediente, Expediente.id == Movement.expediente_id)
            .where(*clauses)
            .order_by(Movement.created_at.desc(), Movement.id.desc())
        )
    q = (
        q.join(Procedure, Procedure.id == Expediente.procedure_id)
        .join(Party, Party.id == Expediente.party_id)
        .join(Unit, Unit.id == Expediente.current_unit_id)
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
    ) in session.exec(q).all():
        if status == "observado":
            light, label = "gray", "Observado: plazo detenido"
        else:
            light, label = traffic_light(cal, today, due) if status in OPEN else ("gray", STATUSES.get(status, status))
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
                status_label=STATUSES.get(status, status),
                priority=priority,
                channel=channel,
                unit=unit,
                light=light,
                light_label=label,
                moved_at=moved_at if kind == "move" else None,
                note=note if kind == "move" else "",
            )
        )
    total = counts.get(tab) if with_counts else None
    if total is None:
        total = len(rows)
    return InboxPage(rows, total, counts)


def unit_inbox(session: Session, who: Principal, *, page: int = 0, page_size: int = 50) -> InboxPage:
    """Open cases in the user's units (kept for callers of the first, read-only inbox)."""
    units = sorted(set(who.unit_ids) | set(who.delegated))
    if not units:
        return InboxPage([], 0)
    where = (Expediente.current_unit_id.in_(units), Expediente.status.in_(OPEN))
    total = session.exec(select(func.count()).select_from(Expediente).where(*where)).one()
    result = inbox(session, who, tab="en_tramite", page=page, page_size=page_size, with_counts=False)
    pending = inbox(session, who, tab="por_recibir", page=page, page_size=page_size, with_counts=False)
    rows = sorted(pending.rows + result.rows, key=lambda r: (r.due_on or date.max, r.number))[:page_size]
    return InboxPage(rows, int(total))


# ---------------------------------------------------------------- the case page
@dataclass
class CaseView:
    case: Expediente
    procedure: str
    category: str
    filer: dict[str, str]
    unit: str
    assigned_to: str
    light: str
    light_label: str
    days_left: int | None
    documents: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    actions: set[str]
    accumulated_into: str = ""


def case_view(
    session: Session,
    who: Principal,
    number: str,
    *,
    calendar: BusinessCalendar | None = None,
    today: date | None = None,
) -> CaseView:
    case = get_case(session, who, number)
    cal = calendar or load_calendar(session)
    today = today or today_lima()
    proc = session.get(Procedure, case.procedure_id)
    party = session.get(Party, case.party_id)
    names = dict(session.exec(select(User.id, User.full_name)).all())
    units = dict(session.exec(select(Unit.id, Unit.name)).all())
    docs = session.exec(select(Document).where(Document.expediente_id == case.id).order_by(Document.id)).all()
    moves = session.exec(select(Movement).where(Movement.expediente_id == case.id).order_by(Movement.id)).all()
    notes = session.exec(select(Note).where(Note.expediente_id == case.id).order_by(Note.id)).all()
    timeline = []
    for m in moves:
        who_text = names.get(m.actor_id, "Mesa de Partes Virtual" if m.actor_id is None else "")
        if m.on_behalf_of_id:
            who_text += f" (por encargo de {names.get(m.on_behalf_of_id, '')})"
        target = units.get(m.to_unit_id, "") if m.to_unit_id else ""
        if m.to_user_id:
            target += f" — {names.get(m.to_user_id, '')}"
        timeline.append(
            {
                "at": m.created_at,
                "action": m.action,
                "title": ACTION_LABELS.get(m.action, m.action.capitalize()),
                "from": units.get(m.from_unit_id, "") if m.from_unit_id else "",
                "to": target,
                "by": who_text,
                "text": m.instructions,
                "due_on": m.due_on,
                "received_at": m.received_at,
                "received_by": names.get(m.received_by_id, "") if m.received_by_id else "",
            }
        )
    light, label = (
        traffic_light(cal, today, case.current_due_on)
        if case.status in OPEN
        else ("gray", STATUSES.get(case.status, case.status))
    )
    into = session.get(Expediente, case.accumulated_into_id).number if case.accumulated_into_id else ""
    return CaseView(
        case=case,
        procedure=proc.name if proc else "",
        category=proc.category if proc else "",
        filer={
            "name": party.name,
            "doc": f"{party.doc_type} {party.doc_number}",
            "email": party.email,
            "phone": party.phone,
        }
        if party
        else {},
        unit=units.get(case.current_unit_id, ""),
        assigned_to=names.get(case.current_user_id, "") or "",
        light=light,
        light_label=label,
        days_left=cal.business_days_between(today, case.current_due_on) if case.current_due_on else None,
        documents=[
            {
                "id": d.id,
                "label": d.label,
                "filename": d.filename,
                "pages": d.pages,
                "size": d.size,
                "sha256": d.sha256,
                "kind": d.kind,
                "author": names.get(d.author_id, "") if d.author_id else "",
                "created_at": d.created_at,
            }
            for d in docs
        ],
        timeline=timeline,
        notes=[
            {
                "by": names.get(n.author_id, "")
                + (f" (por encargo de {names.get(n.on_behalf_of_id, '')})" if n.on_behalf_of_id else ""),
                "unit": units.get(n.unit_id, ""),
                "text": n.text,
                "at": n.created_at,
            }
            for n in notes
        ],
        actions=allowed_actions(who, case),
        accumulated_into=into,
    )


def document_for(session: Session, who: Principal, document_id: int) -> Document:
    """A document of a case ``who`` may see; NotFound otherwise."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("Documento no encontrado.")
    case = session.get(Expediente, doc.expediente_id)
    if case is None or not can_view(session, who, case):
        raise NotFound("Documento no encontrado.")
    return doc


def expiring_soon(
    session: Session, unit_ids: Sequence[int], *, today: date, calendar: BusinessCalendar, limit: int = 200
) -> list[tuple[str, str, date]]:
    """Open cases of ``unit_ids`` whose step deadline is within one business day (or past)."""
    if not unit_ids:
        return []
    horizon = calendar.add_business_days(today, 1)
    rows = session.exec(
        select(Expediente.number, Procedure.name, Expediente.current_due_on)
        .join(Procedure, Procedure.id == Expediente.procedure_id)
        .where(
            Expediente.current_unit_id.in_(list(unit_ids)),
            Expediente.status.in_(OPEN),
            Expediente.current_due_on <= horizon,
        )
        .order_by(Expediente.current_due_on)
        .limit(limit)
    ).all()
    return [(n, p, d) for n, p, d in rows]


def expiring_soon_by_user(session: Session, *, now: datetime | None = None):
    """(user, [(number, procedure, due text)]) for every active official and head (daily digest)."""
    from sgd_app.domain.calendar import format_date_es

    now = now or utcnow()
    today = now.astimezone(LIMA).date()
    cal = load_calendar(session)
    units_of: dict[int, set[int]] = {}
    for uid, unit_id in session.exec(
        select(Membership.user_id, Membership.unit_id).where(Membership.role.in_(("officer", "head")))
    ).all():
        units_of.setdefault(uid, set()).add(unit_id)
    out = []
    for user in session.exec(select(User).where(User.active == True).order_by(User.id)).all():  # noqa: E712
        rows = expiring_soon(session, sorted(units_of.get(user.id, ())), today=today, calendar=cal)
        if rows:
            out.append((user, [(n, p, format_date_es(d)) for n, p, d in rows]))
    return out
