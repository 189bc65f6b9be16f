"""Document templates: the body an officer starts from, per document type (memorando, informe,
oficio, carta, resolución) and optionally per unit — a unit's template wins over the
institution-wide one. Administrators manage them (``sgd_app.domain.admin.templates``); drafting
reads them here.

A template is the body only: the heading (A, DE, ASUNTO, REFERENCIA, FECHA) and the closing
("Atentamente," and the signer) are laid out by the document itself, so a template never repeats
them. Placeholders in braces are filled when the draft is started; unknown ones are refused when
the template is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, col, select

from sgd_app.domain import drafting
from sgd_app.domain.auth import Principal
from sgd_app.domain.models import Expediente, Membership, Party, Unit, User, utcnow
from sgd_app.domain.transaction import query

# placeholder -> what it becomes (shown to the administrator)
PLACEHOLDERS: dict[str, str] = {
    "destinatario": "A quién va dirigido: el administrado que presentó el expediente",
    "referencia": "La referencia: «Expediente» y su número",
    "asunto": "El asunto del expediente",
    "firmante": "Quien firma: el jefe o la jefa de la unidad",
    "cargo": "El cargo de quien firma (por ejemplo, «Jefe(a) de Logística»)",
    "fecha": "La fecha del día en palabras (por ejemplo, «Lima, 2 de diciembre de 2026»)",
    "numero_expediente": "El número del expediente",
}
_BRACED = re.compile(r"\{([^{}]*)\}")
MAX_BODY = 20000


class DocTemplate(SQLModel, table=True):
    """The starting body of a document type, institution-wide (``unit_id`` empty) or for one unit."""

    __tablename__ = "doctemplate"
    __table_args__ = (Index("ix_doctemplate_pick", "doc_type", "active", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    doc_type: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    name: str = Field(max_length=120)
    body: str = ""
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow)


def placeholder_errors(text: str) -> str:
    """A Spanish message naming the unknown or unclosed placeholders of ``text`` ("" when fine)."""
    unknown = sorted({m.strip() for m in _BRACED.findall(text or "") if m.strip() not in PLACEHOLDERS})
    if unknown:
        names = ", ".join("{" + u + "}" for u in unknown)
        known = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
        return f"Marcador desconocido: {names}. Use solo estos: {known}."
    rest = _BRACED.sub("", text or "")
    if "{" in rest or "}" in rest:
        return "Hay una llave sin cerrar: escriba los marcadores así: {asunto}."
    return ""


def fill(text: str, values: dict[str, str]) -> str:
    """The template with every known placeholder replaced (unknown ones left as they are)."""
    return _BRACED.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), text or "")


def pick(session: Session, doc_type: str, unit_id: int | None) -> DocTemplate | None:
    """The active template for a type: the unit's own first, else the institution-wide one."""
    rows = session.exec(
        select(DocTemplate).where(
            col(DocTemplate.doc_type) == doc_type,
            col(DocTemplate.active) == True,  # noqa: E712
            (col(DocTemplate.unit_id) == unit_id) | col(DocTemplate.unit_id).is_(None),
        )
    ).all()
    own = [t for t in rows if t.unit_id is not None and t.unit_id == unit_id]
    general = [t for t in rows if t.unit_id is None]
    best = own or general
    return max(best, key=lambda t: t.id or 0) if best else None


def _signer(session: Session, unit: Unit | None) -> tuple[str, str]:
    """The unit's head (who usually signs) and their post; ("", "") when it has none."""
    if unit is None:
        return "", ""
    head = session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(col(Membership.unit_id) == unit.id, col(Membership.role) == "head", col(User.active) == True)  # noqa: E712
        .order_by(col(User.id))
    ).first()
    return (head.full_name, f"Jefe(a) de {unit.name}") if head else ("", f"Jefe(a) de {unit.name}")


def values_for(session: Session, case: Expediente) -> dict[str, str]:
    unit = session.get(Unit, case.current_unit_id) if case.current_unit_id else None
    party = session.get(Party, case.party_id) if case.party_id else None
    firmante, cargo = _signer(session, unit)
    return {
        "destinatario": party.name if party else "",
        "referencia": f"Expediente {case.number}",
        "asunto": case.subject,
        "firmante": firmante,
        "cargo": cargo,
        "fecha": drafting.date_long_es(drafting.today(), unit.place if unit else "Lima"),
        "numero_expediente": case.number,
    }


@dataclass(frozen=True)
class Prefill:
    body: str
    template_name: str  # "" when no template applies


@query
def draft_prefill(session: Session, who: Principal, case_number: str, doc_type: str) -> Prefill:
    """What the draft form starts with for this case and type: the template of the case's unit
    (or the institution's) with its placeholders filled. Only someone who may draft in the case
    gets it (the same check as ``create_draft``)."""
    case = drafting.case_for_drafting(session, who, case_number)
    if doc_type not in drafting.DOC_TYPES:
        return Prefill("", "")
    tpl = pick(session, doc_type, case.current_unit_id)
    if tpl is None:
        return Prefill("", "")
    return Prefill(fill(tpl.body, values_for(session, case)), tpl.name)


# The demo's institution-wide templates (seed adds them once, when there are none).
DEFAULTS: dict[str, tuple[str, str]] = {
    "memorando": (
        "Memorando estándar",
        "Me dirijo a usted en atención al expediente {numero_expediente}, sobre «{asunto}», presentado por "
        "{destinatario}.\n\nAl respecto, se solicita …\n\nSe agradece atender lo solicitado dentro del plazo.",
    ),
    "informe": (
        "Informe estándar",
        "I. ANTECEDENTES\nEl expediente {numero_expediente}, presentado por {destinatario}, solicita «{asunto}».\n\n"
        "II. ANÁLISIS\n…\n\nIII. CONCLUSIÓN\nPor lo expuesto, se recomienda …",
    ),
    "oficio": (
        "Oficio estándar",
        "Tengo el agrado de dirigirme a usted en relación con su solicitud «{asunto}» (expediente "
        "{numero_expediente}).\n\nAl respecto, le comunicamos que …",
    ),
    "carta": (
        "Carta estándar",
        "Estimado(a) {destinatario}:\n\nEn atención a su solicitud «{asunto}», registrada con el expediente "
        "{numero_expediente}, le informamos que …",
    ),
    "resolucion": (
        "Resolución estándar",
        "VISTO: el expediente {numero_expediente}, presentado por {destinatario}, sobre «{asunto}».\n\n"
        "CONSIDERANDO: …\n\nSE RESUELVE:\nArtículo 1.- …",
    ),
}


def seed_defaults(session: Session) -> int:
    """The institution-wide default templates, when the institution has none yet (returns how many)."""
    if session.exec(select(DocTemplate.id)).first() is not None:
        return 0
    for doc_type, (name, body) in DEFAULTS.items():
        session.add(DocTemplate(doc_type=doc_type, name=name, body=body))
    session.flush()
    return len(DEFAULTS)
