"""/verificar (public): check a signed document by its code (from the QR) or by uploading any PDF.
Verdicts in the vocabulary of Peru's national validator: VÁLIDO / NO VÁLIDO / INDETERMINADO."""

from __future__ import annotations

import asyncio
import hashlib
import re

import reflex as rx
from sqlmodel import select

from sgd_app import db, settings, signatures
from sgd_app.domain.calendar import format_datetime_es
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Document, Expediente

MAX_BYTES = 20 * 1024 * 1024
KIND_LABELS = {
    "cargo": "Cargo de recepción",
    "memorando": "Memorando",
    "informe": "Informe",
    "oficio": "Oficio",
    "carta": "Carta",
    "resolucion": "Resolución",
}


def _describe(doc: Document, case_number: str) -> dict[str, str]:
    return {
        "kind": KIND_LABELS.get(doc.kind, doc.kind.capitalize()),
        "label": doc.number or doc.label,
        "case": case_number,
        "date": format_datetime_es(doc.created_at),
        "sha256": doc.sha256,
    }


class VerifyState(rx.State):
    code: str = ""
    checking: bool = False
    progress: int = 0
    verdict: str = ""
    reason: str = ""
    sha256: str = ""
    filename: str = ""
    known: dict[str, str] = {}
    signatures: list[dict[str, str]] = []
    error: str = ""

    @rx.var
    def has_known(self) -> bool:
        return bool(self.known)

    def _clear(self) -> None:
        self.verdict = self.reason = self.sha256 = self.filename = self.error = ""
        self.known = {}
        self.signatures = []

    def _show(self, report, *, filename: str) -> None:
        self.verdict = report.verdict
        self.reason = report.reason
        self.sha256 = report.sha256
        self.filename = filename
        self.signatures = [
            {
                "signer": s.signer_name or s.signer_subject,
                "verdict": s.verdict,
                "reason": s.reason,
                "time": format_datetime_es(s.signing_time) if s.signing_time else "—",
                "level": s.level or "—",
                "timestamp": "Sí" if s.has_timestamp else "No",
                "issuer": s.issuer,
                "declared": s.declared_reason or "",
            }
            for s in report.signatures
        ]

    @rx.event
    async def load(self):
        code = re.sub(r"[^A-Fa-f0-9]", "", self.router.url.query_parameters.get("codigo", ""))[:32].upper()
        self._clear()
        self.code = code
        if not code:
            return
        self.checking = True
        yield
        found = await asyncio.to_thread(_by_code, code)
        self.checking = False
        if found is None:
            self.error = "No hay ningún documento con ese código de verificación."
            return
        report, info = found
        self._show(report, filename=info["label"])
        self.known = info

    @rx.event
    def upload_progress(self, progress: dict):
        self.progress = int(100 * float(progress.get("progress", 0) or 0))

    @rx.event
    async def check_upload(self, files: list[rx.UploadFile]):
        self._clear()
        self.code = ""
        if len(files) != 1:
            self.error = "Suba un solo archivo PDF."
            return
        data = await files[0].read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            self.error = "El archivo supera el tamaño máximo de 20 MB."
            return
        self.checking = True
        yield
        report, info = await asyncio.to_thread(_by_bytes, data)
        self.checking = False
        self.progress = 100
        self._show(report, filename=files[0].name or "documento.pdf")
        self.known = info

    @rx.event
    def reset_check(self):
        self._clear()
        self.code = ""
        self.progress = 0


def _by_code(code: str):
    with db.session() as s:
        doc = s.exec(
            select(Document)
            .where(Document.verify_code == code, Document.signed == True)  # noqa: E712
            .order_by(Document.id.desc())
        ).first()
        if doc is None:
            return None
        case = s.get(Expediente, doc.expediente_id)
        info = _describe(doc, case.number if case else "")
    data = FileStore(settings.files_dir()).read(info["sha256"])
    return signatures.validate(data), info


def _by_bytes(data: bytes):
    sha = hashlib.sha256(data).hexdigest()
    info: dict[str, str] = {}
    with db.session() as s:
        doc = s.exec(select(Document).where(Document.sha256 == sha, Document.signed == True)).first()  # noqa: E712
        if doc is not None:
            case = s.get(Expediente, doc.expediente_id)
            info = _describe(doc, case.number if case else "")
    return signatures.validate(data), info
