"""The staff bell: what needs me now. Cases that arrived in my units (or for me) and are not
received yet, drafts of mine a signer returned, cases of my units due today, and the vistos
buenos and firmas waiting for me. Each item links to its case. A read only (nothing is marked
on view); each kind is one indexed query, at most ``limit`` items each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from sgd_app.domain import signing
from sgd_app.domain.auth import Principal
from sgd_app.domain.models import Expediente, InternalDocument, SignatureStep
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import OPEN_STATUSES

KIND_LABELS = {
    "llegado": "Por recibir",
    "devuelto": "Devuelto",
    "vence_hoy": "Vence hoy",
    "por_firmar": "Por firmar",
}


@dataclass(frozen=True)
class BellItem:
    kind: str  # llegado / devuelto / vence_hoy / por_firmar
    number: str  # the case it links to
    text: str


@dataclass(frozen=True)
class Bell:
    count: int
    items: list[BellItem]


@query
def bell(session: Session, who: Principal, *, today: date, limit: int = 8) -> Bell:
    units = sorted(set(who.unit_ids) | set(who.delegated))
    items: list[BellItem] = []
    count = 0
    if units:
        arrived = (
            col(Expediente.current_unit_id).in_(units),
            col(Expediente.status).in_(OPEN_STATUSES),
            col(Expediente.awaiting_receipt) == True,  # noqa: E712
            (col(Expediente.current_user_id).is_(None)) | (col(Expediente.current_user_id) == who.user.id),
        )
        count += session.exec(select(func.count()).select_from(Expediente).where(*arrived)).one()
        for number, subject in session.exec(
            select(col(Expediente.number), col(Expediente.subject))
            .where(*arrived)
            .order_by(col(Expediente.current_due_on))
            .limit(limit)
        ).all():
            items.append(BellItem("llegado", number, f"Llegó {number}: {subject}"))
        due = (
            col(Expediente.current_unit_id).in_(units),
            col(Expediente.status).in_(OPEN_STATUSES),
            col(Expediente.current_due_on) == today,
        )
        count += session.exec(select(func.count()).select_from(Expediente).where(*due)).one()
        for number, subject in session.exec(
            select(col(Expediente.number), col(Expediente.subject))
            .where(*due)
            .order_by(col(Expediente.id))
            .limit(limit)
        ).all():
            items.append(BellItem("vence_hoy", number, f"Vence hoy {number}: {subject}"))
    # drafts of mine a signer returned, until I send them again or discard them
    returned = session.exec(
        select(InternalDocument, SignatureStep, Expediente)
        .join(SignatureStep, col(SignatureStep.internal_document_id) == col(InternalDocument.id))
        .join(Expediente, col(Expediente.id) == col(InternalDocument.expediente_id))
        .where(
            col(InternalDocument.author_id) == who.user.id,
            col(InternalDocument.status) == "borrador",
            col(SignatureStep.status) == "rechazado",
        )
        .order_by(col(SignatureStep.id).desc())
    ).all()
    seen: set[int] = set()
    for doc, step, case in returned:  # newest rejection first: one item per draft
        if doc.id in seen:
            continue
        seen.add(doc.id or 0)
        count += 1
        if len(seen) <= limit:
            why = f": «{step.comment}»" if step.comment else ""
            items.append(BellItem("devuelto", case.number, f"Le devolvieron «{doc.subject}» ({case.number}){why}"))
    pending = signing.pending_for(session, who)
    count += len(pending)
    for step, doc in pending[:limit]:
        of_case = session.get(Expediente, doc.expediente_id)
        what = "Visto bueno" if step.role == "visto_bueno" else "Firma"
        items.append(BellItem("por_firmar", of_case.number if of_case else "", f"{what}: «{doc.subject}»"))
    return Bell(count, items)
