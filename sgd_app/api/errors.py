"""The API's two exception handlers: every DomainError answers its own ``status_code`` and every
malformed request 422, both as JSON with a Spanish ``detail`` (and the field, when there is one),
never cached.

    {"detail": "La fecha no es válida.", "campo": "date_from"}      # InvalidInput
    {"detail": "Revise los datos marcados.", "campos": {...}}         # InvalidInputs
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from sgd_app.api.responses import NO_STORE
from sgd_app.domain.errors import DomainError, InvalidInput, InvalidInputs, TooManyAttempts

_WHERE = ("path", "query", "body", "cookie", "header")


def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    body: dict[str, Any] = {"detail": exc.message}
    if isinstance(exc, InvalidInput):
        body["campo"] = exc.field
    elif isinstance(exc, InvalidInputs):
        body["campos"] = exc.errors
    headers = dict(NO_STORE)
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(p) for p in error.get("loc", ()) if p not in _WHERE) or "solicitud"
        if error.get("type") == "missing":
            fields.setdefault(name, f"Falta el dato «{name}».")
        else:
            fields.setdefault(name, f"El dato «{name}» no es válido.")
    field, message = next(iter(fields.items()), ("solicitud", "La solicitud no es válida."))
    body: dict[str, Any] = {"detail": message, "campo": field}
    if len(fields) > 1:
        body["campos"] = fields
    return JSONResponse(body, status_code=422, headers=NO_STORE)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
