"""Receiving a package from another entity (``POST /api/v1/interoperabilidad/envios``).

The caller's API client is mapped to a directory entity; the manifest's JWS is verified with that
entity's key; every file's SHA-256 and size are recomputed; every PAdES signature is validated
with the same code as /verificar. Then the case is registered through the SAME intake act as every
other filing (``intake.file_case``, channel "interoperabilidad", the CUO as its idempotency key) and
its receipt sealed. The answer — acknowledgement + confirmation (our case number, the sealed
receipt) or rejection with a code — is a JWS signed with our interop key; a resend with the same
CUO gets the same answer and never a second case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sgd_app import settings
from sgd_app.domain import audit, intake
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import DomainError, Forbidden, InvalidInput, InvalidInputs
from sgd_app.domain.interop import directory, manifest
from sgd_app.domain.interop.sending import RECEIVED
from sgd_app.domain.interop.tables import InteropEntity, InteropReceipt
from sgd_app.domain.models import Document, Expediente, Movement, utcnow
from sgd_app.domain.signing import config as signing_config
from sgd_app.domain.signing.terms import NO_VALIDO, R_NO_SIGNATURES, VALIDO
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import Channel

REGISTERED, REJECTED = "registrado", "rechazado"


class SenderRefused(Forbidden):
    """The caller is not (or no longer) an entity of the directory."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Answer:
    status_code: int  # 200 registered, 409/422 rejected
    token: str  # the answer JWS (signed by us)
    payload: dict[str, Any]
    receipt: bytes | None  # our sealed receipt (confirmation only)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "cuo": self.payload.get("cuo", ""),
            "estado": self.payload.get("estado", ""),
            "respuesta": self.token,
        }
        if self.payload.get("estado") == REGISTERED:
            body["expediente"] = self.payload["confirmacion"]["expediente"]
        else:
            body["code"] = self.payload["rechazo"]["codigo"]
            body["detail"] = self.payload["rechazo"]["motivo"]
        return body


@query
def sender_for(session: Session, client_id: str) -> InteropEntity:
    entity = directory.entity_for_client(session, client_id)
    if entity is None:
        raise SenderRefused("remitente_desconocido", "El cliente no corresponde a ninguna entidad del directorio.")
    if not entity.active:
        raise SenderRefused("remitente_inactivo", "La entidad remitente está desactivada en el directorio.")
    session.expunge(entity)
    return entity


def _reject(cuo: str, code: str, reason: str, received: datetime, status: int = 422) -> Answer:
    payload = manifest.answer_payload(
        cuo=cuo,
        status=REJECTED,
        receiver=(settings.INSTITUTION_RUC, settings.INSTITUTION_NAME),
        received_at=received.isoformat(),
        answered_at=utcnow().isoformat(),
        code=code,
        reason=reason,
    )
    return Answer(status, manifest.sign(payload, typ=manifest.ANSWER_TYP), payload, None)


@act
def _record_refusal(session: Session, *, entity: InteropEntity, cuo: str, code: str, reason: str) -> None:
    audit.record(session, actor=f"entidad:{entity.ruc}", action="interop_rechazar", object_type="entidad",
                 object_id=entity.ruc, data={"cuo": cuo[:40], "codigo": code, "motivo": reason[:300]})  # fmt: skip


def _check_signatures(docs: list[dict[str, Any]], files: list[bytes]) -> list[str]:
    """Every signed document validated (pyhanko, our trust roots); a NO VÁLIDO one, or one declared
    signed without a signature, is refused. INDETERMINADO is noted in the confirmation."""
    notes = []
    for d, data in zip(docs, files, strict=True):
        if not d["firmado"]:
            continue
        report = signing_config.validate(data)
        if report.verdict == NO_VALIDO or R_NO_SIGNATURES in report.reasons or not report.signatures:
            raise manifest.MessageError(
                "firma_invalida", f"La firma digital de «{d['nombre']}» no es válida: {report.reason or NO_VALIDO}."
            )
        if report.verdict != VALIDO:
            notes.append(f"«{d['nombre']}»: firma {report.verdict} — {report.reason}")
    return notes


def receive(*, client_id: str, token: str, files: list[tuple[str, bytes]], engine: Engine | None = None) -> Answer:
    """Check and register one package; the answer to give (the API turns it into JSON)."""
    received = utcnow()
    entity = sender_for(client_id, engine=engine)
    cuo = str(manifest.unverified_payload(token).get("cuo", ""))[:40]
    try:
        data = manifest.check_manifest(
            manifest.verify(
                token, entity.public_jwk, typ=manifest.MANIFEST_TYP, code="manifiesto_alterado", what="manifiesto"
            )
        )
        cuo = data["cuo"]
        _check_parties(entity, data)
        digest = manifest.sha256(token.encode())
        contents = _check_files(data["documentos"], files)  # a resend's files are checked too
        earlier = stored_answer(entity.id, cuo, engine=engine)
        if earlier is not None:
            if earlier[0] != digest:
                raise manifest.MessageError("cuo_duplicado", "Ese CUO ya se usó para otro envío.")
            return confirm(earlier[1], engine=engine)
        notes = _check_signatures(data["documentos"], contents)
        return _register(entity, data, contents, digest, received, notes, engine=engine)
    except manifest.MessageError as exc:
        _record_refusal(entity=entity, cuo=cuo, code=exc.code, reason=exc.message, engine=engine)
        return _reject(cuo, exc.code, exc.message, received, 409 if exc.code == "cuo_duplicado" else 422)


def _check_parties(entity: InteropEntity, data: dict[str, Any]) -> None:
    if data["remitente"]["ruc"] != entity.ruc:
        raise manifest.MessageError("remitente_incorrecto", "El remitente del manifiesto no es la entidad que envía.")
    if manifest.CUO_RE.match(data["cuo"])["ruc"] != entity.ruc:  # type: ignore[index]
        raise manifest.MessageError("cuo_invalido", "El CUO no empieza con el RUC de la entidad remitente.")
    if data["destinatario"]["ruc"] != settings.INSTITUTION_RUC:
        raise manifest.MessageError(
            "destinatario_incorrecto",
            f"El destinatario del manifiesto (RUC {data['destinatario']['ruc']}) no es esta entidad.",
        )


def _check_files(docs: list[dict[str, Any]], files: list[tuple[str, bytes]]) -> list[bytes]:
    if len(files) != len(docs):
        raise manifest.MessageError(
            "archivo_alterado", f"El manifiesto declara {len(docs)} documento(s) y llegaron {len(files)}."
        )
    out = []
    for d, (_name, data) in zip(docs, files, strict=True):
        if len(data) != d["tamano"] or hashlib.sha256(data).hexdigest() != d["sha256"]:
            raise manifest.MessageError(
                "archivo_alterado", f"El documento «{d['nombre']}» no coincide con su SHA-256 del manifiesto."
            )
        out.append(data)
    return out


@query
def stored_answer(session: Session, entity_id: int | None, cuo: str) -> tuple[str, int] | None:
    """(manifest digest, receipt row id) of a package already registered under ``cuo``; another
    entity's CUO is refused as a duplicate."""
    row = session.exec(select(InteropReceipt).where(col(InteropReceipt.cuo) == cuo)).first()
    if row is None:
        return None
    if row.entity_id != entity_id:
        raise manifest.MessageError("cuo_duplicado", "Ese CUO ya se usó para otro envío.")
    assert row.id is not None
    return row.manifest_sha256, row.id


@query
def _case_number(session: Session, receipt_id: int) -> tuple[str, bool]:
    """The case of a received package, and whether its receipt is sealed already."""
    row = session.get_one(InteropReceipt, receipt_id)
    case = session.get_one(Expediente, row.expediente_id)
    return case.number, intake.sealed_receipt(session, row.expediente_id) is not None


def confirm(receipt_id: int, *, notes: list[str] | None = None, engine: Engine | None = None) -> Answer:
    """The confirmation of a registered package: its receipt sealed (now, if the server stopped
    before), the answer signed once and kept, so every resend gets the same bytes."""
    number, sealed = _case_number(receipt_id, engine=engine)
    if not sealed:
        intake.seal_receipt(number)
    return _answer_for(receipt_id, notes=notes, engine=engine)


def _answer_of(session: Session, row: InteropReceipt) -> Answer:
    payload = manifest.unverified_payload(row.answer)  # our own signed answer, as we stored it
    sha = (payload.get("confirmacion") or {}).get("cargo_sha256", "")
    receipt = FileStore(settings.files_dir()).read(sha) if sha else None
    return Answer(200, row.answer, payload, receipt)


def _register(
    entity: InteropEntity,
    data: dict[str, Any],
    contents: list[bytes],
    digest: str,
    received: datetime,
    notes: list[str],
    *,
    engine: Engine | None,
) -> Answer:
    docs = data["documentos"]
    incoming = [
        intake.IncomingFile(d["nombre"], content, d["rol"], label=f"{d.get('tipo', '')} (CUO {data['cuo']})".strip())
        for d, content in zip(docs, contents, strict=True)
    ]
    origin = (
        f"Recibido de {entity.name} (RUC {entity.ruc}) — CUO {data['cuo']} — "
        f"expediente del remitente {data['expediente_remitente'] or '(sin número)'}"
    )
    if data["nota"]:
        origin += f" — Nota: {data['nota']}"

    def record(session: Session, result: intake.FilingResult) -> None:
        assert result.case.id is not None and entity.id is not None
        session.add(
            InteropReceipt(
                cuo=data["cuo"],
                entity_id=entity.id,
                expediente_id=result.case.id,
                sender_case_number=data["expediente_remitente"],
                manifest_sha256=digest,
                received_at=received,
            )
        )
        session.add(
            Movement(
                expediente_id=result.case.id,
                action=RECEIVED,
                to_unit_id=result.case.current_unit_id,
                instructions=origin[:2000],
                created_at=received,
            )
        )
        audit.record(session, actor=f"entidad:{entity.ruc}", action="interop_recibir", object_type="expediente",
                     object_id=result.case.number, data={"cuo": data["cuo"], "entidad": entity.ruc,
                     "expediente_remitente": data["expediente_remitente"]}, at=received)  # fmt: skip

    try:
        result = intake.file_case(
            FileStore(settings.files_dir()),
            procedure_code=settings.INTEROP_PROCEDURE,
            filer=intake.FilerInput(doc_type="RUC", doc_number=entity.ruc, name=entity.name, kind="entidad_estado"),
            subject=data["asunto"],
            files=incoming,
            channel=Channel.INTEROPERABILIDAD,
            received_at=received,
            attempt_key=f"interop-{data['cuo']}",
            before_commit=record,
            engine=engine,
        )
    except (InvalidInput, InvalidInputs) as exc:
        errors = exc.errors if isinstance(exc, InvalidInputs) else {exc.field: exc.message}
        raise manifest.MessageError("documento_no_admitido", " ".join(errors.values())) from None
    return confirm(_receipt_id(result.case.number, engine=engine), notes=notes, engine=engine)


@query
def _receipt_id(session: Session, number: str) -> int:
    case = session.exec(select(Expediente).where(col(Expediente.number) == number)).one()
    row = session.exec(select(InteropReceipt).where(col(InteropReceipt.expediente_id) == case.id)).one()
    assert row.id is not None
    return row.id


@act
def _answer_for(session: Session, receipt_id: int, *, notes: list[str] | None = None) -> Answer:
    """The confirmation of a registered package (kept, so every resend gets these same bytes)."""
    row = session.get_one(InteropReceipt, receipt_id, with_for_update=True)
    if row.answer:
        return _answer_of(session, row)
    case = session.get_one(Expediente, row.expediente_id)
    # None when the seal failed (logged): the confirmation goes without the receipt.
    sealed_doc: Document | None = intake.sealed_receipt(session, row.expediente_id)
    payload = manifest.answer_payload(
        cuo=row.cuo,
        status=REGISTERED,
        receiver=(settings.INSTITUTION_RUC, settings.INSTITUTION_NAME),
        received_at=row.received_at.isoformat(),
        answered_at=utcnow().isoformat(),
        case_number=case.number,
        receipt_sha256=sealed_doc.sha256 if sealed_doc else "",
        receipt_code=(sealed_doc.verify_code or "") if sealed_doc else "",
        notes=notes,
    )
    row.answer = manifest.sign(payload, typ=manifest.ANSWER_TYP)
    session.add(row)
    session.flush()
    return _answer_of(session, row)


@query
def answer_for_cuo(session: Session, *, client_id: str, cuo: str) -> Answer | None:
    """The answer given to this entity's package ``cuo`` (GET …/envios/{cuo}), or None."""
    entity = directory.entity_for_client(session, client_id)
    if entity is None or not entity.active:
        raise SenderRefused("remitente_desconocido", "El cliente no corresponde a ninguna entidad del directorio.")
    row = session.exec(select(InteropReceipt).where(col(InteropReceipt.cuo) == cuo)).first()
    if row is None or row.entity_id != entity.id or not row.answer:
        return None
    return _answer_of(session, row)


__all__ = ["Answer", "DomainError", "SenderRefused", "answer_for_cuo", "receive", "sender_for"]
