"""Registering, listing and deactivating API clients (administrators, in /admin or by CLI).

A client authenticates with ``private_key_jwt`` (RFC 7523: its public key, a JWK, is registered
here; preferred for institutions) or ``client_secret`` (post or basic: the secret is shown once
and stored as an argon2id hash). It acts as its service account: the units and roles of
``user`` decide which cases it sees, through the same ``access`` rules as the staff screens.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, RSAKey
from sqlalchemy import func
from sqlmodel import Session, col, select

from sgd_app.domain import audit, auth
from sgd_app.domain.admin.common import ensure_admin
from sgd_app.domain.apiclients.tables import ApiClient
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.models import AuditEvent, User, utcnow
from sgd_app.domain.transaction import act, query

SCOPES = {
    "expedientes:leer": "Leer el estado y el recorrido de los expedientes que su cuenta puede ver, buscar y reportes",
    "expedientes:crear": "Presentar documentos (crear expedientes) por el canal API",
    "documentos:leer": "Descargar los documentos de esos expedientes",
    "verificacion": "Verificar documentos firmados por código o por archivo",
    "intercambio:enviar": "Enviar documentos a esta entidad (interoperabilidad)",
    "intercambio:recibir": "Recibir documentos de esta entidad (interoperabilidad)",
}
METHODS = ("private_key_jwt", "client_secret")
RUC = re.compile(r"^(10|15|17|20)[0-9]{9}$")
LIMIT = re.compile(r"^[0-9]{1,6}/(second|minute|hour|day)$")


USE_ACTIONS = ("api_token", "api_llamada")  # what counts as the client's last use
MSG_LIMIT = "El límite se escribe como «120/minute» (por second, minute, hour o day); vacío: el general."


@dataclass(frozen=True)
class Registered:
    client: ApiClient
    secret: str  # "" for private_key_jwt: shown once, never stored


def _actor(actor: str | Principal) -> str:
    """The CLI passes its name; a screen passes the administrator's Principal, checked here."""
    if isinstance(actor, str):
        return actor
    ensure_admin(actor, "gestionar los clientes de la API")
    return actor.actor


def parse_limit(text: str) -> str:
    limit = text.strip()
    if limit and not LIMIT.match(limit):
        raise InvalidInput("rate_limit", MSG_LIMIT)
    return limit


def parse_scopes(text: str) -> list[str]:
    scopes = sorted(set(text.replace(",", " ").split()))
    if not scopes:
        raise InvalidInput("scopes", "Indique al menos un alcance.")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidInput("scopes", f"Alcance desconocido: {', '.join(unknown)}.")
    return scopes


def parse_public_jwk(text: str) -> str:
    """The client's public key as a JWK (RSA ≥ 2048 bits or EC P-256); a private key is refused."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError
        if isinstance(data.get("keys"), list) and len(data["keys"]) == 1:
            data = data["keys"][0]
        key = JWKRegistry.import_key(data)
    except (ValueError, JoseError, TypeError, KeyError):
        raise InvalidInput("public_jwk", "La clave pública no es un JWK válido.") from None
    if isinstance(key, RSAKey):
        if key.raw_value.key_size < 2048:
            raise InvalidInput("public_jwk", "La clave RSA debe tener al menos 2048 bits.")
    elif not (isinstance(key, ECKey) and key.curve_name == "P-256"):
        raise InvalidInput("public_jwk", "Use una clave RSA o EC P-256.")
    if key.is_private:
        raise InvalidInput("public_jwk", "Registre solo la clave pública; la privada no sale del sistema cliente.")
    return json.dumps(key.as_dict(private=False), sort_keys=True)


@act
def register(
    session: Session,
    *,
    actor: str | Principal,
    name: str,
    ruc: str,
    scopes: str,
    username: str,
    auth_method: str = "private_key_jwt",
    public_jwk: str = "",
    rate_limit: str = "",
) -> Registered:
    actor = _actor(actor)
    name = " ".join(name.split())
    if not 3 <= len(name) <= 200:
        raise InvalidInput("name", "Escriba el nombre del sistema cliente (de 3 a 200 caracteres).")
    if not RUC.match(ruc.strip()):
        raise InvalidInput("ruc", "El RUC debe tener 11 dígitos.")
    scope_list = parse_scopes(scopes)
    if auth_method not in METHODS:
        raise InvalidInput("auth_method", "Elija private_key_jwt o client_secret.")
    rate_limit = parse_limit(rate_limit)
    user = session.exec(select(User).where(col(User.username) == username.strip())).first()
    if user is None or not user.active or user.id is None:
        raise InvalidInput("username", "La cuenta de servicio no existe o está desactivada.")
    jwk = parse_public_jwk(public_jwk) if auth_method == "private_key_jwt" else ""
    secret = secrets.token_urlsafe(32) if auth_method == "client_secret" else ""
    client = ApiClient(
        client_id=f"sgd-{secrets.token_hex(8)}",
        name=name,
        ruc=ruc.strip(),
        scopes=" ".join(scope_list),
        auth_method=auth_method,
        secret_hash=auth.hash_password(secret) if secret else "",
        public_jwk=jwk,
        user_id=user.id,
        rate_limit=rate_limit,
        created_by=actor,
    )
    session.add(client)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="api_cliente_registrar",
        object_type="apiclient",
        object_id=client.client_id,
        data={"nombre": name, "ruc": client.ruc, "alcances": scope_list, "metodo": auth_method, "cuenta": username},
    )
    return Registered(client, secret)


def get(session: Session, client_id: str) -> ApiClient:
    client = session.exec(select(ApiClient).where(col(ApiClient.client_id) == client_id)).first()
    if client is None:
        raise NotFound("Cliente de la API no encontrado.")
    return client


@query
def list_clients(session: Session) -> list[ApiClient]:
    return list(session.exec(select(ApiClient).order_by(col(ApiClient.id))).all())


@dataclass(frozen=True)
class ClientRow:
    """A registered client as the /admin tab lists it: with its service account and last call."""

    client: ApiClient
    username: str
    last_used_at: datetime | None


@query
def client_rows(session: Session, *, by: Principal) -> list[ClientRow]:
    """Every client, oldest first, with its last use: the last token issued to it or call it
    made, as audited (``api_token``, ``api_llamada``)."""
    ensure_admin(by, "ver los clientes de la API")
    clients = list_clients(session)
    ids = [c.client_id for c in clients]
    last: dict[str, datetime] = {}
    if ids:
        rows = session.exec(
            select(AuditEvent.object_id, func.max(AuditEvent.at))
            .where(col(AuditEvent.object_type) == "apiclient", col(AuditEvent.action).in_(USE_ACTIONS))
            .where(col(AuditEvent.object_id).in_(ids))
            .group_by(col(AuditEvent.object_id))
        ).all()
        last = {oid: at for oid, at in rows if at is not None}
    users = {u.id: u.username for u in session.exec(select(User).where(col(User.id).in_({c.user_id for c in clients})))}
    return [ClientRow(c, users.get(c.user_id, "?"), last.get(c.client_id)) for c in clients]


@act
def deactivate(session: Session, *, actor: str | Principal, client_id: str) -> ApiClient:
    """Its tokens stop working at once (every call reads the client); it can get no new ones."""
    actor = _actor(actor)
    client = get(session, client_id)
    if client.active:
        client.active = False
        client.deactivated_at = utcnow()
        session.add(client)
        audit.record(
            session, actor=actor, action="api_cliente_desactivar", object_type="apiclient", object_id=client_id
        )
    return client


@act
def reactivate(session: Session, *, actor: str | Principal, client_id: str) -> ApiClient:
    """It may ask for tokens again; a token it got before the deactivation and that has not
    expired yet (5 minutes at most) works again too, unless it was revoked."""
    actor = _actor(actor)
    client = get(session, client_id)
    if not client.active:
        client.active = True
        client.deactivated_at = None
        session.add(client)
        audit.record(session, actor=actor, action="api_cliente_reactivar", object_type="apiclient", object_id=client_id)
    return client


@act
def set_limit(session: Session, *, actor: str | Principal, client_id: str, rate_limit: str) -> ApiClient:
    """The client's own rate limit ("" : the general ``api-client`` rule of SGD_RATE_LIMITS)."""
    actor = _actor(actor)
    limit = parse_limit(rate_limit)
    client = get(session, client_id)
    if client.rate_limit != limit:
        before = client.rate_limit
        client.rate_limit = limit
        session.add(client)
        audit.record(session, actor=actor, action="api_cliente_limite", object_type="apiclient",
                     object_id=client_id, data={"antes": before, "ahora": limit})  # fmt: skip
    return client
