"""The staff session over HTTP: POST /api/v1/sesion signs in (a real form post from /ingresar)
and sets the HttpOnly cookie; POST /api/v1/sesion/salir signs out. Both answer with a redirect to
a page, never JSON: the browser follows them."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sgd_app import routes, settings
from sgd_app.api.deps import NO_NUL
from sgd_app.domain import auth
from sgd_app.domain.errors import NotAuthenticated, TooManyAttempts

router = APIRouter()
FormText = Annotated[str, Form(pattern=NO_NUL)]


def _login_page(reason: str) -> RedirectResponse:
    return RedirectResponse(f"{routes.INGRESAR}?motivo={reason}", status_code=303)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    if not origin:
        return True  # non-browser clients send none; the cookie is SameSite=Lax anyway
    parts = urlsplit(origin)
    base = f"{parts.scheme}://{parts.netloc}"
    host = request.headers.get("host", "")
    return base in settings.ALLOWED_ORIGINS or parts.netloc == host


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


@router.post("/api/v1/sesion")
def login(request: Request, usuario: FormText = "", clave: FormText = "") -> Response:
    if not _same_origin(request):
        return _login_page("origen")
    try:
        token = auth.login(
            username=usuario[:60],
            password=clave[:200],
            ip=_client_ip(request),
            absolute_hours=settings.SESSION_ABSOLUTE_HOURS,
        )
    except TooManyAttempts as exc:
        return _login_page("limite" if "conexión" in exc.message else "bloqueada")
    except NotAuthenticated:
        return _login_page("credenciales")
    resp = RedirectResponse(routes.BANDEJA, status_code=303)
    resp.set_cookie(
        settings.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=settings.SECURE_COOKIES,
        max_age=settings.SESSION_ABSOLUTE_HOURS * 3600,
    )
    return resp


@router.post("/api/v1/sesion/salir")
def logout(request: Request) -> Response:
    auth.logout(request.cookies.get(settings.SESSION_COOKIE, ""))
    resp = _login_page("salio")
    resp.delete_cookie(settings.SESSION_COOKIE, path="/")
    return resp
