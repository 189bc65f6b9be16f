"""The staff session over HTTP: POST /api/v1/sesion signs in (a real form post from /ingresar)
and sets the HttpOnly cookie; POST /api/v1/sesion/salir signs out. Both answer with a redirect to
a page, never JSON: the browser follows them."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sgd_app import routes, settings
from sgd_app.api.deps import NO_NUL
from sgd_app.domain import auth, ratelimit, sso
from sgd_app.domain.errors import NotAuthenticated, TooManyAttempts

router = APIRouter()
FormText = Annotated[str, Form(pattern=NO_NUL)]


# The limit that refused -> the reason the login page explains.
LIMIT_REASONS = {"login-ip": "limite", "login-source": "bloqueada", "login-device": "bloqueada"}
LIMIT_REASONS["login-account"] = "protegida"


def login_page(reason: str, minutes: int = 0) -> RedirectResponse:
    tail = f"&minutos={minutes}" if minutes else ""
    return RedirectResponse(f"{routes.INGRESAR}?motivo={reason}{tail}", status_code=303)


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
        return login_page("origen")
    try:
        signed = auth.sign_in(
            username=usuario[:60],
            password=clave[:200],
            ip=_client_ip(request),
            device_token=request.cookies.get(settings.DEVICE_COOKIE, "")[:100],
            absolute_hours=settings.SESSION_ABSOLUTE_HOURS,
            device_days=settings.DEVICE_DAYS,
            local_passwords=settings.LOCAL_PASSWORDS,
            break_glass=settings.BREAK_GLASS_USERS,
        )
    except ratelimit.Limited as exc:
        if exc.waiting:
            return login_page("espera")
        return login_page(LIMIT_REASONS.get(exc.rule, "limite"), max(1, math.ceil(exc.retry_after / 60)))
    except TooManyAttempts:
        return login_page("limite")
    except auth.PasswordsOff:
        return login_page("institucional")
    except NotAuthenticated:
        return login_page("credenciales")
    token = signed.token
    resp = RedirectResponse(routes.BANDEJA, status_code=303)
    if signed.device_token:  # a browser seen for the first time: its own counters from now on
        resp.set_cookie(
            settings.DEVICE_COOKIE,
            signed.device_token,
            httponly=True,
            samesite="strict",
            path="/api/v1/sesion",
            secure=settings.SECURE_COOKIES,
            max_age=settings.DEVICE_DAYS * 86400,
        )
    return with_session_cookie(resp, token)


def with_session_cookie(resp: Response, token: str) -> Response:
    """The one session cookie of a staff session, however it was opened (password or single sign-on)."""
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
    """Ends the local session; one opened through the provider also ends there (RP-initiated
    logout: the browser goes to its end_session_endpoint, which sends it back to /ingresar)."""
    id_token = sso.sign_out(request.cookies.get(settings.SESSION_COOKIE, ""))
    config = sso.from_settings() if id_token else None
    target = sso.logout_url(config, id_token) if config is not None and id_token else None
    if target is not None:
        resp: Response = RedirectResponse(target, status_code=303)
    else:
        resp = login_page("salio-local" if id_token else "salio")
    resp.delete_cookie(settings.SESSION_COOKIE, path="/")
    return resp
