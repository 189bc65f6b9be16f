"""Sending a case's signed documents to another entity, and keeping its answer.

``send_to_entity`` is the one act (UI, API and CLI call it): it takes the CUO, builds and signs
the manifest, and writes the outbox row, the case's "Enviado a <entidad>" step and the audit event
in ONE transaction. The worker (``delivery``) delivers the outbox; ``record_answer`` keeps what
the addressee answered: the acknowledgement, then "Registrado como EXP-… en <entidad>" (with the
addressee's sealed receipt filed in the case) or "Rechazado por <entidad>" with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from sgd_app import settings
from sgd_app.domain import audit, records
from sgd_app.domain.access import get_case
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, format_datetime_es
from sgd_app.domain.documents import FileStore, screen_pdf
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.interop import manifest
from sgd_app.domain.interop.tables import InteropEntity, InteropReceipt, InteropSend
from sgd_app.domain.models import Document, Expediente, Movement, Signature, pk, utcnow
from sgd_app.domain.routing import _bump, _ensure, _load
from sgd_app.domain.transaction import act, query

QUEUED, REGISTERED, REJECTED, FAILED = "en_cola", "registrado", "rechazado", "fallido"
STATUS_LABELS = {
    QUEUED: "En cola de envío",
    REGISTERED: "Registrado por la entidad",
    REJECTED: "Rechazado por la entidad",
    FAILED: "No se pudo entregar",
}
# Steps of the hoja de ruta (Movement.action): their titles are in routing.ACTION_LABELS.
SENT, ACKNOWLEDGED, CONFIRMED, REFUSED, RECEIVED = (
    "interop_envio",
    "interop_acuse",
    "interop_registro",
    "interop_rechazo",
    "interop_recepcion",
)
RECEIPT_KIND = "cargo_entidad"  # the addressee's sealed receipt, filed in the sender's case
RECEIPT_OUTSIDE = "el expediente ya estaba cerrado: el cargo se conserva con el envío, fuera del expediente archivado"


def _level(session: Session, sha: str) -> str:
    sig = session.exec(
        select(Signature).where(col(Signature.sha256_after) == sha).order_by(col(Signature.id).desc())
    ).first()
    return sig.level if sig else ""


def _documents(session: Session, case: Expediente, document_ids: Sequence[int]) -> list[Document]:
    ids = list(dict.fromkeys(int(i) for i in document_ids))
    if not ids:
        raise InvalidInput("documents", "Elija al menos un documento firmado para enviar.")
    if len(ids) > manifest.MAX_DOCUMENTS:
        raise InvalidInput("documents", f"Puede enviar como máximo {manifest.MAX_DOCUMENTS} documentos.")
    rows = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_(ids))).all()}
    docs = [rows[i] for i in ids if i in rows and rows[i].expediente_id == case.id]
    if len(docs) != len(ids):
        raise InvalidInput("documents", "Alguno de los documentos no es de este expediente.")
    if not docs[0].signed:
        raise InvalidInput("documents", "El documento principal debe estar firmado digitalmente.")
    if any(not d.signed and d.kind != "anexo" for d in docs[1:]):
        raise InvalidInput("documents", "Solo se envían documentos firmados y sus anexos.")
    return docs


@act
def send_to_entity(
    session: Session,
    *,
    who: Principal,
    number: str,
    version: int,
    entity_ruc: str,
    document_ids: Sequence[int],
    subject: str,
    note: str = "",
    now: datetime | None = None,
) -> InteropSend:
    """Queue the package (outbox) and record the step in the case, in one transaction."""
    case = _load(session, who, number, version)
    _ensure(who, case, "derivar")
    entity = session.exec(select(InteropEntity).where(col(InteropEntity.ruc) == (entity_ruc or "").strip())).first()
    if entity is None or not entity.active:
        raise InvalidInput("entity", "Elija una entidad activa del directorio.")
    if entity.ruc == settings.INSTITUTION_RUC:
        raise InvalidInput("entity", "No puede enviarse documentos a sí misma.")
    subject = " ".join((subject or "").split())
    if not 3 <= len(subject) <= 500:
        raise InvalidInput("subject", "Escriba el asunto del envío (de 3 a 500 caracteres).")
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput("note", "La nota es demasiado larga (máximo 2000 caracteres).")
    docs = _documents(session, case, document_ids)
    at = now or utcnow()
    cuo = manifest.next_cuo(session, ruc=settings.INSTITUTION_RUC, year=at.astimezone(LIMA).year)
    body = manifest.build_manifest(
        cuo=cuo,
        sender=(settings.INSTITUTION_RUC, settings.INSTITUTION_NAME),
        addressee=(entity.ruc, entity.name),
        case_number=case.number,
        subject=subject,
        note=note,
        documents=[
            manifest.ManifestDocument(
                order=i,
                role="principal" if i == 1 else "anexo",
                name=d.filename,
                kind=d.kind,
                sha256=d.sha256,
                size=d.size,
                pages=d.pages,
                signed=d.signed,
                signature_level=_level(session, d.sha256) if d.signed else "",
            )
            for i, d in enumerate(docs, 1)
        ],
        created_at=at.isoformat(),
    )
    assert case.id is not None and entity.id is not None
    send = InteropSend(
        cuo=cuo,
        expediente_id=case.id,
        entity_id=entity.id,
        subject=subject,
        note=note,
        document_ids=" ".join(str(d.id) for d in docs),
        manifest=manifest.sign(body, typ=manifest.MANIFEST_TYP),
        status=QUEUED,
        next_attempt_at=at,
        sent_by_id=who.user.id,
        created_at=at,
    )
    session.add(send)
    _step(session, case, SENT, f"A {entity.name} (RUC {entity.ruc}) — CUO {cuo}: {subject}", at, who.user.id)
    _bump(session, case, version)
    audit.record(
        session,
        actor=who.actor,
        action="interop_enviar",
        object_type="expediente",
        object_id=case.number,
        data={"cuo": cuo, "entidad": entity.ruc, "documentos": [[d.filename, d.sha256] for d in docs]},
        at=at,
    )
    session.flush()
    return send


def _step(session: Session, case: Expediente, action: str, text: str, at: datetime, actor_id: int | None) -> None:
    assert case.id is not None
    session.add(
        Movement(
            expediente_id=case.id,
            action=action,
            from_unit_id=case.current_unit_id,
            actor_id=actor_id,
            instructions=text[:2000],
            created_at=at,
        )
    )


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones (exponential, capped)."""
    seconds = settings.INTEROP_RETRY_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.INTEROP_RETRY_MAX_SECONDS))


@query
def due(session: Session, *, now: datetime, limit: int = 20) -> list[int]:
    """The outbox rows whose (next) delivery attempt is due, oldest first."""
    rows = session.exec(
        select(pk(InteropSend))
        .where(col(InteropSend.status) == QUEUED, col(InteropSend.next_attempt_at) <= now)
        .order_by(col(InteropSend.next_attempt_at), col(InteropSend.id))
        .limit(limit)
    ).all()
    return list(rows)


@act
def claim(session: Session, send_id: int, *, now: datetime, lease: timedelta) -> InteropSend | None:
    """Take one due row for delivery (the next attempt moved ``lease`` ahead, so another worker
    does not take it meanwhile; a crash leaves it to be retried then)."""
    send = session.get(InteropSend, send_id, with_for_update=True)
    if send is None or send.status != QUEUED or send.next_attempt_at is None or _aware(send.next_attempt_at) > now:
        return None
    send.next_attempt_at = now + lease
    send.attempts += 1
    session.add(send)
    session.flush()
    session.expunge(send)
    return send


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@query
def package(session: Session, send_id: int) -> tuple[InteropSend, InteropEntity, list[tuple[str, bytes]]]:
    """The row, its addressee and the files (name, bytes, byte for byte as stored) in order."""
    send = session.get_one(InteropSend, send_id)
    entity = session.get_one(InteropEntity, send.entity_id)
    store = FileStore(settings.files_dir())
    files = []
    for doc_id in send.document_ids.split():
        doc = session.get_one(Document, int(doc_id))
        files.append((doc.filename, store.read(doc.sha256)))
    session.expunge_all()
    return send, entity, files


@act
def record_failure(session: Session, send_id: int, *, error: str, now: datetime) -> str:
    """A delivery that did not get an answer: retried after the backoff, or given up."""
    send = session.get_one(InteropSend, send_id, with_for_update=True)
    if send.status != QUEUED:
        return send.status
    send.last_error = error[:500]
    if send.attempts >= settings.INTEROP_MAX_ATTEMPTS:
        send.status = FAILED
        case = session.get_one(Expediente, send.expediente_id)
        _step(session, case, REFUSED, f"No se pudo entregar a la entidad (CUO {send.cuo}): {error}"[:2000], now, None)
        audit.record(session, actor="sistema", action="interop_fallido", object_type="expediente",
                     object_id=case.number, data={"cuo": send.cuo, "error": error[:300]})  # fmt: skip
    else:
        send.next_attempt_at = now + backoff(send.attempts)
    session.add(send)
    return send.status


def _received_text(answer: dict[str, Any]) -> str:
    """When the addressee says it received the package, as the trail shows dates (Lima time);
    a value that is not an ISO timestamp is shown as it came."""
    raw = str((answer.get("acuse") or {}).get("recibido", ""))
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return raw[:40]
    return format_datetime_es(when if when.tzinfo else when.replace(tzinfo=UTC))


@act
def record_answer(
    session: Session, send_id: int, *, token: str, receipt: bytes | None, now: datetime | None = None
) -> InteropSend:
    """Keep the addressee's answer (a JWS it signed, verified with its key in the directory): the
    acknowledgement and the confirmation (its receipt filed in the case) or the rejection."""
    at = now or utcnow()
    send = session.get_one(InteropSend, send_id, with_for_update=True)
    if send.status in (REGISTERED, REJECTED):
        return send  # answered already (a concurrent delivery): the same answer
    entity = session.get_one(InteropEntity, send.entity_id)
    data = manifest.verify(token, entity.public_jwk, typ=manifest.ANSWER_TYP, code="respuesta_invalida",
                           what="acuse")  # fmt: skip
    if data.get("cuo") != send.cuo or (data.get("receptor") or {}).get("ruc") != entity.ruc:
        raise manifest.MessageError("respuesta_invalida", "La respuesta no corresponde a este envío.")
    case = session.get_one(Expediente, send.expediente_id)
    _step(
        session, case, ACKNOWLEDGED, f"{entity.name} acusó recibo (CUO {send.cuo}) el {_received_text(data)}", at, None
    )
    send.answer, send.answered_at = token, at
    if data.get("estado") == REGISTERED:
        conf = data.get("confirmacion") or {}
        send.status, send.receiver_number = REGISTERED, str(conf.get("expediente", ""))[:40]
        text = f"Registrado como {send.receiver_number} en {entity.name} (CUO {send.cuo})"
        if receipt is not None and manifest.sha256(receipt) == conf.get("cargo_sha256"):
            if records.is_frozen(session, send.expediente_id):
                # The case was closed meanwhile: its electronic file admits no new document (the
                # freeze trigger). The answer is kept all the same; the receipt stays in the file
                # store, named by the signed answer's cargo_sha256, and is shown with the send.
                FileStore(settings.files_dir()).put(receipt)
                text += f" — {RECEIPT_OUTSIDE}"
            else:
                _file_receipt(session, case, receipt, send.receiver_number, entity, at)
        elif receipt is not None:
            text += " — el cargo recibido no coincide con la respuesta firmada: no se archivó"
        _step(session, case, CONFIRMED, text, at, None)
    else:
        refusal = data.get("rechazo") or {}
        send.status, send.answer_code = REJECTED, str(refusal.get("codigo", ""))[:40]
        reason = str(refusal.get("motivo", ""))[:1500]
        _step(session, case, REFUSED, f"Rechazado por {entity.name} ({send.answer_code}): {reason}", at, None)
    session.add(send)
    audit.record(
        session,
        actor="sistema",
        action="interop_respuesta",
        object_type="expediente",
        object_id=case.number,
        data={
            "cuo": send.cuo,
            "estado": send.status,
            "expediente_destino": send.receiver_number,
            "codigo": send.answer_code,
        },
        at=at,
    )
    session.flush()
    return send


def _file_receipt(
    session: Session, case: Expediente, pdf: bytes, number: str, entity: InteropEntity, at: datetime
) -> None:
    screened = screen_pdf(pdf, max_bytes=settings.MAX_ANNEX_BYTES, field="cargo")
    FileStore(settings.files_dir()).put(pdf)
    assert case.id is not None
    session.add(
        Document(
            expediente_id=case.id,
            kind=RECEIPT_KIND,
            role="anexo",
            label=f"Cargo de {entity.name} — {number}"[:200],
            filename=f"cargo-{entity.ruc}-{number}.pdf"[:255],
            sha256=screened.sha256,
            size=screened.size,
            pages=screened.pages,
            signed=True,
            created_at=at,
        )
    )


def state_text(send: InteropSend, entity_name: str) -> str:
    """The state of one package as the sender's case page says it, in plain Spanish."""
    if send.status == REGISTERED:
        return f"Registrado como {send.receiver_number or '(sin número)'} en {entity_name}"
    if send.status == REJECTED:
        reason = (
            str((manifest.unverified_payload(send.answer).get("rechazo") or {}).get("motivo", ""))
            if send.answer
            else ""
        )
        return f"Rechazado por {entity_name}: {reason or 'sin motivo'} ({send.answer_code or 'sin código'})"
    if send.status == FAILED:
        return (
            f"No se pudo entregar a {entity_name} tras {send.attempts} intentos: {send.last_error or 'sin respuesta'}"
        )
    if send.attempts == 0:
        return "En cola de envío"
    if send.last_error:
        return f"En cola: se reintentará (intento {send.attempts} de {settings.INTEROP_MAX_ATTEMPTS} sin respuesta: {send.last_error})"
    return f"Enviado a {entity_name}: esperando su respuesta"


def _receipt_outside(session: Session, send: InteropSend) -> str:
    """The SHA-256 of the addressee's receipt kept outside a case closed before it arrived."""
    if send.status != REGISTERED or not send.answer:
        return ""
    sha = str((manifest.unverified_payload(send.answer).get("confirmacion") or {}).get("cargo_sha256", ""))
    if not sha:
        return ""
    filed = session.exec(
        select(Document.id).where(col(Document.expediente_id) == send.expediente_id, col(Document.sha256) == sha)
    ).first()
    return "" if filed is not None else sha


@query
def sends_of_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = session.exec(
        select(InteropSend, InteropEntity)
        .join(InteropEntity, col(InteropEntity.id) == col(InteropSend.entity_id))
        .where(col(InteropSend.expediente_id) == case_id)
        .order_by(col(InteropSend.id))
    ).all()
    return [
        {
            "cuo": s.cuo,
            "entidad": e.name,
            "estado": s.status,
            "estado_texto": state_text(s, e.name),
            "expediente_destino": s.receiver_number,
            "codigo": s.answer_code,
            "intentos": s.attempts,
            "cargo_fuera": _receipt_outside(session, s),
        }
        for s, e in rows
    ]


@query
def origin_of_case(session: Session, case_id: int) -> dict[str, str]:
    """For a case received by interoperability: the origin entity, the CUO and the sender's case
    number (the header of the receiver's case page); {} for any other case."""
    row = session.exec(
        select(InteropReceipt, InteropEntity)
        .join(InteropEntity, col(InteropEntity.id) == col(InteropReceipt.entity_id))
        .where(col(InteropReceipt.expediente_id) == case_id)
    ).first()
    if row is None:
        return {}
    receipt, entity = row
    return {
        "entidad": f"{entity.name} (RUC {entity.ruc})",
        "cuo": receipt.cuo,
        "expediente_remitente": receipt.sender_case_number or "(sin número)",
    }


@query
def send_status(session: Session, cuo: str) -> InteropSend:
    send = session.exec(select(InteropSend).where(col(InteropSend.cuo) == cuo)).first()
    if send is None:
        raise NotFound("No hay ningún envío con ese CUO.")
    session.expunge(send)
    return send


@dataclass(frozen=True)
class SendPanel:
    """What the case page's "Enviar a otra entidad" shows: the active entities, the documents
    that may go (signed ones and annexes) and the packages already sent with their state."""

    entities: list[tuple[str, str]]  # (RUC, name)
    documents: list[tuple[int, str, bool]]  # (id, "label: file", signed)
    sends: list[dict[str, Any]]
    origin: dict[str, str]  # a case received by interoperability: entity, CUO, sender's number


@query
def send_panel(session: Session, who: Principal, number: str) -> SendPanel:
    case = get_case(session, who, number)  # NotFound unless the caller may see the case
    entities = session.exec(
        select(InteropEntity.ruc, InteropEntity.name)
        .where(col(InteropEntity.active) == True, col(InteropEntity.ruc) != settings.INSTITUTION_RUC)  # noqa: E712
        .order_by(col(InteropEntity.name))
    ).all()
    docs = session.exec(select(Document).where(col(Document.expediente_id) == case.id).order_by(col(Document.id))).all()
    assert case.id is not None
    return SendPanel(
        entities=[(r, n) for r, n in entities],
        documents=[
            (d.id, f"{d.label or d.kind}: {d.filename}", d.signed)
            for d in docs
            if d.id is not None and (d.signed or d.kind == "anexo") and d.kind not in ("cargo", RECEIPT_KIND)
        ],
        sends=sends_of_case(session, case.id),
        origin=origin_of_case(session, case.id),
    )
