"""Validation of the provider's ID token (OpenID Connect Core 3.1.3.7), each failure with its
own reason: the signature against the provider's JWKS (fetched again on an unknown key id), the
issuer, the audience (and ``azp`` when there are several), expiry and issue time with a small
allowance for clock skew, and the nonce this browser's sign-in was started with."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from sgd_app.domain.sso.errors import SsoRefused

KeysFor = Callable[[str | None], KeySet]  # kid -> the provider's key set (refreshed when it lacks kid)


def _header(id_token: str) -> dict[str, Any]:
    try:
        return dict(jws.extract_compact(id_token.encode()).headers())
    except (JoseError, ValueError, UnicodeError) as exc:
        raise SsoRefused("token", f"ID token ilegible: {type(exc).__name__}") from None


def validate_id_token(
    id_token: str,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    keys_for: KeysFor,
    algorithms: tuple[str, ...] = ("RS256",),
    leeway: int = 60,
    now: float | None = None,
) -> dict[str, Any]:
    """The token's claims, or SsoRefused with the reason (token / nonce / vencido / reloj)."""
    if not id_token or len(id_token) > 16_000:
        raise SsoRefused("token", "sin ID token o demasiado largo")
    header = _header(id_token)
    alg = header.get("alg")
    if alg not in algorithms:  # never "none", never an HMAC keyed with a public key
        raise SsoRefused("token", f"algoritmo no admitido: {alg!r}")
    kid = header.get("kid")
    keys = keys_for(kid if isinstance(kid, str) else None)
    try:
        token = jwt.decode(id_token, keys, algorithms=list(algorithms))
    except JoseError as exc:
        raise SsoRefused("token", f"firma no válida: {type(exc).__name__}") from None
    claims = dict(token.claims)
    at = time.time() if now is None else now

    if claims.get("iss") != issuer:
        raise SsoRefused("token", f"emisor inesperado: {claims.get('iss')!r}")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud) if isinstance(aud, list) else []
    if client_id not in audiences:
        raise SsoRefused("token", f"audiencia inesperada: {aud!r}")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SsoRefused("token", f"varias audiencias y azp={claims.get('azp')!r}")
    if not isinstance(claims.get("sub"), str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise SsoRefused("token", "sin sujeto (sub)")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise SsoRefused("token", "sin exp o iat")
    if iat > at + leeway or claims.get("nbf", 0) > at + leeway:
        raise SsoRefused("reloj", f"emitido {int(iat - at)} s en el futuro (tolerancia {leeway} s)")
    if exp <= at - leeway:
        raise SsoRefused("vencido", f"venció hace {int(at - exp)} s (tolerancia {leeway} s)")
    got = claims.get("nonce")
    if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
        raise SsoRefused("nonce", "el nonce no es el de esta solicitud")
    return claims
