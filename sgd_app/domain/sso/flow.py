"""The authorization code flow with PKCE (S256), ``state`` and ``nonce``, as authlib's OAuth2
client speaks it, and RP-initiated logout.

The pending sign-in is bound to the browser by a signed, short-lived HttpOnly cookie holding
``state``, ``nonce`` and an expiry (HMAC with the installation's secret); the PKCE verifier is
derived from them with the same secret, so it never leaves the server but for the provider's
token endpoint, and no row is written before the sign-in succeeds.

    start = begin(config, secret=key)            # -> start.url (to the provider), start.cookie
    opened = finish(config, secret=key, cookie=..., state=..., code=..., ip=...)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError

from sgd_app.domain import ratelimit
from sgd_app.domain.sso import accounts, provider
from sgd_app.domain.sso.config import SsoConfig
from sgd_app.domain.sso.errors import SsoRefused
from sgd_app.domain.sso.tokens import validate_id_token

with warnings.catch_warnings():  # authlib prefers the httpx2 fork and says so at import; httpx works
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client

PENDING_SECONDS = 600  # the person has 10 minutes at the provider's login page


@dataclass(frozen=True)
class Start:
    url: str
    cookie: str


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, f"sso|{text}".encode(), hashlib.sha256).hexdigest()


def _verifier(secret: bytes, state: str, nonce: str) -> str:
    digest = hmac.new(secret, f"pkce|{state}|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest + digest[:16]).rstrip(b"=").decode()  # 64 characters


def _client(config: SsoConfig) -> OAuth2Client:
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        token_endpoint_auth_method="client_secret_basic",
        scope=config.scopes,
        redirect_uri=config.redirect_uri,
        code_challenge_method="S256",
        timeout=config.timeout,
        verify=config.ca_file or True,
    )


def begin(config: SsoConfig, *, secret: bytes, now: float | None = None) -> Start:
    """Where to send the browser (the provider's authorization endpoint) and the cookie that binds
    this sign-in to it. SsoRefused("proveedor_caido") when discovery fails (audited)."""
    try:
        meta = provider.metadata(config)
    except SsoRefused as exc:
        accounts.record_refusal(reason=exc.reason, detail=exc.detail, ip="", issuer=config.issuer)
        raise
    state, nonce = generate_token(32), generate_token(32)
    expires = int((time.time() if now is None else now) + PENDING_SECONDS)
    with _client(config) as client:
        url, _ = client.create_authorization_url(
            meta.authorization_endpoint,
            state=state,
            nonce=nonce,
            code_verifier=_verifier(secret, state, nonce),
        )
    body = f"{state}.{nonce}.{expires}"
    return Start(url=url, cookie=f"{body}.{_mac(secret, body)}")


def _pending(secret: bytes, cookie: str, state: str, now: float) -> tuple[str, str]:
    try:
        c_state, nonce, expires_s, mac = (cookie or "").split(".")
        expires = int(expires_s)
    except ValueError:
        raise SsoRefused("estado", "sin cookie de la solicitud o ilegible") from None
    if not hmac.compare_digest(mac.encode(), _mac(secret, f"{c_state}.{nonce}.{expires}").encode()):
        raise SsoRefused("estado", "cookie de la solicitud alterada")
    if expires < now:
        raise SsoRefused("estado", "la solicitud venció")
    if not state or not hmac.compare_digest(c_state.encode(), state.encode()):
        raise SsoRefused("estado", "state distinto del de la solicitud")
    return c_state, nonce


def _exchange(config: SsoConfig, token_endpoint: str, code: str, verifier: str) -> dict[str, Any]:
    try:
        with _client(config) as client:
            token = client.fetch_token(
                token_endpoint, grant_type="authorization_code", code=code, code_verifier=verifier
            )
    except OAuthError as exc:
        raise SsoRefused("proveedor_rechazo", f"token endpoint: {exc.error}: {exc.description}"[:300]) from None
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoRefused("proveedor_caido", f"token endpoint: {type(exc).__name__}: {exc}"[:300]) from None
    return dict(token)


def finish(
    config: SsoConfig,
    *,
    secret: bytes,
    cookie: str,
    state: str,
    code: str,
    error: str = "",
    iss: str = "",
    ip: str = "",
    absolute_hours: int = 12,
    now: float | None = None,
) -> accounts.Opened:
    """The provider's answer at the redirect URI: check it was this browser's request, redeem the
    code (with the PKCE verifier), validate the ID token, open the session. Every refusal is
    audited with its reason and raised as SsoRefused; nothing else is written then."""
    at = time.time() if now is None else now
    claims: dict[str, Any] = {}
    source = ip or "?"
    try:
        ratelimit.check("sso-fail-ip", source)
    except ratelimit.Limited as exc:  # refused without a look; audited once per lock-out
        if ratelimit.first_refusal("sso-fail-ip", source):
            accounts.record_refusal(reason="limite", detail=exc.message, ip=ip, issuer=config.issuer)
        raise SsoRefused("limite", exc.message) from None
    try:
        if error:
            raise SsoRefused("proveedor_rechazo", f"error={error[:80]}")
        c_state, nonce = _pending(secret, cookie, state, at)
        if not code or len(code) > 2000:
            raise SsoRefused("estado", "sin code")
        meta = provider.metadata(config)
        if (iss or meta.iss_in_response) and iss != meta.issuer:  # RFC 9207: another provider's answer (mix-up)
            raise SsoRefused("estado", f"iss de la respuesta: {iss[:200]!r}")
        token = _exchange(config, meta.token_endpoint, code, _verifier(secret, c_state, nonce))
        id_token = str(token.get("id_token") or "")
        claims = validate_id_token(
            id_token,
            issuer=meta.issuer,
            client_id=config.client_id,
            nonce=nonce,
            keys_for=lambda kid: provider.keys_for(config, meta, kid),
            algorithms=meta.algorithms,
            leeway=config.clock_skew,
            now=at,
        )
        return accounts.open_session(
            config=config, claims=claims, id_token=id_token, ip=ip, absolute_hours=absolute_hours
        )
    except SsoRefused as exc:
        if exc.reason != "proveedor_caido":  # the provider's outage is no one's failed attempt
            ratelimit.hit("sso-fail-ip", source)
        accounts.record_refusal(
            reason=exc.reason, detail=exc.detail, ip=ip, issuer=config.issuer, subject=str(claims.get("sub", ""))
        )
        raise


def logout_url(config: SsoConfig, id_token: str) -> str | None:
    """Where the browser goes after the local session ended (the provider's end_session_endpoint with
    id_token_hint and post_logout_redirect_uri), or None when the provider has none or is down."""
    try:
        meta = provider.metadata(config)
    except SsoRefused:
        return None
    if not meta.end_session_endpoint:
        return None
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": config.post_logout_redirect_uri,
        "client_id": config.client_id,
    }
    sep = "&" if "?" in meta.end_session_endpoint else "?"
    return f"{meta.end_session_endpoint}{sep}{urlencode(params)}"
