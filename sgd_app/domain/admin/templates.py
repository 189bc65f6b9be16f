"""Document templates: administrators create, edit, deactivate and reactivate them, per document
type and optionally per unit (the unit's wins over the institution-wide one when drafting)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain.admin.common import as_int, clean_text, ensure_admin, raise_errors, record
from sgd_app.domain.auth import Principal
from sgd_app.domain.doc_templates import MAX_BODY, DocTemplate, placeholder_errors
from sgd_app.domain.drafting import DOC_TYPES
from sgd_app.domain.errors import NotFound
from sgd_app.domain.models import Unit, utcnow
from sgd_app.domain.transaction import act, query

_HEADING = re.compile(r"^\s*(referencia|ref\.|asunto|fecha)\s*:", re.IGNORECASE | re.MULTILINE)
_CLOSING = re.compile(r"^\s*(atentamente|cordialmente|atte\.?)\s*[,.]?\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class TemplateRow:
    template: DocTemplate
    unit: Unit | None


@query
def list_templates(session: Session, *, actor: Principal) -> list[TemplateRow]:
    ensure_admin(actor, "ver las plantillas")
    rows = session.exec(
        select(DocTemplate, Unit)
        .join(Unit, col(Unit.id) == col(DocTemplate.unit_id), isouter=True)
        .order_by(col(DocTemplate.doc_type), col(Unit.name), col(DocTemplate.id))
    ).all()
    out = [TemplateRow(t, u) for t, u in rows]
    for r in out:
        session.expunge(r.template)
        if r.unit is not None:
            session.expunge(r.unit)
    return out


def _validate(session: Session, form: dict[str, Any], *, keep_id: int | None, clash: bool = True) -> dict[str, Any]:
    errors: dict[str, str] = {}
    doc_type = clean_text(form.get("doc_type"))
    if doc_type not in DOC_TYPES:
        errors["doc_type"] = "Elija el tipo de documento."
    unit_raw = clean_text(form.get("unit_id"))
    unit_id = as_int(unit_raw) if unit_raw else None
    if unit_raw and (unit_id is None or session.get(Unit, unit_id) is None):
        errors["unit_id"] = "Elija una unidad de la lista, o «Toda la institución»."
    name = " ".join(clean_text(form.get("name")).split())
    if len(name) < 3:
        errors["name"] = "Escriba un nombre para la plantilla (mínimo 3 caracteres)."
    elif len(name) > 120:
        errors["name"] = "El nombre puede tener como máximo 120 caracteres."
    body = clean_text(form.get("body")).replace("\r\n", "\n")
    if len(body) < 10:
        errors["body"] = "Escriba el texto de la plantilla (mínimo 10 caracteres)."
    elif len(body) > MAX_BODY:
        errors["body"] = "El texto es demasiado largo (máximo 20 000 caracteres)."
    elif msg := placeholder_errors(body):
        errors["body"] = msg
    elif _HEADING.search(body):
        errors["body"] = (
            "No escriba la referencia, el asunto ni la fecha en el texto: el documento ya los pone en su "
            "encabezado. Use los marcadores, por ejemplo {referencia}, dentro de una frase."
        )
    elif _CLOSING.search(body):
        errors["body"] = "No escriba el cierre («Atentamente,»): el documento lo pone, con el nombre de quien firma."
    if not errors and clash:
        other = session.exec(
            select(DocTemplate.id).where(
                col(DocTemplate.doc_type) == doc_type,
                col(DocTemplate.active) == True,  # noqa: E712
                col(DocTemplate.unit_id).is_(None) if unit_id is None else col(DocTemplate.unit_id) == unit_id,
                col(DocTemplate.id) != (keep_id or 0),
            )
        ).first()
        if other is not None:
            where = "toda la institución" if unit_id is None else "esa unidad"
            errors["doc_type"] = (
                f"Ya hay una plantilla activa de {DOC_TYPES[doc_type].lower()} para {where}: edítela o desactívela primero."
            )
    raise_errors(errors)
    return {"doc_type": doc_type, "unit_id": unit_id, "name": name, "body": body}


@act
def create_template(session: Session, *, actor: Principal, form: dict[str, Any]) -> DocTemplate:
    ensure_admin(actor, "crear plantillas")
    values = _validate(session, form, keep_id=None)
    tpl = DocTemplate(**values)
    session.add(tpl)
    session.flush()
    record(session, actor, "crear_plantilla", "plantilla", tpl.id, {k: v for k, v in values.items() if k != "body"})
    return tpl


@act
def update_template(session: Session, *, actor: Principal, template_id: int, form: dict[str, Any]) -> DocTemplate:
    ensure_admin(actor, "editar plantillas")
    tpl = session.get(DocTemplate, template_id)
    if tpl is None:
        raise NotFound("Plantilla no encontrada.")
    values = _validate(session, form, keep_id=tpl.id, clash=tpl.active)  # an inactive one stays inactive
    for k, v in values.items():
        setattr(tpl, k, v)
    tpl.updated_at = utcnow()
    session.add(tpl)
    session.flush()
    record(session, actor, "editar_plantilla", "plantilla", tpl.id, {k: v for k, v in values.items() if k != "body"})
    return tpl


@act
def set_template_active(session: Session, *, actor: Principal, template_id: int, active: bool) -> DocTemplate:
    ensure_admin(actor, "activar o desactivar plantillas")
    tpl = session.get(DocTemplate, template_id)
    if tpl is None:
        raise NotFound("Plantilla no encontrada.")
    if active and not tpl.active:
        _validate(
            session,
            {"doc_type": tpl.doc_type, "unit_id": tpl.unit_id or "", "name": tpl.name, "body": tpl.body},
            keep_id=tpl.id,
        )
    tpl.active = active
    tpl.updated_at = utcnow()
    session.add(tpl)
    session.flush()
    record(session, actor, "activar_plantilla" if active else "desactivar_plantilla", "plantilla", tpl.id, {})
    return tpl


@query
def template_to_edit(session: Session, *, actor: Principal, template_id: int) -> DocTemplate:
    ensure_admin(actor, "editar plantillas")
    tpl = session.get(DocTemplate, template_id)
    if tpl is None:
        raise NotFound("Plantilla no encontrada.")
    session.expunge(tpl)
    return tpl
