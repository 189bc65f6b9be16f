"""The institution's OpenID provider as this system sees it: its metadata from discovery
(``<issuer>/.well-known/openid-configuration``, cached for an hour) and its signing keys (JWKS,
cached, fetched again when a token names a key id we have not seen: key rotation).

Network failures (refused connection, timeout, 5xx, a body that is not JSON) become
``SsoRefused("proveedor_caido")``; nothing is cached from a failed answer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from sgd_app.domain.sso.config import SsoConfig
from sgd_app.domain.sso.errors import SsoRefused

METADATA_TTL = 3600.0
KEYS_TTL = 3600.0


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    algorithms: tuple[str, ...]
    iss_in_response: bool = False  # RFC 9207: the provider names itself in every authorization response


_lock = threading.Lock()
_metadata: dict[str, tuple[Metadata, float]] = {}
_keys: dict[str, tuple[KeySet, float]] = {}


def forget() -> None:
    """Drop every cached document (tests; an operator changing provider)."""
    with _lock:
        _metadata.clear()
        _keys.clear()


def http_client(config: SsoConfig) -> httpx.Client:
    return httpx.Client(timeout=config.timeout, verify=config.ca_file or True, follow_redirects=False)


def get_json(config: SsoConfig, url: str) -> dict[str, Any]:
    try:
        with http_client(config) as client:
            resp = client.get(url, headers={"Accept": "application/json"})
        resp.raise_for_status()
        body = resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoRefused("proveedor_caido", f"{url}: {type(exc).__name__}: {exc}"[:300]) from None
    if not isinstance(body, dict):
        raise SsoRefused("proveedor_caido", f"{url}: la respuesta no es un objeto JSON")
    return body


_ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


def metadata(config: SsoConfig) -> Metadata:
    now = time.monotonic()
    with _lock:
        hit = _metadata.get(config.issuer)
    if hit and now - hit[1] < METADATA_TTL:
        return hit[0]
    doc = get_json(config, f"{config.issuer}/.well-known/openid-configuration")
    issuer = str(doc.get("issuer", ""))
    if issuer.rstrip("/") != config.issuer.rstrip("/"):
        # OpenID Connect Discovery 4.3: the issuer in the document must be the one asked for.
        raise SsoRefused("proveedor_caido", f"el documento de descubrimiento dice issuer={issuer!r}")
    try:
        algs = tuple(a for a in doc.get("id_token_signing_alg_values_supported", ["RS256"]) if a in _ASYMMETRIC)
        meta = Metadata(
            issuer=issuer,
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks_uri=str(doc["jwks_uri"]),
            end_session_endpoint=str(doc.get("end_session_endpoint", "")),
            algorithms=algs or ("RS256",),
            iss_in_response=doc.get("authorization_response_iss_parameter_supported") is True,
        )
    except (KeyError, TypeError) as exc:
        raise SsoRefused("proveedor_caido", f"descubrimiento incompleto: falta {exc}") from None
    with _lock:
        _metadata[config.issuer] = (meta, now)
    return meta


def _fetch_keys(config: SsoConfig, meta: Metadata) -> KeySet:
    doc = get_json(config, meta.jwks_uri)
    try:
        keys = KeySet.import_key_set(doc)  # type: ignore[arg-type]
    except Exception as exc:  # joserfc raises several kinds for a malformed set
        raise SsoRefused("proveedor_caido", f"JWKS no válido: {type(exc).__name__}") from None
    with _lock:
        _keys[meta.jwks_uri] = (keys, time.monotonic())
    return keys


def _has_kid(keys: KeySet, kid: str | None) -> bool:
    if kid is None:
        return True  # a set with one key and tokens without "kid": joserfc picks by algorithm
    try:
        keys.get_by_kid(kid)
    except (JoseError, ValueError, KeyError):
        return False
    return True


def keys_for(config: SsoConfig, meta: Metadata, kid: str | None) -> KeySet:
    """The provider's keys, holding ``kid`` if the provider publishes it (fetched again once
    when the cached set lacks it: the provider rotated its keys)."""
    now = time.monotonic()
    with _lock:
        hit = _keys.get(meta.jwks_uri)
    if hit and now - hit[1] < KEYS_TTL and _has_kid(hit[0], kid):
        return hit[0]
    # Tokens reach us only from the token endpoint (back channel, TLS), never from the browser, so
    # an unknown key id cannot be used by a stranger to make us fetch the set in a loop.
    return _fetch_keys(config, meta)
