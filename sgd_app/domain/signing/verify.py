"""Public verification of a document (/verificar and its API): by the code printed under the QR
code of a stamp, or by the bytes of any PDF. Verdicts in the vocabulary of Peru's national
validator (VÁLIDO / NO VÁLIDO / INDETERMINADO); the document the institution registered with that
code or those bytes, when there is one, comes with the report."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sgd_app import db, settings
from sgd_app.domain import records
from sgd_app.domain.documents import MSG_EMPTY, FileStore, ensure_pdf_signature
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.models import Document, Expediente
from sgd_app.domain.signing import config
from sgd_app.domain.signing.validation import VerificationReport

MAX_VERIFY_BYTES = 20 * 1024 * 1024
MSG_TOO_BIG = "El archivo supera el tamaño máximo de 20 MB."
MSG_UNKNOWN_CODE = "No hay ningún documento con ese código de verificación."
KIND_LABELS = {
    "cargo": "Cargo de recepción",
    "memorando": "Memorando",
    "informe": "Informe",
    "oficio": "Oficio",
    "carta": "Carta",
    "resolucion": "Resolución",
    "indice": "Índice de foliación",
    "inventario": "Inventario del Archivo Central",
}


@dataclass(frozen=True)
class RegisteredDocument:
    """The signed document the institution filed with that code or those bytes."""

    kind: str
    kind_label: str
    label: str  # its number, else its label
    case_number: str
    created_at: datetime
    sha256: str


@dataclass(frozen=True)
class Verification:
    """What a verification tells: the validation of every signature, and the registered document."""

    report: VerificationReport
    document: RegisteredDocument | None


def clean_code(code: str) -> str:
    """The verification code as stored (hex, upper case, at most 32 characters)."""
    return re.sub(r"[^A-Fa-f0-9]", "", code or "")[:32].upper()


def verify_by_code(code: str, *, engine: Engine | None = None) -> Verification:
    """Validate the signed document registered under ``code``; NotFound when there is none."""
    code = clean_code(code)
    with db.session(engine) as s:
        doc = (
            s.exec(
                select(Document)
                .where(col(Document.verify_code) == code, col(Document.signed) == True)  # noqa: E712
                .order_by(col(Document.id).desc())
            ).first()
            if code
            else None
        )
        if doc is None:
            index = records.index_by_code(s, code) if code else None
            inventory = records.retention.inventory_by(s, code=code) if code and index is None else None
            if index is None and inventory is None:
                raise NotFound(MSG_UNKNOWN_CODE)
            registered = _registered_index(s, index) if index is not None else _registered_inventory(inventory)
        else:
            registered = _registered(s, doc)
    data = FileStore(settings.files_dir()).read(registered.sha256)
    return Verification(report=config.validate(data), document=registered)


def verify_by_bytes(data: bytes, *, engine: Engine | None = None) -> Verification:
    """Validate every signature of an uploaded PDF (never stored) and say whether the institution
    registered exactly these bytes. InvalidInput("archivo", ...) for an empty, too big or non-PDF
    file."""
    screen(data)
    sha = hashlib.sha256(data).hexdigest()
    with db.session(engine) as s:
        doc = s.exec(select(Document).where(Document.sha256 == sha, Document.signed == True)).first()  # noqa: E712
        registered = _registered(s, doc) if doc is not None else None
        if registered is None and (index := records.index_by_sha(s, sha)) is not None:
            registered = _registered_index(s, index)
        if registered is None and (inventory := records.retention.inventory_by(s, sha=sha)) is not None:
            registered = _registered_inventory(inventory)
    return Verification(report=config.validate(data), document=registered)


def screen(data: bytes) -> None:
    """The checks an upload passes before it is validated: not empty, at most 20 MB, starting with
    the ``%PDF-`` signature (as every upload, see ``documents.ensure_pdf_signature``)."""
    if not data:
        raise InvalidInput("archivo", MSG_EMPTY)
    if len(data) > MAX_VERIFY_BYTES:
        raise InvalidInput("archivo", MSG_TOO_BIG)
    ensure_pdf_signature(data, field="archivo")


def _registered(session: Session, doc: Document) -> RegisteredDocument:
    case = session.get(Expediente, doc.expediente_id)
    return RegisteredDocument(
        kind=doc.kind,
        kind_label=KIND_LABELS.get(doc.kind, doc.kind.capitalize()),
        label=doc.number or doc.label,
        case_number=case.number if case else "",
        created_at=doc.created_at,
        sha256=doc.sha256,
    )


def _registered_inventory(inventory: records.RecordInventory | None) -> RegisteredDocument:
    """A sealed transfer inventory or elimination proposal of the central archive."""
    assert inventory is not None
    label = "Inventario de transferencia" if inventory.kind == "transferencia" else "Propuesta de eliminación"
    return RegisteredDocument(
        kind="inventario",
        kind_label=KIND_LABELS["inventario"],
        label=f"{label} {inventory.number}",
        case_number="",
        created_at=inventory.prepared_at,
        sha256=inventory.pdf_sha256,
    )


def _registered_index(session: Session, index: records.FileIndex) -> RegisteredDocument:
    """A sealed foliation index (kept with the case's file, not among its documents)."""
    case = session.get(Expediente, index.expediente_id)
    return RegisteredDocument(
        kind="indice",
        kind_label=KIND_LABELS["indice"],
        label=f"Índice de foliación, versión {index.version}",
        case_number=case.number if case else "",
        created_at=index.sealed_at or index.created_at,
        sha256=index.pdf_sha256,
    )
