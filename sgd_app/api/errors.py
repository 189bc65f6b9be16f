"""The API's two exception handlers: every DomainError answers its own ``status_code`` and every
malformed request 422, both as JSON with a Spanish ``detail`` (and the field, when there is one),
never cached. A browser that opened the address itself (GET accepting text/html: a link in an
e-mail or a receipt) gets the same message as a Spanish page with the site's look and a way on
(``error_page``).

    {"detail": "La fecha no es válida.", "campo": "date_from"}      # InvalidInput
    {"detail": "Revise los datos marcados.", "campos": {...}}         # InvalidInputs
"""

from __future__ import annotations

import math
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import Match

from sgd_app.api.error_page import html_error, wants_html
from sgd_app.api.responses import NO_STORE
from sgd_app.domain.errors import DomainError, InvalidInput, InvalidInputs, TooManyAttempts

_WHERE = ("path", "query", "body", "cookie", "header")

# The stable ``code`` of every JSON error (clients branch on it; the Spanish ``detail`` may change).
_CODES = {
    400: "solicitud_invalida",
    401: "no_autenticado",
    403: "sin_permiso",
    404: "no_encontrado",
    405: "metodo_no_permitido",
    406: "formato_no_admitido",
    409: "conflicto",
    410: "ya_no_disponible",
    413: "demasiado_grande",
    415: "tipo_no_admitido",
    422: "dato_invalido",
    429: "limite_excedido",
}


def error_code(status: int, exc: Exception | None = None) -> str:
    return getattr(exc, "code", None) or _CODES.get(status, "error")


def _bearer(request: Request, status: int, headers: dict[str, str]) -> dict[str, str]:
    """A 401 of the clients' API says how to authenticate (RFC 6750)."""
    if status == 401 and request.url.path.startswith(("/api/v1/ext/", "/api/v1/interoperabilidad/")):
        return {**headers, "WWW-Authenticate": 'Bearer realm="sgd", error="invalid_token"'}
    return headers


def domain_error(request: Request, exc: DomainError) -> Response:
    body: dict[str, Any] = {"detail": exc.message, "code": error_code(exc.status_code, exc)}
    if isinstance(exc, InvalidInput):
        body["campo"] = exc.field
    elif isinstance(exc, InvalidInputs):
        body["campos"] = exc.errors
    headers = dict(NO_STORE)
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    headers = _bearer(request, exc.status_code, headers)
    if wants_html(request):  # a person opened the link: a page with a way on, not JSON
        return html_error(exc.status_code, exc.message, headers)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def invalid_request(request: Request, exc: RequestValidationError) -> Response:
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(p) for p in error.get("loc", ()) if p not in _WHERE) or "solicitud"
        if error.get("type") == "missing":
            fields.setdefault(name, f"Falta el dato «{name}».")
        else:
            fields.setdefault(name, f"El dato «{name}» no es válido.")
    field, message = next(iter(fields.items()), ("solicitud", "La solicitud no es válida."))
    body: dict[str, Any] = {"detail": message, "code": "dato_invalido", "campo": field}
    if len(fields) > 1:
        body["campos"] = fields
    if wants_html(request):
        return html_error(422, message)
    return JSONResponse(body, status_code=422, headers=NO_STORE)


# What the framework itself refuses (an unknown path, a wrong method, …), said in Spanish.
_HTTP_REASONS = {
    400: "La solicitud no es válida.",
    401: "Inicie sesión para continuar.",
    403: "No tiene permiso para esta acción.",
    404: "La dirección solicitada no existe.",
    405: "Este método no está permitido en esta dirección.",
    406: "No se puede responder en el formato pedido.",
    413: "La solicitud es demasiado grande.",
    415: "El tipo de contenido no es admitido.",
}


def http_error(request: Request, exc: HTTPException) -> Response:
    """Our own ``HTTPException(code, "…")`` keeps its Spanish detail; the framework's English
    phrase ("Not Found", "Method Not Allowed") is replaced."""
    detail = exc.detail
    if not isinstance(detail, str) or detail == _phrase(exc.status_code):
        detail = _HTTP_REASONS.get(exc.status_code, "No se pudo atender la solicitud.")
    headers = {**NO_STORE, **(exc.headers or {})}
    if wants_html(request):
        return html_error(exc.status_code, detail, headers)
    headers = _bearer(request, exc.status_code, headers)
    body = {"detail": detail, "code": error_code(exc.status_code)}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]


def install_fallback(app: FastAPI, prefix: str = "/api/") -> None:
    """After every route: any other path under ``prefix`` answers a Spanish 404 (405 when the
    path exists for another method) instead of falling through to the frontend's HTML 404."""

    async def unknown(request: Request) -> Response:
        probe = {"type": "http", "path": request.url.path, "method": request.method, "root_path": ""}
        allowed = sorted(
            {
                method
                for context in iter_route_contexts(app.routes)
                if isinstance(context.route, APIRoute) and context.route.matches(probe)[0] == Match.PARTIAL
                for method in context.route.methods
            }
        )
        if allowed:
            return http_error(request, HTTPException(405, headers={"Allow": ", ".join(allowed)}))
        return http_error(request, HTTPException(404))

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app.add_route(prefix.rstrip("/") + "/{rest:path}", unknown, methods=methods, include_in_schema=False)
