"""The receiving side of the exchange between institutions (docs/interop.md):

- ``POST /api/v1/interoperabilidad/envios`` — a package (multipart: ``manifiesto``, the JWS; then
  one ``documento`` per PDF in the manifest's order), with a client token of scope
  ``intercambio:recibir``. 200 with the confirmation (our case number, the sealed receipt in
  ``cargo``, base64) or 409/422 with the rejection's ``code``; both carry ``respuesta``, the answer
  as a JWS signed with our interop key. Over ``SGD_INTEROP_MAX_BYTES``: 413.
- ``GET /api/v1/interoperabilidad/envios/{cuo}`` — the answer given to that package, again.

The route only reads the form; ``interop.receive`` does every check and the registration.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from sgd_app import settings
from sgd_app.api.client_auth import ApiCaller, scope
from sgd_app.api.responses import NO_STORE
from sgd_app.domain import interop
from sgd_app.domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1/interoperabilidad", tags=["interoperabilidad"])
Receiver = Annotated[ApiCaller, Depends(scope("intercambio:recibir"))]
Cuo = Annotated[str, Path(pattern=r"^[0-9]{11}-[0-9]{4}-[0-9]{8}$")]
MSG_NO_MANIFEST = "Falta el manifiesto firmado (campo «manifiesto»)."


def _answer(answer: interop.Answer) -> JSONResponse:
    body = answer.as_json()
    if answer.receipt is not None:
        body["cargo"] = base64.b64encode(answer.receipt).decode()
    return JSONResponse(body, status_code=answer.status_code, headers=NO_STORE)


@router.post("/envios")
async def receive_package(request: Request, caller: Receiver) -> JSONResponse:
    """Receive a package from another entity: registered once per CUO, or rejected with a code."""
    await run_in_threadpool(interop.receiving.sender_for, caller.client.client_id)  # 403 before reading the body
    form = await request.form(max_files=10, max_fields=10, max_part_size=2 * 1024 * 1024)
    token = form.get("manifiesto")
    if not isinstance(token, str) or not token.strip():
        raise InvalidInput("manifiesto", MSG_NO_MANIFEST)
    files = []
    for part in form.getlist("documento"):
        if isinstance(part, UploadFile):
            files.append((part.filename or "documento.pdf", await part.read(settings.INTEROP_MAX_BYTES + 1)))
    answer = await run_in_threadpool(
        interop.receive, client_id=caller.client.client_id, token=token.strip(), files=files
    )
    return _answer(answer)


@router.get("/envios/{cuo}")
def package_status(cuo: Cuo, caller: Receiver) -> JSONResponse:
    """The answer this entity's package ``cuo`` got (404 when there is none)."""
    answer = interop.answer_for_cuo(client_id=caller.client.client_id, cuo=cuo)
    if answer is None:
        raise NotFound("No hay ningún envío registrado con ese CUO.")
    return _answer(answer)
