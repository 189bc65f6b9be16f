"""Public verification as JSON, the same as /verificar: GET /api/v1/verificacion/{codigo} (the code
under the QR of a stamp) and POST /api/v1/verificacion (multipart, the PDF in the field
``archivo``, never stored). Both answer one report; a refusal is a 4xx with a Spanish ``detail``."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from sgd_app.domain import signing
from sgd_app.domain.errors import DomainError

router = APIRouter()
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MSG_ONE_FILE = "Suba un solo archivo PDF en el campo «archivo»."


@router.get("/api/v1/verificacion/{code}")
async def verify_code(code: str) -> JSONResponse:
    """The verification report of the signed document registered under ``code``."""
    try:
        found = await asyncio.to_thread(signing.verify_by_code, code)
    except DomainError as exc:
        return _refusal(exc)
    return JSONResponse(_report(found), headers=_NO_STORE)


@router.post("/api/v1/verificacion")
async def verify_upload(request: Request) -> JSONResponse:
    """The verification report of an uploaded PDF (at most 20 MB)."""
    form = await request.form()
    files = [f for f in form.getlist("archivo") if isinstance(f, UploadFile)]
    if len(files) != 1:
        return JSONResponse({"detail": MSG_ONE_FILE, "campo": "archivo"}, status_code=422, headers=_NO_STORE)
    data = await files[0].read(signing.MAX_VERIFY_BYTES + 1)  # a bigger file is refused as too big
    try:
        found = await asyncio.to_thread(signing.verify_by_bytes, data)
    except DomainError as exc:
        return _refusal(exc)
    return JSONResponse(_report(found), headers=_NO_STORE)


def _refusal(exc: DomainError) -> JSONResponse:
    body = {"detail": exc.message}
    if field := getattr(exc, "field", None):
        body["campo"] = field
    return JSONResponse(body, status_code=exc.status_code, headers=_NO_STORE)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _report(found: signing.Verification) -> dict:
    report, doc = found.report, found.document
    return {
        "veredicto": report.verdict,
        "motivo": report.reason,
        "motivos": list(report.reasons),
        "sha256": report.sha256,
        "validado_en": _iso(report.validated_at),
        "sellos_de_tiempo_del_documento": report.document_timestamps,
        "documento": None
        if doc is None
        else {
            "tipo": doc.kind,
            "tipo_texto": doc.kind_label,
            "documento": doc.label,
            "expediente": doc.case_number,
            "fecha": _iso(doc.created_at),
            "sha256": doc.sha256,
        },
        "firmas": [
            {
                "campo": s.field_name,
                "firmante": s.signer_name or s.signer_subject,
                "emisor": s.issuer,
                "serie": s.serial,
                "veredicto": s.verdict,
                "motivos": list(s.reasons),
                "advertencias": list(s.warnings),
                "nivel": s.level,
                "fecha_firma": _iso(s.signing_time),
                "sello_de_tiempo": s.has_timestamp,
                "motivo_declarado": s.declared_reason,
            }
            for s in report.signatures
        ],
    }
