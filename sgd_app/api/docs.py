"""The API's own description: /api/v1/openapi.json for an authenticated caller (``deps.ApiCaller``)
and, only when ``settings.API_DOCS`` is on (development), Swagger UI at /api/v1/docs for the same
callers, served from the ``swagger-ui-bundle`` package's files (nothing comes from a CDN).

The page loads its script from /api/v1/docs/inicio.js rather than inline, so it works under the
site's Content-Security-Policy (script-src 'self', see ``sgd_app.api.headers``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from sgd_app import settings
from sgd_app.api import client_auth
from sgd_app.api.deps import ApiCaller, SessionCookie, current_staff
from sgd_app.api.responses import NO_STORE
from sgd_app.domain.apiclients import tokens
from sgd_app.domain.apiclients.registry import SCOPES
from sgd_app.domain.errors import NotFound

router = APIRouter()

OPENAPI_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"
MSG_DOCS_OFF = "La documentación de la API no está habilitada en esta instalación."

_PAGE = f"""<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>Trámite Digital — API</title>
<link rel="stylesheet" href="{DOCS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{DOCS_URL}/swagger-ui-bundle.js"></script>
<script src="{DOCS_URL}/inicio.js"></script>
</body>
</html>
"""
_INIT = f'window.ui = SwaggerUIBundle({{url: "{OPENAPI_URL}", dom_id: "#swagger-ui", deepLinking: false}});\n'


def _bundle_dir() -> Path:
    import swagger_ui_bundle  # only when the docs are on

    return Path(swagger_ui_bundle.swagger_ui_path)


def _docs_on() -> None:
    if not settings.API_DOCS:
        raise NotFound(MSG_DOCS_OFF)


CLIENT_PATHS = ("/api/v1/ext/", "/api/v1/oauth/")


def docs_reader(
    request: Request, session_cookie: SessionCookie = "", authorization: Annotated[str, Header(max_length=4100)] = ""
) -> str:
    """ "client" for an API client's bearer token (its call audited like any other), else
    "staff" for a signed-in staff session; anyone else is refused (401)."""
    if authorization.lower().startswith("bearer "):
        client_auth.api_client(request, client_auth.bearer(authorization))
        return "client"
    current_staff(session_cookie)
    return "staff"


def client_description(full: dict[str, Any]) -> dict[str, Any]:
    """The part of the description an API client uses: /api/v1/ext and /api/v1/oauth, with
    the bearer token (from the client credentials grant) declared on the /ext routes."""
    doc = copy.deepcopy(full)
    doc["info"] = {**doc.get("info", {}), "title": "Trámite Digital — API de clientes"}
    doc["paths"] = {p: ops for p, ops in doc.get("paths", {}).items() if p.startswith(CLIENT_PATHS)}
    doc["servers"] = [{"url": settings.PUBLIC_URL}]
    components = doc.setdefault("components", {})
    components["securitySchemes"] = {
        "token": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "basico": {
            "type": "http",
            "scheme": "basic",
            "description": "client_secret_basic (o el secreto en el formulario)",
        },
        "credenciales": {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": tokens.token_endpoint(), "scopes": dict(SCOPES)}},
        },
    }
    for path, ops in doc["paths"].items():
        for op in ops.values():
            if path.startswith("/api/v1/ext/"):
                op["security"] = [{"token": []}]
            elif path in ("/api/v1/oauth/token", "/api/v1/oauth/revoke"):
                op["security"] = [{"basico": []}, {}]  # or private_key_jwt / the secret in the form
    return doc


@router.get(OPENAPI_URL, include_in_schema=False)
def openapi_description(request: Request, reader: Annotated[str, Depends(docs_reader)]) -> JSONResponse:
    """The API's description, only for an authenticated caller: every route for a staff
    session, the clients' routes for an API client's token."""
    full = request.app.openapi()
    return JSONResponse(client_description(full) if reader == "client" else full, headers=NO_STORE)


@router.get(DOCS_URL, include_in_schema=False)
def swagger_page(_who: ApiCaller) -> HTMLResponse:
    _docs_on()
    return HTMLResponse(_PAGE, headers=NO_STORE)


@router.get(f"{DOCS_URL}/inicio.js", include_in_schema=False)
def swagger_init(_who: ApiCaller) -> Response:
    _docs_on()
    return Response(_INIT, media_type="text/javascript", headers=NO_STORE)


@router.get(f"{DOCS_URL}/swagger-ui-bundle.js", include_in_schema=False)
def swagger_script(_who: ApiCaller) -> FileResponse:
    _docs_on()
    return FileResponse(_bundle_dir() / "swagger-ui-bundle.js", media_type="text/javascript", headers=NO_STORE)


@router.get(f"{DOCS_URL}/swagger-ui.css", include_in_schema=False)
def swagger_style(_who: ApiCaller) -> FileResponse:
    _docs_on()
    return FileResponse(_bundle_dir() / "swagger-ui.css", media_type="text/css", headers=NO_STORE)
