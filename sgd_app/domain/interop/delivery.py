"""The outbox worker: delivers queued packages to the addressee's SGD (the ``interoperabilidad``
job, see sgd_app/jobs.py).

For each due row: a token at the addressee's token endpoint (client credentials with
``private_key_jwt``: our client id there, an assertion signed with our interop key), then a
multipart POST of the package (field ``manifiesto``: the JWS; fields ``documento``: the PDFs byte
for byte, in the manifest's order). An answer signed by the addressee (200 registered, 409/422
rejected) is final; anything else (no connection, 5xx, 401...) is retried with exponential
backoff. The addressee recognises a resend by its CUO, so a package is registered once however
many times it is delivered.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from joserfc import jwt

from sgd_app import settings
from sgd_app.domain.interop import keys, manifest, sending
from sgd_app.domain.interop.tables import InteropEntity, InteropSend
from sgd_app.domain.models import utcnow

log = logging.getLogger("sgd.interop")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ENVIOS = "/api/v1/interoperabilidad/envios"


class DeliveryError(Exception):
    """No final answer this time: retried later."""


@dataclass
class Report:
    delivered: int = 0
    retried: int = 0

    def __str__(self) -> str:
        return f"entregados={self.delivered} reintentos={self.retried}"


def client_assertion(client_id: str, token_endpoint: str) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": token_endpoint, "iat": now, "exp": now + 120,
              "jti": secrets.token_urlsafe(16)}  # fmt: skip
    return jwt.encode({"alg": keys.ALG, "kid": keys.signing_key().kid}, claims, keys.signing_key(),
                      algorithms=[keys.ALG])  # fmt: skip


def get_token(http: httpx.Client, entity: InteropEntity) -> str:
    if not entity.our_client_id:
        raise DeliveryError("la entidad no tiene registrado nuestro client_id")
    endpoint = f"{entity.endpoint}/api/v1/oauth/token"
    r = http.post(
        endpoint,
        data={
            "grant_type": "client_credentials",
            "scope": "intercambio:recibir",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(entity.our_client_id, endpoint),
        },
    )
    if r.status_code != 200:
        raise DeliveryError(f"token: HTTP {r.status_code} {r.text[:200]}")
    token = r.json().get("access_token")
    if not isinstance(token, str):
        raise DeliveryError("token: respuesta sin access_token")
    return token


def post_package(
    http: httpx.Client, entity: InteropEntity, token: str, send: InteropSend, files: list[tuple[str, bytes]]
) -> tuple[str, bytes | None]:
    """POST the package; (answer JWS, receipt PDF or None) when the answer is final."""
    r = http.post(
        f"{entity.endpoint}{ENVIOS}",
        headers={"Authorization": f"Bearer {token}"},
        data={"manifiesto": send.manifest},
        files=[("documento", (name, data, "application/pdf")) for name, data in files],
    )
    if r.status_code not in (200, 409, 422):
        raise DeliveryError(f"envío: HTTP {r.status_code} {r.text[:200]}")
    try:
        body = r.json()
    except ValueError:
        raise DeliveryError(f"envío: HTTP {r.status_code} sin JSON") from None
    answer = body.get("respuesta") if isinstance(body, dict) else None
    if not isinstance(answer, str) or not answer:
        raise DeliveryError(f"envío: HTTP {r.status_code} {body.get('code', '') if isinstance(body, dict) else ''}")
    receipt = body.get("cargo")
    return answer, base64.b64decode(receipt) if isinstance(receipt, str) and receipt else None


def deliver_one(send_id: int, *, now: datetime, http: httpx.Client) -> bool:
    """Try one row once; True when it got its final answer."""
    claimed = sending.claim(send_id, now=now, lease=timedelta(seconds=settings.INTEROP_TIMEOUT_SECONDS * 3))
    if claimed is None:
        return False
    send, entity, files = sending.package(send_id)
    try:
        token = get_token(http, entity)
        answer, receipt = post_package(http, entity, token, send, files)
        sending.record_answer(send_id, token=answer, receipt=receipt)
        log.info("Envío %s entregado a %s", send.cuo, entity.ruc)
        return True
    except (DeliveryError, httpx.HTTPError, manifest.MessageError) as exc:
        error = str(exc) or exc.__class__.__name__
        status = sending.record_failure(send_id, error=error, now=utcnow())
        log.warning("Envío %s a %s: %s (%s)", send.cuo, entity.ruc, error, status)
        return False


def deliver_due(now: datetime | None = None, *, transport: httpx.BaseTransport | None = None) -> Report:
    """Deliver every due row once (the job's body)."""
    at = now or utcnow()
    report = Report()
    due = sending.due(now=at)
    if not due:
        return report
    with httpx.Client(timeout=settings.INTEROP_TIMEOUT_SECONDS, transport=transport) as http:
        for send_id in due:
            if deliver_one(send_id, now=at, http=http):
                report.delivered += 1
            else:
                report.retried += 1
    return report
