"""What the case page shows: header, deadline, documents, route timeline, notes and the actions
the viewer may take."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain.access import allowed_actions, get_case
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import BusinessCalendar, load_calendar
from sgd_app.domain.models import Document, Expediente, Movement, Note, Party, Procedure, Unit, User
from sgd_app.domain.routing.inbox import traffic_light
from sgd_app.domain.routing.rules import today_lima
from sgd_app.domain.routing.signature_trail import merged, trail_entries
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import OPEN_STATUSES, STATUS_LABELS

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
    "reclasificar": "Procedimiento corregido por mesa de partes",
    "interop_envio": "Enviado a otra entidad",
    "interop_acuse": "Acuse de recibo de la entidad",
    "interop_registro": "Registrado por la entidad destinataria",
    "interop_rechazo": "Rechazado por la entidad destinataria",
    "interop_recepcion": "Recibido por interoperabilidad",
    "reabrir": "Reabierto",
}


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
    fields: list[tuple[str, str]] = field(default_factory=list)  # (label, value) of the procedure's own data


def _humane(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def labelled_fields(definitions: list[dict[str, Any]] | None, values: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The procedure's own data of a case as a person reads it: each value under the label the
    form asked it with, in the form's order; a value whose field left the catalogue keeps its
    key, capitalised. Empty values are left out."""
    values = {k: str(v) for k, v in (values or {}).items() if v not in (None, "")}
    out = []
    for d in definitions or []:
        name = str(d.get("name", ""))
        if name in values:
            out.append((str(d.get("label") or _humane(name)), values.pop(name)))
    out.extend((_humane(k), v) for k, v in values.items())
    return out


@query
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
    docs = session.exec(select(Document).where(col(Document.expediente_id) == case.id).order_by(col(Document.id))).all()
    moves = session.exec(
        select(Movement).where(col(Movement.expediente_id) == case.id).order_by(col(Movement.id))
    ).all()
    notes = session.exec(select(Note).where(col(Note.expediente_id) == case.id).order_by(col(Note.id))).all()
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
    assert case.id is not None
    timeline = merged(timeline, trail_entries(session, case.id, units))  # vistos buenos and firmas too
    light, label = (
        traffic_light(cal, today, case.current_due_on)
        if case.status in OPEN_STATUSES
        else ("gray", STATUS_LABELS.get(case.status, case.status))
    )
    into = session.get_one(Expediente, case.accumulated_into_id).number if case.accumulated_into_id else ""
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
        fields=labelled_fields(proc.fields if proc else None, case.fields),
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
