"""POST /api/v1/ext/expedientes: an API client files a case (scope ``expedientes:crear``) as the
channel "api", through the same flow as the Mesa de Partes (``intake.file_case_and_seal``): the
same validation, numbering, routing, sealed receipt, confirmation e-mail and audit (the actor is
the client). ``Idempotency-Key`` is required: a resend gets the same answer (the access key is
shown only in the first one) and never files a second case; another request under the same key
is a 422.

The body is JSON (PDFs in base64) or multipart/form-data (the JSON without ``archivos`` in the
field ``datos``; the PDFs as files ``principal`` and ``anexo``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from sgd_app import routes, settings
from sgd_app.api.client_auth import ApiCaller, Filing
from sgd_app.api.ext_models import errors
from sgd_app.api.responses import NO_STORE
from sgd_app.domain import intake, links
from sgd_app.domain.apiclients import idempotency
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import InvalidInput, InvalidInputs
from sgd_app.domain.intake.validation import MAX_ANNEXES
from sgd_app.domain.vocabulary import STATUS_LABELS, Channel

router = APIRouter(prefix="/api/v1/ext", tags=["clientes"])
RequiredIdemKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
MSG_BODY = "Envíe los datos como JSON o como multipart/form-data (campo «datos» y los PDF)."
MSG_JSON = "El cuerpo no es un JSON válido."
MSG_BASE64 = "El contenido del archivo {n} no está en base64."
MSG_FILES = "Adjunte el documento principal en PDF (uno solo)."
MAX_FILES = 1 + MAX_ANNEXES
# the domain's field names -> the names of this API's JSON
_FIELD = {"doc_type": "remitente.tipo_documento", "doc_number": "remitente.numero_documento",
          "name": "remitente.nombre", "kind": "remitente.tipo", "email": "remitente.correo",
          "phone": "remitente.telefono", "address": "remitente.direccion", "subject": "asunto",
          "procedure_code": "tramite", "procedure": "tramite"}  # fmt: skip


class Applicant(BaseModel):
    tipo_documento: str = Field(max_length=20, description="DNI, CE, RUC o PASAPORTE")
    numero_documento: str = Field(max_length=20)
    nombre: str = Field(max_length=300)
    tipo: str = Field(default="ciudadano", max_length=40, description="ciudadano, organizacion_politica, …")
    correo: str = Field(default="", max_length=254, description="recibe el cargo y la clave, si se da")
    telefono: str = Field(default="", max_length=30)
    direccion: str = Field(default="", max_length=300)


class FileIn(BaseModel):
    nombre: str = Field(max_length=200)
    rol: Literal["principal", "anexo"] = "anexo"
    etiqueta: str = Field(default="", max_length=200)
    contenido_base64: str = Field(max_length=settings.MAX_API_FILING_BODY)


class FilingData(BaseModel):
    tramite: str = Field(max_length=40, description="código del trámite (catálogo público)")
    asunto: str = Field(max_length=2000)
    remitente: Applicant
    campos: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict, max_length=40)


class FilingIn(FilingData):
    archivos: list[FileIn] = Field(min_length=1, max_length=MAX_FILES)


class FiledDocument(BaseModel):
    nombre: str
    rol: str
    sha256: str
    folios: int


class FilingOut(BaseModel):
    numero: str
    clave: str | None = Field(description="clave de acceso del remitente: solo en la primera respuesta")
    estado: str
    unidad: str
    presentado: str
    vence: str | None
    cargo: str = Field(description="enlace firmado del cargo (PDF), válido 24 horas")
    seguimiento: str
    cargo_sellado: bool
    documentos: list[FiledDocument]


_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": FilingIn.model_json_schema(ref_template="#/components/schemas/{model}")},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["datos", "principal"],
                    "properties": {
                        "datos": {"type": "string", "description": "FilingData como JSON"},
                        "principal": {"type": "string", "format": "binary"},
                        "anexo": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
        },
    }
}


def _pydantic_error(exc: ValidationError) -> InvalidInput:
    err = exc.errors()[0]
    name = ".".join(str(p) for p in err.get("loc", ())) or "solicitud"
    if err.get("type") == "missing":
        return InvalidInput(name, f"Falta el dato «{name}».")
    return InvalidInput(name, f"El dato «{name}» no es válido.")


def _decode(n: int, f: FileIn) -> intake.IncomingFile:
    try:
        data = base64.b64decode(f.contenido_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"archivos.{n}.contenido_base64", MSG_BASE64.format(n=n)) from None
    return intake.IncomingFile(f.nombre, data, f.rol, f.etiqueta)


async def _parse(request: Request) -> tuple[FilingData, list[intake.IncomingFile], bytes]:
    """The filing's data, its files and the bytes that identify the request (for idempotency)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        raw = await request.body()
        try:
            parsed = FilingIn.model_validate_json(raw)
        except ValidationError as exc:
            if any(e.get("type") == "json_invalid" for e in exc.errors()):
                raise InvalidInput("solicitud", MSG_JSON) from None
            raise _pydantic_error(exc) from None
        return parsed, [_decode(i, f) for i, f in enumerate(parsed.archivos)], raw
    if kind == "multipart/form-data":
        form = await request.form(max_files=MAX_FILES, max_fields=4)
        datos = form.get("datos")
        if not isinstance(datos, str):
            raise InvalidInput("datos", "Falta el dato «datos» (el JSON de la presentación).")
        try:
            data = FilingData.model_validate_json(datos)
        except ValidationError as exc:
            if any(e.get("type") == "json_invalid" for e in exc.errors()):
                raise InvalidInput("datos", MSG_JSON) from None
            raise _pydantic_error(exc) from None
        files: list[intake.IncomingFile] = []
        digest = hashlib.sha256(datos.encode())
        for role in ("principal", "anexo"):
            for item in form.getlist(role):
                if not isinstance(item, UploadFile):
                    raise InvalidInput(
                        role, MSG_FILES if role == "principal" else "Cada anexo debe ser un archivo PDF."
                    )
                content = await item.read()
                digest.update(role.encode() + hashlib.sha256(content).digest())
                files.append(intake.IncomingFile(item.filename or f"{role}.pdf", content, role))
        return data, files, digest.hexdigest().encode()
    raise HTTPException(415, MSG_BODY)


def _public(field: str) -> str:
    return _FIELD.get(field, f"campos.{field.removeprefix('field_')}" if field.startswith("field_") else field)


def _file(caller: ApiCaller, data: FilingData, files: list[intake.IncomingFile], attempt: str) -> dict[str, Any]:
    a = data.remitente
    filer = intake.FilerInput(doc_type=a.tipo_documento, doc_number=a.numero_documento, name=a.nombre, kind=a.tipo,
                              email=a.correo, phone=a.telefono, address=a.direccion)  # fmt: skip
    try:
        filed = intake.file_case_and_seal(
            FileStore(settings.files_dir()),
            procedure_code=data.tramite,
            filer=filer,
            subject=data.asunto,
            fields=dict(data.campos),
            files=files,
            tracking_url=f"{settings.PUBLIC_URL}{routes.SEGUIMIENTO}",
            virtual_place=settings.FILING_PLACE,
            attempt_key=attempt,
            channel=Channel.API,
            actor=caller.actor,
        )
    except InvalidInputs as exc:
        raise InvalidInputs({_public(k): v for k, v in exc.errors.items()}) from None
    except InvalidInput as exc:
        raise InvalidInput(_public(exc.field), exc.message) from None
    c = filed.case
    return FilingOut(
        numero=c.number,
        clave=filed.access_key or None,
        estado=STATUS_LABELS.get(c.status, c.status),
        unidad=filed.unit_name,
        presentado=c.filed_on.isoformat(),
        vence=c.due_on.isoformat() if c.due_on else None,
        cargo=f"{settings.PUBLIC_URL}{links.download_url(c.number)}",
        seguimiento=links.tracking_url(c.number),
        cargo_sellado=filed.sealed,
        documentos=[
            FiledDocument(nombre=d.filename, rol=d.role, sha256=d.sha256, folios=d.pages) for d in filed.documents
        ],
    ).model_dump()


def _attempt_key(caller: ApiCaller, key: str) -> str:
    """The intake's own idempotency key of this client's key: concurrent resends file once."""
    return "api-" + hashlib.sha256(f"{caller.client.client_id}\n{key}".encode()).hexdigest()[:60]


@router.post(
    "/expedientes", status_code=201, response_model=FilingOut, responses=errors(400, 413, 415), openapi_extra=_BODY_DOC
)
async def file_case(request: Request, caller: Filing, key: RequiredIdemKey) -> JSONResponse:
    """Present documents (a new case) on behalf of an applicant, as the channel «API»."""
    idempotency.check_key(key)
    data, files, identity = await _parse(request)
    assert caller.client.id is not None
    req_hash = idempotency.request_hash("POST", request.url.path, identity)
    stored = await run_in_threadpool(idempotency.find, caller.client.id, key, req_hash)
    if stored is not None:
        body = {
            **stored.body,
            "clave": None,
            "cargo": f"{settings.PUBLIC_URL}{links.download_url(stored.body['numero'])}",
        }
        return JSONResponse(body, status_code=stored.status, headers={**NO_STORE, "Idempotent-Replayed": "true"})
    body = await run_in_threadpool(_file, caller, data, files, _attempt_key(caller, key))
    if body["clave"] is None:  # a concurrent resend filed it first: this is its replay
        return JSONResponse(body, status_code=201, headers={**NO_STORE, "Idempotent-Replayed": "true"})
    # the access key is the filer's secret: it is not kept with the stored answer
    await run_in_threadpool(idempotency.store, caller.client.id, key, req_hash, 201, {**body, "clave": None})
    return JSONResponse(body, status_code=201, headers=NO_STORE)
