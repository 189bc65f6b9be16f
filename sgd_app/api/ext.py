"""The API of OAuth2 clients under /api/v1/ext (bearer token from /api/v1/oauth/token). Every
route calls the same domain function as the staff screens, as the client's service account:
``routing.case_view`` (status and trail), ``access.document_for`` (files), ``signing`` (the same
verification as /verificar), ``search.search`` and ``reports.aggregates``. Lists are paginated
(``pagina`` from 0, ``por_pagina``); a POST with ``Idempotency-Key`` is answered once and the
same answer is given to a resend.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from sgd_app import settings
from sgd_app.api import verify
from sgd_app.api.client_auth import ApiCaller, Cases, Documents, Verification
from sgd_app.api.deps import NO_NUL, CaseNumber, RecordId
from sgd_app.api.ext_models import (
    CaseStatusOut,
    ReportOut,
    SearchOut,
    TrailOut,
    VerificationOut,
    errors,
)
from sgd_app.api.responses import NO_STORE
from sgd_app.domain import access, reports, routing, search, signing
from sgd_app.domain.apiclients import idempotency
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.filters import parse_filters

router = APIRouter(prefix="/api/v1/ext", tags=["clientes"])
Page = Annotated[int, Query(ge=0, le=9999)]
PerPage = Annotated[int, Query(ge=1, le=100)]
IdemKey = Annotated[str, Header(alias="Idempotency-Key", max_length=200)]
VerifyCode = verify.VerifyCode
PDF: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "El PDF original",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}
UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["archivo"],
                    "properties": {"archivo": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@router.get("/expedientes/{number}", response_model=CaseStatusOut, responses=errors(404))
def case_status(number: CaseNumber, caller: Cases) -> JSONResponse:
    """Status of a case the client's account may see (404 otherwise, never saying which)."""
    v = routing.case_view(caller.who, number)
    c = v.case
    body = {
        "numero": c.number,
        "asunto": c.subject,
        "estado": c.status,
        "tramite": v.procedure,
        "canal": c.channel,
        "unidad": v.unit,
        "presentado": _iso(c.filed_on),
        "vence": _iso(c.due_on),
        "dias_restantes": v.days_left,
        "semaforo": v.light_label,
        "documentos": [
            {"id": d["id"], "nombre": d.get("filename", ""), "sha256": d.get("sha256", "")} for d in v.documents
        ],
    }
    return JSONResponse(body, headers=NO_STORE)


@router.get("/expedientes/{number}/movimientos", response_model=TrailOut, responses=errors(404))
def case_trail(number: CaseNumber, caller: Cases, pagina: Page = 0, por_pagina: PerPage = 50) -> JSONResponse:
    """The route (hoja de ruta) of the case, oldest first, one page at a time."""
    v = routing.case_view(caller.who, number)
    rows = v.timeline[pagina * por_pagina : (pagina + 1) * por_pagina]
    body = {
        "numero": v.case.number,
        "pagina": pagina,
        "por_pagina": por_pagina,
        "total": len(v.timeline),
        "movimientos": [
            {
                "fecha": _iso(m["at"]),
                "accion": m["action"],
                "titulo": m["title"],
                "de": m["from"],
                "a": m["to"],
                "por": m["by"],
                "indicaciones": m["text"],
                "plazo": _iso(m["due_on"]),
                "recibido": _iso(m["received_at"]),
            }
            for m in rows
        ],
    }
    return JSONResponse(body, headers=NO_STORE)


@router.get("/documentos/{document_id}", response_class=FileResponse, responses={**PDF, **errors(404, 410)})
def document(document_id: RecordId, caller: Documents) -> FileResponse:
    """The original file; ``X-Content-SHA256`` (hex) and ``Repr-Digest`` (RFC 9530) carry its hash."""
    doc = access.document_for(caller.who, document_id)
    path = FileStore(settings.files_dir()).path(doc.sha256)
    if not path.is_file():
        raise HTTPException(410, "El archivo original ya no está disponible.")
    b64 = base64.b64encode(bytes.fromhex(doc.sha256)).decode()
    headers = {**NO_STORE, "X-Content-SHA256": doc.sha256, "Repr-Digest": f"sha-256=:{b64}:"}
    return FileResponse(path, media_type="application/pdf", headers=headers)


@router.get("/buscar", response_model=SearchOut, responses=errors())
def search_cases(request: Request, caller: Cases, q: Annotated[str, Query(pattern=NO_NUL, max_length=200)] = "",
                 pagina: Page = 0, por_pagina: PerPage = 20) -> JSONResponse:  # fmt: skip
    """The cases the client's account may see that match ``q`` (and the filters of /buscar)."""
    r = search.search(caller.who, q, search.parse_filters(request.query_params), page=pagina, page_size=por_pagina)
    body = {
        "consulta": r.query,
        "total": r.total,
        "pagina": r.page,
        "por_pagina": por_pagina,
        "resultados": [
            {
                "numero": h.number,
                "asunto": h.subject,
                "estado": h.status_label,
                "unidad": h.unit,
                "tramite": h.procedure,
                "presentado": h.filed_on.isoformat(),
            }
            for h in r.hits
        ],
    }
    return JSONResponse(body, headers=NO_STORE)


@router.get("/reportes/resumen", response_model=ReportOut, responses=errors())
def report_summary(request: Request, caller: Cases) -> JSONResponse:
    """The figures of /reportes for the client's cases (same filters as query parameters)."""
    agg = reports.aggregates(caller.who, parse_filters(request.query_params))
    return JSONResponse({"indicadores": dict(reports.kpis(agg))}, headers=NO_STORE)


@router.get("/verificacion/{code}", response_model=VerificationOut, responses=errors(404))
def verify_code(code: VerifyCode, caller: Verification) -> JSONResponse:
    """The verification report of the signed document registered under ``code``."""
    return JSONResponse(verify.report(signing.verify_by_code(code)), headers=NO_STORE)


@router.post("/verificacion", response_model=VerificationOut, responses=errors(400, 413), openapi_extra=UPLOAD)
async def verify_upload(request: Request, caller: Verification, key: IdemKey = "") -> JSONResponse:
    """VÁLIDO / NO VÁLIDO / INDETERMINADO with the reason for an uploaded PDF (field ``archivo``)."""
    form = await request.form()
    files = [f for f in form.getlist("archivo") if isinstance(f, UploadFile)]
    if len(files) != 1:
        raise InvalidInput("archivo", verify.MSG_ONE_FILE)
    data = await files[0].read(signing.MAX_VERIFY_BYTES + 1)
    stored = await run_in_threadpool(_replay, caller, key, request, data)  # same file, same key: same answer
    if stored is not None:
        return JSONResponse(stored.body, status_code=stored.status, headers={**NO_STORE, "Idempotent-Replayed": "true"})
    body = json.loads(json.dumps(verify.report(await run_in_threadpool(signing.verify_by_bytes, data))))
    if key:
        await run_in_threadpool(_keep, caller, key, request, data, body)
    return JSONResponse(body, headers=NO_STORE)


def _replay(caller: ApiCaller, key: str, request: Request, raw: bytes) -> idempotency.Stored | None:
    if not key:
        return None
    idempotency.check_key(key)
    assert caller.client.id is not None
    return idempotency.find(caller.client.id, key, idempotency.request_hash("POST", request.url.path, raw))


def _keep(caller: ApiCaller, key: str, request: Request, raw: bytes, body: Any) -> None:
    assert caller.client.id is not None
    idempotency.store(caller.client.id, key, idempotency.request_hash("POST", request.url.path, raw), 200, body)
