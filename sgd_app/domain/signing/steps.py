"""The way of an issued document to its signatures: vistos buenos, then the firma.

Rules kept here:
- Signatures go in order: every visto bueno of a position before the next position; the firma
  (a head of the issuing unit) last.
- The number (``MEMORANDO N° 0012-2026-DGRS/JNE``) is given, gap-free per unit, type and year,
  at the document's FIRST signature: that act freezes the content, so the number must be in it.
  A document rejected after that keeps its number, marked rejected (never reused).
- Every signature is an incremental PAdES update of the previous revision; the firma files the
  signed PDF into the case.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pikepdf
from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps.api import TimeStamper
from sqlmodel import Session, col, select

from sgd_app.domain import access, audit, digitize, drafting, records
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.models import (
    DocCounter,
    Document,
    Expediente,
    InternalDocument,
    Membership,
    Movement,
    Signature,
    SignatureStep,
    Unit,
    User,
    table_of,
    utcnow,
)
from sgd_app.domain.signing.pades import sign_pdf
from sgd_app.domain.sql import insert_if_absent
from sgd_app.domain.transaction import act, query

ROLE_LABELS = {"visto_bueno": "Visto bueno", "firma": "Firma"}


@act
def send_to_sign(
    session: Session,
    *,
    who: Principal,
    doc_id: int,
    version: int,
    vistos: Sequence[int],
    firmante_id: int,
    parallel: bool = False,
) -> None:
    """Ask for vistos buenos (in order, or all at once when ``parallel``) and then the firma."""
    doc = drafting.own_draft(session, who, doc_id)
    errors = {}
    heads = set(
        session.exec(
            select(Membership.user_id).where(Membership.unit_id == doc.unit_id, Membership.role == "head")
        ).all()
    )
    if firmante_id not in heads:
        errors["firmante"] = "Firma el documento un jefe de la unidad que lo emite."
    vistos = list(dict.fromkeys(vistos))
    case = session.get_one(Expediente, doc.expediente_id)
    allowed = {uid for uid, _ in access.reviewers(session, who, case)}
    if any(v not in allowed for v in vistos):
        errors["vistos"] = (
            "Pida el visto bueno a personas activas con cargo en la unidad, en las unidades superiores "
            "o en las que intervinieron en el expediente."
        )
    if firmante_id in vistos:
        errors["vistos"] = "Quien firma no necesita dar también visto bueno."
    if errors:
        raise InvalidInputs(errors)
    assert doc.id is not None
    for i, uid in enumerate(vistos):
        session.add(
            SignatureStep(internal_document_id=doc.id, signer_id=uid, role="visto_bueno", position=0 if parallel else i)
        )
    session.add(
        SignatureStep(
            internal_document_id=doc.id,
            signer_id=firmante_id,
            role="firma",
            position=1 if parallel and vistos else len(vistos),
        )
    )
    drafting.bump_version(session, doc, version, status="en_firma", updated_at=utcnow())
    audit.record(
        session,
        actor=who.actor,
        action="enviar_a_firma",
        object_type="documento",
        object_id=doc.id,
        data={"vistos": vistos, "firma": firmante_id, "paralelo": parallel},
    )


def steps_of(session: Session, doc_id: int) -> list[SignatureStep]:
    return list(
        session.exec(
            select(SignatureStep)
            .where(col(SignatureStep.internal_document_id) == doc_id)
            .order_by(col(SignatureStep.position), col(SignatureStep.id))
        ).all()
    )


# Steps of an earlier round (the document was returned to its author and sent again): history only.
CLOSED_STEP = ("rechazado", "anulado")


def is_turn(steps: Sequence[SignatureStep], step: SignatureStep) -> bool:
    """A step may sign when every step of an earlier position (of this round) has signed."""
    return step.status == "pendiente" and all(
        s.status == "firmado" for s in steps if s.position < step.position and s.status not in CLOSED_STEP
    )


@query
def pending_for(session: Session, who: Principal) -> list[tuple[SignatureStep, InternalDocument]]:
    """The signatures waiting for ``who`` now (their turn has come), oldest first."""
    rows = session.exec(
        select(SignatureStep, InternalDocument)
        .join(InternalDocument, col(InternalDocument.id) == col(SignatureStep.internal_document_id))
        .where(
            col(SignatureStep.signer_id) == who.user.id,
            col(SignatureStep.status) == "pendiente",
            col(InternalDocument.status) == "en_firma",
        )
        .order_by(col(InternalDocument.updated_at))
    ).all()
    out = []
    for step, doc in rows:
        assert doc.id is not None
        if is_turn(steps_of(session, doc.id), step):
            out.append((step, doc))
    return out


@dataclass(frozen=True)
class PendingSignature:
    """One row of the signing queue (/firma)."""

    step_id: int
    doc_id: int
    title: str  # the document's number, or its type while it has none
    subject: str
    case_number: str
    role: str  # visto_bueno / firma
    author: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


@query
def signing_queue(session: Session, who: Principal) -> list[PendingSignature]:
    """The signatures waiting for ``who`` now, with what the queue shows of each, oldest first."""
    names: dict[int, str] = {}
    rows = []
    for step, doc in pending_for(session, who):
        case = session.get(Expediente, doc.expediente_id)
        if doc.author_id not in names:
            author = session.get(User, doc.author_id)
            names[doc.author_id] = author.full_name if author else ""
        assert step.id is not None and doc.id is not None
        rows.append(
            PendingSignature(
                step_id=step.id,
                doc_id=doc.id,
                title=doc.number or f"{drafting.DOC_TYPES[doc.doc_type]} (número al firmar)",
                subject=doc.subject,
                case_number=case.number if case else "",
                role=step.role,
                author=names[doc.author_id],
            )
        )
    return rows


def check_can_sign(session: Session, who: Principal, step_id: int) -> tuple[SignatureStep, InternalDocument]:
    step = session.get(SignatureStep, step_id)
    if step is None or step.signer_id != who.user.id:
        raise NotFound("No tiene esa firma pendiente.")
    doc = session.get(InternalDocument, step.internal_document_id)
    if doc is None or doc.status != "en_firma":
        raise Conflict("El documento ya no está en firma.")
    records.ensure_open(session, doc.expediente_id)
    if step.status != "pendiente":
        raise Conflict("Esta firma ya se registró.")
    assert doc.id is not None
    if not is_turn(steps_of(session, doc.id), step):
        raise Forbidden("Aún faltan vistos buenos anteriores.")
    return step, doc


def assign_number(session: Session, doc: InternalDocument, institution_short: str) -> str:
    """Give the document its number (first signature), gap-free per unit, type and year."""
    year = utcnow().astimezone(LIMA).year
    table = table_of(DocCounter)
    conn = session.connection()
    row = conn.execute(
        table.update()
        .where(table.c.unit_id == doc.unit_id, table.c.doc_type == doc.doc_type, table.c.year == year)
        .values(last=table.c.last + 1)
        .returning(table.c.last)
    ).first()
    if row is None:  # first document of its kind this year: create the counter row
        insert_if_absent(session, table, {"unit_id": doc.unit_id, "doc_type": doc.doc_type, "year": year, "last": 0})
        return assign_number(session, doc, institution_short)
    seq = int(row[0])
    unit = session.get_one(Unit, doc.unit_id)
    number = drafting.format_doc_number(doc.doc_type, seq, year, unit.code, institution_short)
    doc.year, doc.seq, doc.number = year, seq, number
    doc.signed_at = utcnow()
    session.add(doc)
    return number


@act
def reject(session: Session, *, who: Principal, step_id: int, comment: str) -> None:
    step, doc = check_can_sign(session, who, step_id)
    comment = " ".join((comment or "").split())
    if len(comment) < 5:
        raise InvalidInput("comment", "Explique qué debe corregirse.")
    step.status, step.comment, step.signed_at = "rechazado", comment[:1000], utcnow()
    session.add(step)
    assert doc.id is not None
    returned = not doc.number  # nothing signed yet: the content is not frozen
    if returned:
        # Back to its author as a draft, with the reason; the rest of this round is void.
        for other in steps_of(session, doc.id):
            if other.status == "pendiente":
                other.status = "anulado"
                session.add(other)
        doc.status = "borrador"
    else:
        doc.status = "rechazado"  # keeps its number; a correction replaces it
    doc.updated_at = utcnow()
    doc.version += 1
    session.add(doc)
    audit.record(
        session,
        actor=who.actor,
        action="devolver_borrador" if returned else "rechazar_firma",
        object_type="documento",
        object_id=doc.id,
        data={"paso": step.id, "comentario": comment[:200], "numero": doc.number},
    )


@dataclass(frozen=True)
class ReturnNote:
    """Why a document came back: who returned it, when, and what to correct."""

    by: str
    at: datetime
    comment: str
    role: str  # visto_bueno / firma


@query
def return_note(session: Session, doc_id: int) -> ReturnNote | None:
    """The newest rejection of ``doc_id`` (None if it was never returned)."""
    step = session.exec(
        select(SignatureStep)
        .where(col(SignatureStep.internal_document_id) == doc_id, col(SignatureStep.status) == "rechazado")
        .order_by(col(SignatureStep.id).desc())
    ).first()
    if step is None:
        return None
    user = session.get(User, step.signer_id)
    return ReturnNote(
        by=user.full_name if user else "", at=step.signed_at or utcnow(), comment=step.comment, role=step.role
    )


@dataclass(frozen=True)
class SigningContext:
    """What signing needs from the installation (keys, TSA, URLs), passed in by the caller."""

    signer_for: Callable[[User], Signer]  # cached by the caller: it holds the decrypted key
    timestamper: TimeStamper | None
    verify_url_for: Callable[[str], str]  # verification code -> URL in the stamp's QR code
    institution: str
    institution_short: str
    level: str = "B-T"


@act
def sign_step(
    session: Session, store: FileStore, *, who: Principal, step_id: int, ctx: SigningContext
) -> InternalDocument:
    """Apply one signature (visto bueno or firma) to the document, in the caller's transaction.

    The first signature numbers the document and freezes its content (rendered without the draft
    mark); every signature is an incremental PAdES update of the previous revision, so earlier
    signatures stay valid. The firma files the signed PDF into the case.
    """
    step, doc = check_can_sign(session, who, step_id)
    created: list[str] = []
    try:
        if not doc.number:
            assign_number(session, doc, ctx.institution_short)
            frozen = drafting.render(
                drafting.render_data(
                    session, doc, institution=ctx.institution, institution_short=ctx.institution_short, draft=False
                )
            )
            sha, was_created = store.put(frozen)
            if was_created:
                created.append(sha)
            doc.current_sha256 = sha
        data = store.read(doc.current_sha256)
        reason = ("Visto bueno" if step.role == "visto_bueno" else "Firma") + f" — {doc.number}"
        signer = ctx.signer_for(who.user)
        signed = sign_pdf(
            data,
            signer=signer,
            timestamper=ctx.timestamper,
            level=ctx.level,
            reason=reason,
            signer_name=who.user.full_name,
            verify_url=ctx.verify_url_for(doc.verify_code),
            role=step.role,
        )
        sha, was_created = store.put(signed)
        if was_created:
            created.append(sha)
        now = utcnow()
        step.status, step.signed_at = "firmado", now
        session.add(step)
        doc.current_sha256 = sha
        doc.updated_at = now
        doc.version += 1
        cert = getattr(signer, "signing_cert", None)
        session.add(
            Signature(
                sha256_after=sha,
                internal_document_id=doc.id,
                expediente_id=doc.expediente_id,
                signer_id=who.user.id,
                signer_name=who.user.full_name,
                role=step.role,
                level=ctx.level,
                certificate_serial=str(cert.serial_number) if cert else "",
                signed_at=now,
            )
        )
        if step.role == "firma":
            doc.status = "firmado"
            with pikepdf.open(io.BytesIO(signed)) as pdf:
                pages = len(pdf.pages)
            filed = Document(
                expediente_id=doc.expediente_id,
                kind=doc.doc_type,
                role="emitido",
                label=doc.number,
                filename=f"{doc.number.replace('/', '-').replace(' ', '_')}.pdf",
                sha256=sha,
                size=len(signed),
                pages=pages,
                number=doc.number,
                author_id=doc.author_id,
                signed=True,
                verify_code=doc.verify_code,
                created_at=now,
            )
            session.add(filed)
            session.flush()
            assert filed.id is not None
            digitize.enqueue(session, filed.id)  # its text, for search (a signed PDF is never rewritten)
            doc.document_id = filed.id
            session.add(
                Movement(
                    expediente_id=doc.expediente_id,
                    action="documento",
                    from_unit_id=doc.unit_id,
                    actor_id=who.user.id,
                    instructions=f"{doc.number}: {doc.subject}"[:2000],
                    created_at=now,
                )
            )
        session.add(doc)
        session.flush()
        audit.record(
            session,
            actor=who.actor,
            action="firmar" if step.role == "firma" else "visto_bueno",
            object_type="documento",
            object_id=doc.id,
            data={"numero": doc.number, "sha256": sha, "nivel": ctx.level},
        )
    except BaseException:
        for sha in created:
            store.remove(sha)
        raise
    return doc
