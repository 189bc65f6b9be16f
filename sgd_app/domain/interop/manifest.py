"""The messages of the exchange (docs/interop.md): the CUO, the manifest of a package and the
answer, each a compact JWS (RFC 7515, ES256) signed with the sending institution's interop key.

CUO (código único de operación): ``<RUC of the sender>-<year>-<8-digit sequence>``, the sequence
gap-free per year (a counter row updated inside the sending transaction: a rolled-back send rolls
its number back too), so it is unique across institutions.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, RSAKey
from sqlalchemy import bindparam
from sqlmodel import Session

from sgd_app.domain.interop import keys
from sgd_app.domain.interop.tables import InteropCounter
from sgd_app.domain.models import table_of
from sgd_app.domain.sql import insert_if_absent

VERSION = "1.0"
MANIFEST_TYP = "sgd-manifiesto+jws"
ANSWER_TYP = "sgd-respuesta+jws"
CUO_RE = re.compile(r"^(?P<ruc>[0-9]{11})-(?P<year>[0-9]{4})-(?P<seq>[0-9]{8})$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_DOCUMENTS = 6  # one principal + at most five annexes (the intake's limits)

_counter = table_of(InteropCounter)
_NEXT = (
    _counter.update()
    .where(_counter.c.year == bindparam("k_year"))
    .values(last=_counter.c.last + 1)
    .returning(_counter.c.last)
)


def format_cuo(ruc: str, year: int, seq: int) -> str:
    return f"{ruc}-{year:04d}-{seq:08d}"


def next_cuo(session: Session, *, ruc: str, year: int) -> str:
    """The next CUO of ``year`` inside the caller's transaction (row lock / SQLite write lock)."""
    conn = session.connection()
    row = conn.execute(_NEXT, {"k_year": year}).first()
    if row is None:  # first package of the year
        insert_if_absent(session, _counter, {"year": year, "last": 0})
        row = conn.execute(_NEXT, {"k_year": year}).first()
    assert row is not None
    return format_cuo(ruc, year, int(row[0]))


class MessageError(ValueError):
    """A manifest or answer that cannot be accepted; ``code`` is the stable rejection code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def public_key(jwk_text: str) -> ECKey | RSAKey:
    key = JWKRegistry.import_key(json.loads(jwk_text))
    assert isinstance(key, ECKey | RSAKey)
    return key


def sign(payload: dict[str, Any], *, typ: str, key: ECKey | None = None) -> str:
    """``payload`` as a compact JWS signed with our interop key (canonical JSON, UTF-8)."""
    key = key or keys.signing_key()
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    header = {"alg": keys.ALG, "typ": typ, **({"kid": key.kid} if key.kid else {})}
    return jws.serialize_compact(header, body, key, algorithms=[keys.ALG])


def verify(token: str, jwk_text: str, *, typ: str, code: str, what: str) -> dict[str, Any]:
    """The payload of ``token`` when it is a JWS of type ``typ`` signed by the key ``jwk_text``;
    MessageError(code) otherwise."""
    refusal = MessageError(code, f"La firma del {what} no corresponde a la clave de la entidad remitente.")
    if not token or len(token) > 2_000_000:
        raise refusal
    try:
        obj = jws.deserialize_compact(token.encode(), public_key(jwk_text), algorithms=["ES256", "RS256", "PS256"])
        if obj.headers().get("typ") != typ:
            raise refusal
        data = json.loads(obj.payload)
    except (JoseError, ValueError, UnicodeError, AssertionError):
        raise refusal from None
    if not isinstance(data, dict):
        raise refusal
    return data


def unverified_payload(token: str) -> dict[str, Any]:
    """What a token says, without checking who signed it (to find the CUO of a refused package)."""
    try:
        data = json.loads(jws.extract_compact(token.encode()).payload)
    except (JoseError, ValueError, UnicodeError):
        return {}
    return data if isinstance(data, dict) else {}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ManifestDocument:
    order: int
    role: str  # principal / anexo
    name: str
    kind: str
    sha256: str
    size: int
    pages: int
    signed: bool
    signature_level: str

    def as_json(self) -> dict[str, Any]:
        return {
            "orden": self.order,
            "rol": self.role,
            "nombre": self.name,
            "tipo": self.kind,
            "sha256": self.sha256,
            "tamano": self.size,
            "paginas": self.pages,
            "firmado": self.signed,
            "nivel_firma": self.signature_level,
            "mime": "application/pdf",
        }


def build_manifest(
    *,
    cuo: str,
    sender: tuple[str, str],
    addressee: tuple[str, str],
    case_number: str,
    subject: str,
    note: str,
    documents: list[ManifestDocument],
    created_at: str,
) -> dict[str, Any]:
    """The manifest of a package (docs/interop.md, JSON Schema there)."""
    return {
        "version": VERSION,
        "cuo": cuo,
        "remitente": {"ruc": sender[0], "nombre": sender[1]},
        "destinatario": {"ruc": addressee[0], "nombre": addressee[1]},
        "expediente_remitente": case_number,
        "asunto": subject,
        "nota": note,
        "documentos": [d.as_json() for d in documents],
        "creado": created_at,
    }


def check_manifest(data: dict[str, Any]) -> dict[str, Any]:
    """The structure of a verified manifest; MessageError("manifiesto_invalido") when it is wrong."""

    def bad(msg: str) -> MessageError:
        return MessageError("manifiesto_invalido", f"Manifiesto no válido: {msg}.")

    if data.get("version") != VERSION:
        raise bad(f"versión no admitida ({data.get('version')!r})")
    for part in ("remitente", "destinatario"):
        p = data.get(part)
        if not isinstance(p, dict) or not isinstance(p.get("ruc"), str) or not isinstance(p.get("nombre"), str):
            raise bad(f"falta el {part}")
    if not isinstance(data.get("cuo"), str) or not CUO_RE.match(data["cuo"]):
        raise bad("el CUO no tiene el formato RUC-AAAA-NNNNNNNN")
    for name, limit in (("asunto", 500), ("nota", 2000), ("expediente_remitente", 40), ("creado", 40)):
        if not isinstance(data.get(name), str) or len(data[name]) > limit:
            raise bad(f"«{name}» falta o es demasiado largo")
    if not len(data["asunto"].strip()) >= 3:
        raise bad("falta el asunto")
    docs = data.get("documentos")
    if not isinstance(docs, list) or not 1 <= len(docs) <= MAX_DOCUMENTS:
        raise bad(f"debe haber de 1 a {MAX_DOCUMENTS} documentos")
    for i, d in enumerate(docs, 1):
        if (
            not isinstance(d, dict)
            or d.get("orden") != i
            or d.get("rol") not in ("principal", "anexo")
            or (d.get("rol") == "principal") != (i == 1)
            or not isinstance(d.get("nombre"), str)
            or not isinstance(d.get("sha256"), str)
            or not SHA_RE.match(d["sha256"])
            or not isinstance(d.get("tamano"), int)
            or not isinstance(d.get("firmado"), bool)
        ):
            raise bad(f"el documento {i} está incompleto")
    return data


def answer_payload(
    *,
    cuo: str,
    status: str,
    receiver: tuple[str, str],
    received_at: str,
    answered_at: str,
    code: str = "",
    reason: str = "",
    case_number: str = "",
    receipt_sha256: str = "",
    receipt_code: str = "",
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """The answer: the acknowledgement (received, CUO, time) and the confirmation (registered,
    with the receiver's case number and receipt) or the rejection (code and reason)."""
    body: dict[str, Any] = {
        "version": VERSION,
        "cuo": cuo,
        "receptor": {"ruc": receiver[0], "nombre": receiver[1]},
        "acuse": {"recibido": received_at},
        "estado": status,
        "respondido": answered_at,
    }
    if status == "registrado":
        body["confirmacion"] = {
            "expediente": case_number,
            "cargo_sha256": receipt_sha256,
            "cargo_codigo": receipt_code,
            "observaciones": notes or [],
        }
    else:
        body["rechazo"] = {"codigo": code, "motivo": reason}
    return body
