"""The vistos buenos and firmas of a case's issued documents as entries of its hoja de ruta:
"Visto bueno de …", "Firmado por …", "Devuelto por …", each with the signer's post, the time and
the document. The case page and the printed hoja de ruta show the same entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain.calendar import format_datetime_es
from sgd_app.domain.models import InternalDocument, Membership, SignatureStep, Unit, User
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import ROLE_LABELS

POSTS = ("head", "manager", "officer", "clerk")  # the post shown beside a signer's name, by rank
DOC_TYPE_LABELS = {
    "memorando": "Memorando",
    "informe": "Informe",
    "oficio": "Oficio",
    "carta": "Carta",
    "resolucion": "Resolución",
}


def as_utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def step_title(role: str, status: str, name: str) -> str:
    """What the trail calls a step that was acted on: a visto bueno is never "Firmado"."""
    if status == "rechazado":
        return f"Devuelto por {name}"
    return f"Visto bueno de {name}" if role == "visto_bueno" else f"Firmado por {name}"


def signer_posts(session: Session, user_ids: set[int], unit_ids: set[int]) -> dict[tuple[int, int], str]:
    """(user, unit of the document) -> "Jefe(a), Logística": their post in that unit when they
    hold one there, else their highest post anywhere."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(col(Membership.user_id), col(Membership.unit_id), col(Membership.role), col(Unit.name))
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .where(col(Membership.user_id).in_(sorted(user_ids)), col(Membership.role).in_(POSTS))
    ).all()
    rank = {r: i for i, r in enumerate(POSTS)}
    out: dict[tuple[int, int], str] = {}
    for uid in user_ids:
        mine = sorted((r for r in rows if r[0] == uid), key=lambda r: rank[r[2]])
        for unit_id in unit_ids:
            here = [r for r in mine if r[1] == unit_id] or mine
            if here:
                out[(uid, unit_id)] = f"{ROLE_LABELS.get(here[0][2], here[0][2])}, {here[0][3]}"
    return out


def document_title(doc: InternalDocument) -> str:
    return doc.number or f"{DOC_TYPE_LABELS.get(doc.doc_type, doc.doc_type.capitalize())} (borrador)"


def signature_rows(session: Session, case_id: int) -> list[dict[str, Any]]:
    """Every signature step of the case's issued documents that is not void (anulado), in the
    order of the round: document, role, signer, post, status, time, comment."""
    pairs = session.exec(
        select(SignatureStep, InternalDocument)
        .join(InternalDocument, col(InternalDocument.id) == col(SignatureStep.internal_document_id))
        .where(col(InternalDocument.expediente_id) == case_id, col(SignatureStep.status) != "anulado")
        # A round's steps are created in its order (vistos buenos, then the firma): by id, rounds
        # of a returned draft never interleave.
        .order_by(col(InternalDocument.id), col(SignatureStep.id))
    ).all()
    user_ids = {s.signer_id for s, _ in pairs}
    names = dict(
        session.exec(select(col(User.id), col(User.full_name)).where(col(User.id).in_(sorted(user_ids)))).all()
    )
    posts = signer_posts(session, user_ids, {d.unit_id for _, d in pairs})
    return [
        {
            "doc_id": d.id,
            "document": document_title(d),
            "subject": d.subject,
            "role": s.role,
            "role_label": "Visto bueno" if s.role == "visto_bueno" else "Firma",
            "signer": names.get(s.signer_id, ""),
            "post": posts.get((s.signer_id, d.unit_id), ""),
            "status": s.status,
            "at": s.signed_at,
            "comment": s.comment,
            "unit_id": d.unit_id,
        }
        for s, d in pairs
    ]


def trail_entries(session: Session, case_id: int, units: dict[int | None, str]) -> list[dict[str, Any]]:
    """The acted-on steps as hoja de ruta entries (the shape of ``case_view``'s timeline)."""
    out = []
    for r in signature_rows(session, case_id):
        if r["status"] not in ("firmado", "rechazado") or r["at"] is None:
            continue
        text = f"{r['document']}: {r['subject']}"
        if r["status"] == "rechazado" and r["comment"]:
            text += f" — Motivo: {r['comment']}"
        out.append(
            {
                "at": r["at"],
                "action": "visto_bueno" if r["role"] == "visto_bueno" else "firma",
                "title": step_title(r["role"], r["status"], r["signer"]),
                "from": units.get(r["unit_id"], ""),
                "to": "",
                "by": r["signer"] + (f" — {r['post']}" if r["post"] else ""),
                "text": text[:2000],
                "due_on": None,
                "received_at": None,
                "received_by": "",
            }
        )
    return out


def merged(moves: list[dict[str, Any]], signatures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The signature entries put among the movements by time; the movements keep their own order
    (the trail's, by id). At the same instant the signature goes first (the firma files the
    document: "Firmado por" before "Documento emitido")."""
    pending = sorted(signatures, key=lambda e: as_utc(e["at"]))
    out: list[dict[str, Any]] = []
    for move in moves:
        while pending and as_utc(pending[0]["at"]) <= as_utc(move["at"]):
            out.append(pending.pop(0))
        out.append(move)
    return out + pending


def _when(dt: datetime | None) -> str:
    return format_datetime_es(dt)[:16] if dt else ""


STEP_STATUS = {"firmado": "dado", "pendiente": "pendiente", "rechazado": "devuelto"}


@query
def round_summaries(session: Session, case_id: int) -> dict[int, str]:
    """Per issued document of the case, its current round in order, as the case page shows it:
    "1.º visto bueno: Miguel Flores Rojas (dado 02/12/2026 13:37) · 2.º visto bueno: Elena Ríos
    Medina (pendiente) · Firma: Ana Torres Delgado (pendiente)". Earlier rounds (a returned
    draft) are left out: only the steps after the last return count."""
    by_doc: dict[int, list[dict[str, Any]]] = {}
    for r in signature_rows(session, case_id):
        steps = by_doc.setdefault(r["doc_id"], [])
        if steps and steps[-1]["status"] == "rechazado":
            steps.clear()  # a new round after the document came back
        steps.append(r)
    out = {}
    for doc_id, steps in by_doc.items():
        parts, n = [], 0
        for r in steps:
            if r["role"] == "visto_bueno":
                n += 1
                label = f"{n}.º visto bueno"
            else:
                label = "Firma"
            state = STEP_STATUS.get(r["status"], r["status"])
            if r["at"] and r["status"] != "pendiente":
                state += f" {_when(r['at'])}"
            parts.append(f"{label}: {r['signer']} ({state})")
        out[doc_id] = " · ".join(parts)
    return out
