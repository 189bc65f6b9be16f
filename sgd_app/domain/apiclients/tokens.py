"""The client credentials grant (RFC 6749 §4.4) and the access tokens it issues.

Client authentication, each failure the same ``invalid_client`` to the caller (the reason goes
to the audit trail): ``private_key_jwt`` (RFC 7523 §3: iss = sub = client_id, aud = the token
endpoint or the issuer, exp at most 5 minutes ahead, a ``jti`` used once, signed with the
registered key, RS256/PS256/ES256 only) or ``client_secret`` (post or basic, argon2id hash).

Access tokens are JWTs (RFC 9068 ``at+jwt``) signed with this instance's key (``keys``), valid
``TOKEN_TTL`` seconds, scoped to what was asked within what the client holds. Every call reads
the client again, so a deactivated client is refused at once; a revoked token's ``jti`` is kept
until it would have expired.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from sgd_app import settings
from sgd_app.domain import audit, auth, ratelimit
from sgd_app.domain.apiclients import keys
from sgd_app.domain.apiclients.tables import ApiAssertionUse, ApiClient, ApiRevokedToken
from sgd_app.domain.errors import DomainError, NotAuthenticated
from sgd_app.domain.models import User, utcnow
from sgd_app.domain.transaction import act

TOKEN_TTL = 300  # seconds
ASSERTION_MAX_LIFE = 300
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_ALGS = ["RS256", "PS256", "ES256"]
LEEWAY = 30


class OAuthError(DomainError):
    """An error of the token or revocation endpoint, answered as RFC 6749 §5.2 says."""

    def __init__(self, error: str, message: str, status: int = 400, reason: str = ""):
        super().__init__(message)
        self.error = error
        self.status_code = status
        self.reason = reason or message


MSG_BAD_CLIENT = "Autenticación del cliente fallida."


def issuer() -> str:
    return settings.PUBLIC_URL


def token_endpoint() -> str:
    return f"{settings.PUBLIC_URL}/api/v1/oauth/token"


def audience() -> str:
    return f"{settings.PUBLIC_URL}/api/v1"


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    scope: str
    jti: str


def _client(session: Session, client_id: str) -> ApiClient | None:
    if not client_id or len(client_id) > 64:
        return None
    return session.exec(select(ApiClient).where(col(ApiClient.client_id) == client_id)).first()


def _refuse(reason: str) -> OAuthError:
    return OAuthError("invalid_client", MSG_BAD_CLIENT, 401, reason)


def _assertion_client_id(assertion: str) -> str:
    try:
        data = json.loads(jws.extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, UnicodeError):
        raise _refuse("aserción ilegible") from None
    sub = data.get("sub") if isinstance(data, dict) else None
    return sub if isinstance(sub, str) else ""


def _check_assertion(session: Session, client: ApiClient, assertion: str, now: float) -> None:
    try:
        key = JWKRegistry.import_key(json.loads(client.public_jwk))
        token = jwt.decode(assertion, key, algorithms=CLIENT_ALGS)
    except (JoseError, ValueError):
        raise _refuse("firma de la aserción no válida") from None
    c = token.claims
    if c.get("iss") != client.client_id or c.get("sub") != client.client_id:
        raise _refuse("iss/sub de la aserción no son el client_id")
    aud = c.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not {token_endpoint(), issuer()} & {a for a in audiences if isinstance(a, str)}:
        raise _refuse(f"audiencia de la aserción inesperada: {aud!r}")
    exp, jti = c.get("exp"), c.get("jti")
    if not isinstance(exp, int | float) or exp <= now - LEEWAY:
        raise _refuse("aserción vencida o sin exp")
    if exp > now + ASSERTION_MAX_LIFE + LEEWAY:
        raise _refuse("aserción con vida mayor a 5 minutos")
    if isinstance(c.get("iat"), int | float) and c["iat"] > now + LEEWAY:
        raise _refuse("aserción emitida en el futuro")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 200:
        raise _refuse("aserción sin jti")
    assert client.id is not None
    session.execute(delete(ApiAssertionUse).where(col(ApiAssertionUse.expires_at) < utcnow()))
    try:
        with session.begin_nested():
            session.add(
                ApiAssertionUse(client_pk=client.id, jti=jti, expires_at=datetime.fromtimestamp(exp + LEEWAY, UTC))
            )
    except IntegrityError:
        raise _refuse("aserción ya usada (jti repetido)") from None


@act
def authenticate(
    session: Session,
    *,
    client_id: str = "",
    client_secret: str = "",
    assertion_type: str = "",
    assertion: str = "",
    now: float | None = None,
) -> ApiClient:
    """The client that authenticated, or OAuthError(invalid_client) with the reason for the trail."""
    at = time.time() if now is None else now
    if assertion or assertion_type:
        if assertion_type != ASSERTION_TYPE or not assertion or len(assertion) > 8000:
            raise _refuse("client_assertion_type no admitido")
        sub = _assertion_client_id(assertion)
        if client_id and client_id != sub:
            raise _refuse("client_id distinto del sub de la aserción")
        client = _client(session, sub)
        if client is None or client.auth_method != "private_key_jwt":
            raise _refuse("cliente desconocido o sin clave pública")
        if not client.active:
            raise _refuse("cliente desactivado")
        _check_assertion(session, client, assertion, at)
        return client
    client = _client(session, client_id)
    if client is None or client.auth_method != "client_secret" or not client_secret:
        auth.verify_password(_DUMMY, client_secret or "x")  # the same time for unknown clients
        raise _refuse("cliente desconocido o sin secreto")
    if not auth.verify_password(client.secret_hash, client_secret):
        raise _refuse("secreto incorrecto")
    if not client.active:
        raise _refuse("cliente desactivado")
    return client


_DUMMY = auth.hash_password(secrets.token_urlsafe(16))


def granted_scopes(client: ApiClient, requested: str) -> str:
    held = set(client.scopes.split())
    if not requested.strip():
        return " ".join(sorted(held))
    asked = set(requested.split())
    if not asked <= held:
        raise OAuthError("invalid_scope", "El cliente no tiene alguno de los alcances pedidos.")
    return " ".join(sorted(asked))


@act
def issue(session: Session, client: ApiClient, *, scope: str, now: float | None = None) -> Issued:
    at = int(time.time() if now is None else now)
    jti = secrets.token_urlsafe(24)
    key = keys.signing_key()
    claims: dict[str, Any] = {
        "iss": issuer(),
        "sub": client.client_id,
        "aud": audience(),
        "client_id": client.client_id,
        "scope": scope,
        "iat": at,
        "exp": at + TOKEN_TTL,
        "jti": jti,
    }
    header = {"alg": keys.ALG, "kid": key.kid, "typ": "at+jwt"}
    token = jwt.encode(header, claims, key, algorithms=[keys.ALG])
    audit.record(
        session,
        actor=f"cliente:{client.client_id}",
        action="api_token",
        object_type="apiclient",
        object_id=client.client_id,
        data={"alcances": scope.split(), "jti": jti, "metodo": client.auth_method},
    )
    return Issued(token, TOKEN_TTL, scope, jti)


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    scopes: frozenset[str]
    jti: str
    exp: int


MSG_NO_TOKEN = "Falta el token de acceso (Authorization: Bearer …)."
MSG_BAD_TOKEN = "El token de acceso no es válido o venció."


def decode(token: str, *, now: float | None = None) -> TokenClaims:
    """The claims of one of our access tokens (signature, typ, iss, aud, exp); NotAuthenticated otherwise."""
    at = time.time() if now is None else now
    if not token or len(token) > 4000:
        raise NotAuthenticated(MSG_NO_TOKEN if not token else MSG_BAD_TOKEN)
    try:
        header = jws.extract_compact(token.encode()).headers()
        if header.get("typ") != "at+jwt" or header.get("alg") != keys.ALG:
            raise NotAuthenticated(MSG_BAD_TOKEN)
        c = jwt.decode(token, keys.verification_keys(), algorithms=[keys.ALG]).claims
    except (JoseError, ValueError, UnicodeError):
        raise NotAuthenticated(MSG_BAD_TOKEN) from None
    exp = c.get("exp")
    if (
        c.get("iss") != issuer()
        or c.get("aud") != audience()
        or not isinstance(exp, int)
        or exp <= at
        or not isinstance(c.get("client_id"), str)
        or not isinstance(c.get("jti"), str)
    ):
        raise NotAuthenticated(MSG_BAD_TOKEN)
    return TokenClaims(c["client_id"], frozenset(str(c.get("scope", "")).split()), c["jti"], exp)


def active_client(session: Session, claims: TokenClaims) -> ApiClient:
    """The client of a valid token, unless it was deactivated or the token revoked."""
    client = _client(session, claims.client_id)
    if client is None or not client.active:
        raise NotAuthenticated(MSG_BAD_TOKEN)
    if session.get(ApiRevokedToken, claims.jti) is not None:
        raise NotAuthenticated(MSG_BAD_TOKEN)
    return client


@act
def revoke(session: Session, client: ApiClient, token: str) -> None:
    """RFC 7009: the client's own token is revoked; anything else is ignored (200 all the same)."""
    try:
        claims = decode(token)
    except NotAuthenticated:
        return
    if not hmac.compare_digest(claims.client_id, client.client_id):
        return
    if session.get(ApiRevokedToken, claims.jti) is not None:
        return
    assert client.id is not None
    session.add(
        ApiRevokedToken(jti=claims.jti, client_pk=client.id, expires_at=datetime.fromtimestamp(claims.exp, UTC))
    )
    session.execute(delete(ApiRevokedToken).where(col(ApiRevokedToken.expires_at) < utcnow()))
    audit.record(
        session,
        actor=f"cliente:{client.client_id}",
        action="api_token_revocar",
        object_type="apiclient",
        object_id=client.client_id,
        data={"jti": claims.jti},
    )


@act
def record_refusal(session: Session, *, ip: str, client_id: str, reason: str, locked: bool) -> None:
    audit.record(session, actor=f"ip:{ip}", action="api_token_rechazado", object_type="apiclient",
                 object_id=client_id[:64] or "-", data={"motivo": reason, "bloqueo": locked})  # fmt: skip


@act
def caller(session: Session, claims: TokenClaims, *, method: str, path: str) -> tuple[ApiClient, auth.Principal]:
    """The client of a token and its service account's Principal; the call counted against the
    client's rate limit and audited with the client id."""
    client = active_client(session, claims)
    ratelimit.take("api-client", client.client_id, limit=client.rate_limit)
    user = session.get(User, client.user_id)
    if user is None or not user.active:
        raise NotAuthenticated(MSG_BAD_TOKEN)
    who = auth.principal_for(session, user)
    audit.record(
        session,
        actor=f"cliente:{client.client_id}",
        action="api_llamada",
        object_type="apiclient",
        object_id=client.client_id,
        data={"metodo": method, "ruta": path[:300], "jti": claims.jti},
    )
    return client, who
