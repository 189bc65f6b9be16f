"""``Idempotency-Key`` on a client's POST: the first answer is stored under (client, key); a
resend of the same request gets that answer again, another request under the same key is refused
(422). Keys are kept ``KEEP_HOURS``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from sgd_app.domain.apiclients.tables import ApiIdempotency
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import utcnow
from sgd_app.domain.transaction import act, query

KEEP_HOURS = 24
MSG_KEY = "La clave Idempotency-Key debe tener de 8 a 200 caracteres visibles."
MSG_REUSED = "Esta Idempotency-Key ya se usó con otra solicitud."


@dataclass(frozen=True)
class Stored:
    status: int
    body: Any


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def check_key(key: str) -> None:
    if not 8 <= len(key) <= 200 or not key.isascii() or not key.isprintable() or " " in key:
        raise InvalidInput("Idempotency-Key", MSG_KEY)


@query
def find(session: Session, client_pk: int, key: str, req_hash: str) -> Stored | None:
    row = session.exec(
        select(ApiIdempotency).where(col(ApiIdempotency.client_pk) == client_pk, col(ApiIdempotency.key) == key)
    ).first()
    if row is None:
        return None
    if row.request_hash != req_hash:
        raise InvalidInput("Idempotency-Key", MSG_REUSED)
    return Stored(row.status, json.loads(row.body))


@act
def store(session: Session, client_pk: int, key: str, req_hash: str, status: int, body: Any) -> Stored:
    """Keep the answer; when a concurrent resend stored first, return that one."""
    session.execute(
        delete(ApiIdempotency).where(col(ApiIdempotency.created_at) < utcnow() - timedelta(hours=KEEP_HOURS))
    )
    try:
        with session.begin_nested():
            session.add(
                ApiIdempotency(
                    client_pk=client_pk, key=key, request_hash=req_hash, status=status, body=json.dumps(body)
                )
            )
    except IntegrityError:
        earlier = find(session, client_pk, key, req_hash)
        if earlier is not None:
            return earlier
        raise
    return Stored(status, body)
