"""/verificar (public): check a signed document by its code (from the QR) or by uploading any PDF.
Verdicts in the vocabulary of Peru's national validator: VÁLIDO / NO VÁLIDO / INDETERMINADO."""

from __future__ import annotations

import asyncio

import reflex as rx

from sgd_app.domain import signing
from sgd_app.domain.calendar import format_datetime_es
from sgd_app.domain.errors import DomainError
from sgd_app.state.notice import refusal

MAX_MB = signing.MAX_VERIFY_BYTES // (1024 * 1024)


def meaning(verdict: str, signers: list[str]) -> str:
    """One line saying what a VÁLIDO verdict means for this document."""
    if verdict != signing.VALIDO or not signers:
        return ""
    names = ", ".join(signers[:-1]) + f" y {signers[-1]}" if len(signers) > 1 else signers[0]
    return f"Este documento fue firmado digitalmente por {names} y no ha sido modificado desde que se firmó."


def _known(doc: signing.RegisteredDocument | None) -> dict[str, str]:
    if doc is None:
        return {}
    return {
        "kind": doc.kind_label,
        "label": doc.label,
        "case": doc.case_number,
        "date": format_datetime_es(doc.created_at),
        "sha256": doc.sha256,
    }


class VerificarState(rx.State):
    code: str = ""
    checking: bool = False
    progress: int = 0
    verdict: str = ""
    reason: str = ""
    warnings: list[str] = []  # about the whole file (content added after the last signature)
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
        self.warnings = []

    def _show(self, found: signing.Verification, *, filename: str) -> None:
        report = found.report
        self.verdict = report.verdict
        signers = [s.signer_name or s.signer_subject for s in report.signatures]
        self.reason = report.reason or meaning(report.verdict, signers)
        self.warnings = list(report.warnings)
        self.sha256 = report.sha256
        self.filename = filename
        self.known = _known(found.document)
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
        code = signing.clean_code(self.router.url.query_parameters.get("codigo", ""))
        self._clear()
        self.code = code
        if not code:
            return
        self.checking = True
        yield
        try:
            found = await asyncio.to_thread(signing.verify_by_code, code)
        except DomainError as exc:
            self.error = exc.message
            return
        finally:
            self.checking = False
        self._show(found, filename=found.document.label if found.document else "")

    @rx.event
    def upload_progress(self, progress: dict):
        self.progress = int(100 * float(progress.get("progress", 0) or 0))

    @rx.event
    def upload_rejected(self, rejections: list[dict]):
        """The drop zone refused the file (not a PDF, too big, several): say why."""
        self._clear()
        self.code = ""
        self.error = refusal(rejections, limit=signing.MAX_VERIFY_BYTES)

    @rx.event
    async def check_upload(self, files: list[rx.UploadFile]):
        if not files:
            return  # the drop zone's empty upload after a refusal: keep the refusal on screen
        self._clear()
        self.code = ""
        if len(files) != 1:
            self.error = "Suba un solo archivo PDF."
            return
        data = await files[0].read(signing.MAX_VERIFY_BYTES + 1)  # a bigger file is refused as too big
        self.checking = True
        yield
        try:
            found = await asyncio.to_thread(signing.verify_by_bytes, data)
        except DomainError as exc:
            self.error = exc.message
            return
        finally:
            self.checking = False
        self.progress = 100
        self._show(found, filename=files[0].name or "documento.pdf")

    @rx.event
    def reset_check(self):
        self._clear()
        self.code = ""
        self.progress = 0
