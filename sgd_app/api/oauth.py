"""The OAuth2 endpoints of API clients: POST /api/v1/oauth/token (client credentials grant,
``private_key_jwt`` or ``client_secret_post`` / ``client_secret_basic``), POST
/api/v1/oauth/revoke (RFC 7009) and GET /api/v1/oauth/jwks.json (this instance's public keys,
to check our access tokens). Errors as RFC 6749 §5.2 (``error``) plus the Spanish ``detail`` and
the stable ``code`` of the rest of the API. Token answers are never stored (``no-store``), so the
token endpoints take no Idempotency-Key: asking again simply gives another short-lived token.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import JSONResponse

from sgd_app.api.ext_models import Jwks, TokenOut, oauth_errors
from sgd_app.api.responses import NO_STORE
from sgd_app.domain import ratelimit
from sgd_app.domain.apiclients import keys, tokens
from sgd_app.domain.apiclients.tables import ApiClient
from sgd_app.domain.apiclients.tokens import OAuthError

router = APIRouter()
FormValue = Annotated[str, Form(max_length=8000)]
TOKEN_HEADERS = {**NO_STORE, "Pragma": "no-cache"}
# client_secret_basic: declared in the description as the ``basico`` security scheme
BasicHeader = Annotated[str, Header(alias="Authorization", max_length=2000, include_in_schema=False)]


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _oauth_error(exc: OAuthError) -> JSONResponse:
    headers = dict(TOKEN_HEADERS)
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="sgd"'
    body = {"error": exc.error, "error_description": exc.message, "detail": exc.message, "code": exc.error}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _basic(authorization: str) -> tuple[str, str]:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", tokens.MSG_BAD_CLIENT, 401, "cabecera Basic ilegible") from None
    return unquote(user), unquote(password)  # RFC 6749 §2.3.1: form-urlencoded


def _authenticate(request: Request, authorization: str, client_id: str, client_secret: str,
                  assertion_type: str, assertion: str) -> ApiClient:  # fmt: skip
    ip = _ip(request)
    ratelimit.check("api-token-fail-ip", ip)
    basic_id, basic_secret = _basic(authorization)
    if basic_id and (client_secret or assertion):
        raise OAuthError("invalid_request", "Use un solo método de autenticación del cliente.")
    try:
        return tokens.authenticate(
            client_id=basic_id or client_id,
            client_secret=basic_secret or client_secret,
            assertion_type=assertion_type,
            assertion=assertion,
        )
    except OAuthError as exc:
        if exc.error == "invalid_client":
            first = ratelimit.hit("api-token-fail-ip", ip)
            tokens.record_refusal(ip=ip, client_id=basic_id or client_id, reason=exc.reason, locked=first)
        raise


@router.post("/api/v1/oauth/token", response_model=TokenOut, responses=oauth_errors(), tags=["clientes"])
def token(
    request: Request,
    grant_type: FormValue = "",
    scope: FormValue = "",
    client_id: FormValue = "",
    client_secret: FormValue = "",
    client_assertion_type: FormValue = "",
    client_assertion: FormValue = "",
    authorization: BasicHeader = "",
) -> JSONResponse:
    """Client credentials grant: an access token (JWT, 5 minutes) for the scopes asked (all the
    client holds when ``scope`` is empty)."""
    try:
        if grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type", "Solo se admite grant_type=client_credentials.")
        client = _authenticate(
            request, authorization, client_id, client_secret, client_assertion_type, client_assertion
        )
        issued = tokens.issue(client, scope=tokens.granted_scopes(client, scope))
    except OAuthError as exc:
        return _oauth_error(exc)
    body = {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in,
            "scope": issued.scope}  # fmt: skip
    return JSONResponse(body, headers=TOKEN_HEADERS)


@router.post("/api/v1/oauth/revoke", response_model=dict[str, str], responses=oauth_errors(), tags=["clientes"])
def revoke(
    request: Request,
    token: FormValue = "",
    token_type_hint: FormValue = "",
    client_id: FormValue = "",
    client_secret: FormValue = "",
    client_assertion_type: FormValue = "",
    client_assertion: FormValue = "",
    authorization: BasicHeader = "",
) -> JSONResponse:
    """RFC 7009: the client revokes one of its access tokens; 200 whether or not it was valid."""
    try:
        if not token:
            raise OAuthError("invalid_request", "Falta el token a revocar.")
        client = _authenticate(
            request, authorization, client_id, client_secret, client_assertion_type, client_assertion
        )
        tokens.revoke(client, token)
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse({}, headers=NO_STORE)


@router.get("/api/v1/oauth/jwks.json", response_model=Jwks, tags=["clientes"])
def jwks() -> JSONResponse:
    """The public keys that sign this instance's access tokens (public, as any JWKS)."""
    return JSONResponse(keys.public_jwks(), headers={"Cache-Control": "public, max-age=300"})
