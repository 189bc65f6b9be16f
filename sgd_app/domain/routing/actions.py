"""The routing acts on one case (hoja de ruta): recibir, derivar, devolver, archivar, atender,
acumular, prioridad, notas, anexos.

Each act checks who acts (unit, role, delegation) and the case's status, refuses a stale view
(the version the page showed), writes the route step, the case and an audit event, and owns its
transaction unless a session is passed (see :mod:`sgd_app.domain.transaction`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from sgd_app.domain import digitize, records, summaries
from sgd_app.domain.access import ACTING_ROLES, can_view
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import BusinessCalendar, load_calendar
from sgd_app.domain.documents import MAX_ANNEX_BYTES, FileStore, pdf_filename, screen_pdf
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, InvalidInputs
from sgd_app.domain.models import Document, Expediente, Membership, Movement, Note, Unit, User, utcnow
from sgd_app.domain.routing.rules import DEFAULT_STEP_DAYS, _active_unit, _bump, _ensure, _load, _record, today_lima
from sgd_app.domain.transaction import act
from sgd_app.domain.vocabulary import OPEN_STATUSES, PRIORITY_LABELS, CaseStatus


@act
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
            col(Movement.expediente_id) == case.id,
            col(Movement.action).in_(("derivar", "devolver")),
            col(Movement.to_unit_id) == case.current_unit_id,
        )
        .order_by(col(Movement.id).desc())
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
        status=CaseStatus.EN_TRAMITE if case.status == CaseStatus.REGISTRADO else case.status,
    )
    _record(session, who, case, "recibir", on_behalf, {"unidad": case.current_unit_id})


@act
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
            select(col(Membership.id)).where(
                col(Membership.user_id) == to_user_id,
                col(Membership.unit_id) == target_unit.id,
                col(Membership.role).in_(ACTING_ROLES),
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
    if priority is not None and priority not in PRIORITY_LABELS:
        errors["priority"] = "Elija una prioridad."
    if due_days is not None and not 1 <= int(due_days) <= 60:
        errors["due_days"] = "El plazo debe estar entre 1 y 60 días hábiles."
    if errors:
        raise InvalidInputs(errors)
    assert target_unit is not None  # _active_unit raised otherwise
    cal = calendar or load_calendar(session)
    step_due = cal.add_business_days(today_lima(), int(due_days or DEFAULT_STEP_DAYS))
    current_due = min(step_due, case.due_on)
    priority = priority or case.priority
    now = utcnow()
    from_unit = case.current_unit_id
    summaries.left(session, case, now)
    assert case.id is not None
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


@act
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
            col(Movement.expediente_id) == case.id,
            col(Movement.action).in_(("derivar", "devolver")),
            col(Movement.to_unit_id) == case.current_unit_id,
        )
        .order_by(col(Movement.id).desc())
    ).first()
    back_to = last.from_unit_id if last is not None and last.from_unit_id else None
    if back_to is None:
        back_to = session.exec(select(Unit.id).where(Unit.code == "MP")).first()
    if back_to is None or back_to == case.current_unit_id:
        raise Forbidden("No hay una unidad a la cual devolver este expediente.")
    now = utcnow()
    summaries.left(session, case, now)
    assert case.id is not None
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
    assert case.id is not None
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
    data: dict[str, Any] = {"motivo": text}
    if status in (CaseStatus.ATENDIDO, CaseStatus.ARCHIVADO):  # the record is closed: its file freezes
        data["indice_version"] = records.close_file(session, case, actor=who.actor).version
    _record(session, who, case, action, on_behalf, data)
    return on_behalf


@act
def archive(session: Session, *, who: Principal, number: str, version: int, reason: str) -> None:
    case = _load(session, who, number, version)
    _close(
        session,
        who,
        case,
        version,
        "archivar",
        CaseStatus.ARCHIVADO,
        reason,
        "reason",
        "Explique el motivo del archivo.",
    )


@act
def attend(session: Session, *, who: Principal, number: str, version: int, summary: str) -> None:
    """Mark the case answered (the signed answer document comes with the signing workflow)."""
    case = _load(session, who, number, version)
    _close(
        session,
        who,
        case,
        version,
        "atender",
        CaseStatus.ATENDIDO,
        summary,
        "summary",
        "Resuma cómo se atendió el pedido.",
    )


@act
def accumulate(session: Session, *, who: Principal, number: str, version: int, into_number: str) -> None:
    """Join this case to another open case of the same unit (acumulación). The actor's right to
    accumulate this case is checked before the target is looked up: a caller without it gets the
    same refusal whether or not ``into_number`` exists."""
    case = _load(session, who, number, version)
    _ensure(who, case, "acumular")
    target = session.exec(select(Expediente).where(Expediente.number == (into_number or "").strip().upper())).first()
    if target is None or not can_view(session, who, target):
        raise InvalidInput("into_number", "No encontramos ese expediente en su unidad.")
    if target.id == case.id:
        raise InvalidInput("into_number", "Un expediente no puede acumularse a sí mismo.")
    if target.status not in OPEN_STATUSES or target.current_unit_id != case.current_unit_id:
        raise InvalidInput("into_number", "Solo puede acumular a un expediente en trámite de su misma unidad.")
    on_behalf = _close(
        session,
        who,
        case,
        version,
        "acumular",
        CaseStatus.ACUMULADO,
        f"Acumulado a {target.number}",
        "into_number",
        "",
        {"accumulated_into_id": target.id},
    )
    assert target.id is not None
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
        .where(col(Expediente.id) == target.id)
        .values(version=col(Expediente.version) + 1)
        .execution_options(synchronize_session=False)
    )


@act
def set_priority(session: Session, *, who: Principal, number: str, version: int, priority: str) -> None:
    case = _load(session, who, number, version)
    on_behalf = _ensure(who, case, "prioridad")
    if priority not in PRIORITY_LABELS:
        raise InvalidInput("priority", "Elija una prioridad.")
    if priority == case.priority:
        return
    assert case.id is not None
    session.add(
        Movement(
            expediente_id=case.id,
            action="prioridad",
            from_unit_id=case.current_unit_id,
            actor_id=who.user.id,
            on_behalf_of_id=on_behalf,
            instructions=f"{PRIORITY_LABELS[case.priority]} → {PRIORITY_LABELS[priority]}",
            priority=priority,
            created_at=utcnow(),
        )
    )
    _bump(session, case, version, priority=priority)
    _record(session, who, case, "prioridad", on_behalf, {"de": case.priority, "a": priority})


@act
def add_note(session: Session, *, who: Principal, number: str, version: int, text: str) -> None:
    case = _load(session, who, number, version)
    on_behalf = _ensure(who, case, "nota")
    text = (text or "").strip()
    if len(text) < 2:
        raise InvalidInput("note", "Escriba la nota.")
    if len(text) > 4000:
        raise InvalidInput("note", "La nota es demasiado larga (máximo 4000 caracteres).")
    assert case.id is not None and who.user.id is not None
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


@act
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
    records.ensure_open(session, case)
    screened = screen_pdf(data, max_bytes=MAX_ANNEX_BYTES, field="annex")
    sha, created = store.put(data)
    try:
        assert case.id is not None
        doc = Document(
            expediente_id=case.id,
            kind="anexo",
            role="anexo",
            label=(label or "Anexo")[:200],
            filename=pdf_filename(filename),
            sha256=sha,
            size=screened.size,
            pages=screened.pages,
            author_id=who.user.id,
            created_at=utcnow(),
        )
        session.add(doc)
        session.flush()
        assert doc.id is not None
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


REOPENABLE = (CaseStatus.ATENDIDO, CaseStatus.ARCHIVADO)


@act
def reopen(session: Session, *, who: Principal, number: str, version: int, reason: str) -> None:
    """A head of the unit that closed the case reopens it, with the reason (recorded in the route
    and the audit trail): its electronic file unfreezes; closing it again makes a new index."""
    case = _load(session, who, number, version)
    if case.status not in REOPENABLE:
        raise Forbidden("Solo se reabre un expediente atendido o archivado.")
    if "head" not in who.roles_in(case.current_unit_id):
        raise Forbidden("Solo un jefe de la unidad que cerró el expediente puede reabrirlo.")
    assert case.id is not None
    if records.retention.stage_of(session, case.id) != "gestion":
        raise Forbidden(records.retention.IN_CUSTODY)
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise InvalidInput("reason", "Explique el motivo de la reapertura (mínimo 10 caracteres).")
    assert case.id is not None
    previous = case.status
    session.add(
        Movement(
            expediente_id=case.id,
            action="reabrir",
            from_unit_id=case.current_unit_id,
            to_unit_id=case.current_unit_id,
            actor_id=who.user.id,
            instructions=reason[:2000],
            priority=case.priority,
            created_at=utcnow(),
        )
    )
    _bump(session, case, version, status=CaseStatus.EN_TRAMITE, closed_at=None, awaiting_receipt=False)
    records.reopen_file(session, case)
    _record(session, who, case, "reabrir", None, {"motivo": reason, "estado_anterior": previous})
