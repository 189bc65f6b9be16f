"""Staff single sign-on over HTTP (docs/sso.md). The browser's two trips to the provider:

- GET /api/v1/sso/ingresar: sets the signed cookie of the pending sign-in (state, nonce) and
  sends the browser to the provider's authorization endpoint (code flow, PKCE S256);
- GET /api/v1/sso/retorno: the redirect URI registered at the provider; on success the staff
  session cookie (the same one a password login sets) and /bandeja, otherwise /ingresar with
  the Spanish reason;
- GET /api/v1/sso/salida: the post_logout_redirect_uri, back to /ingresar after the provider's logout.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from sgd_app import routes, settings
from sgd_app.api.deps import NO_NUL
from sgd_app.api.session import login_page, with_session_cookie
from sgd_app.domain import sso

router = APIRouter()
PATH = "/api/v1/sso"
Param = Annotated[str, Query(max_length=2000, pattern=NO_NUL)]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _refused(reason: str) -> Response:
    resp = login_page(f"sso-{reason}")
    resp.delete_cookie(settings.SSO_STATE_COOKIE, path=PATH)
    return resp


@router.get(f"{PATH}/ingresar")
def start(request: Request) -> Response:
    config = sso.from_settings()
    if config is None:
        return _refused("no_configurado")
    try:
        begun = sso.begin(config, secret=settings.secret_key())
    except sso.SsoRefused as exc:
        return _refused(exc.reason)
    resp = RedirectResponse(begun.url, status_code=303)
    resp.set_cookie(
        settings.SSO_STATE_COOKIE,
        begun.cookie,
        httponly=True,
        samesite="lax",  # sent back on the provider's top-level redirect to /retorno
        path=PATH,
        secure=settings.SECURE_COOKIES,
        max_age=600,
    )
    return resp


@router.get(f"{PATH}/retorno")
def callback(request: Request, code: Param = "", state: Param = "", error: Param = "", iss: Param = "") -> Response:
    config = sso.from_settings()
    if config is None:
        return _refused("no_configurado")
    try:
        opened = sso.finish(
            config,
            secret=settings.secret_key(),
            cookie=request.cookies.get(settings.SSO_STATE_COOKIE, "")[:1000],
            state=state,
            code=code,
            error=error,
            iss=iss,
            ip=_client_ip(request),
            absolute_hours=settings.SESSION_ABSOLUTE_HOURS,
        )
    except sso.SsoRefused as exc:
        return _refused(exc.reason)
    resp = with_session_cookie(RedirectResponse(routes.BANDEJA, status_code=303), opened.token)
    resp.delete_cookie(settings.SSO_STATE_COOKIE, path=PATH)
    return resp


@router.get(f"{PATH}/salida")
def after_logout() -> Response:
    return login_page("salio")
