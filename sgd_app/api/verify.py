"""Public verification as JSON, the same as /verificar: GET /api/v1/verificacion/{codigo} (the code
under the QR of a stamp) and POST /api/v1/verificacion (multipart, the PDF in the field
``archivo``, never stored). Both answer one report; a refusal is a 4xx with a Spanish ``detail``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from sgd_app.api.responses import NO_STORE
from sgd_app.domain import signing
from sgd_app.domain.errors import InvalidInput

router = APIRouter()
MSG_ONE_FILE = "Suba un solo archivo PDF en el campo «archivo»."
VerifyCode = Annotated[str, Path(max_length=100)]  # 32 hex digits, maybe grouped with dashes or spaces


@router.get("/api/v1/verificacion/{code}")
def verify_code(code: VerifyCode) -> JSONResponse:
    """The verification report of the signed document registered under ``code``."""
    return JSONResponse(report(signing.verify_by_code(code)), headers=NO_STORE)


@router.post("/api/v1/verificacion")
async def verify_upload(request: Request) -> JSONResponse:
    """The verification report of an uploaded PDF (at most 20 MB)."""
    form = await request.form()
    files = [f for f in form.getlist("archivo") if isinstance(f, UploadFile)]
    if len(files) != 1:
        raise InvalidInput("archivo", MSG_ONE_FILE)
    data = await files[0].read(signing.MAX_VERIFY_BYTES + 1)  # a bigger file is refused as too big
    found = await run_in_threadpool(signing.verify_by_bytes, data)
    return JSONResponse(report(found), headers=NO_STORE)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def report(found: signing.Verification) -> dict:
    report, doc = found.report, found.document
    return {
        "veredicto": report.verdict,
        "motivo": report.reason,
        "motivos": list(report.reasons),
        "advertencias": list(report.warnings),  # about the whole file, e.g. content added after the last signature
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
