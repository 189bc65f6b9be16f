"""The directory of entities: the other institutions this one exchanges documents with (managed by
administrators, by CLI or imported from a JSON file: ``python -m sgd_app entidad ...``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from sgd_app.domain import audit, identity
from sgd_app.domain.apiclients.registry import parse_public_jwk
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.interop.tables import InteropEntity
from sgd_app.domain.models import utcnow
from sgd_app.domain.transaction import act, query

FIELDS = ("name", "ruc", "category", "endpoint", "public_jwk", "client_id", "our_client_id")
# The JSON file's keys (Spanish, as the directory of the state's platform publishes them).
FILE_KEYS = {
    "nombre": "name",
    "ruc": "ruc",
    "categoria": "category",
    "endpoint": "endpoint",
    "clave_publica": "public_jwk",
    "client_id": "client_id",
    "nuestro_client_id": "our_client_id",
}


@dataclass(frozen=True)
class EntityInput:
    name: str
    ruc: str
    endpoint: str
    public_jwk: str
    category: str = ""
    client_id: str = ""
    our_client_id: str = ""


def _clean(data: EntityInput) -> dict[str, Any]:
    name = " ".join(data.name.split())
    if not 3 <= len(name) <= 200:
        raise InvalidInput("name", "Escriba el nombre de la entidad (de 3 a 200 caracteres).")
    ruc = data.ruc.strip()
    if not identity.is_valid_ruc(ruc):
        raise InvalidInput("ruc", "El RUC de la entidad no es válido (11 dígitos con su dígito verificador).")
    endpoint = data.endpoint.strip().rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput("endpoint", "La dirección del sistema de la entidad debe ser una URL http(s) base.")
    if len(endpoint) > 300:
        raise InvalidInput("endpoint", "La dirección es demasiado larga (máximo 300 caracteres).")
    category = " ".join(data.category.split())
    if len(category) > 80:
        raise InvalidInput("category", "La categoría es demasiado larga (máximo 80 caracteres).")
    for field in ("client_id", "our_client_id"):
        value = getattr(data, field).strip()
        if len(value) > 64 or any(c.isspace() for c in value):
            raise InvalidInput(field, "El identificador de cliente no es válido.")
    jwk = parse_public_jwk(data.public_jwk)
    return dict(
        name=name,
        ruc=ruc,
        category=category,
        endpoint=endpoint,
        public_jwk=jwk,
        client_id=data.client_id.strip(),
        our_client_id=data.our_client_id.strip(),
    )


def _audit(session: Session, actor: str, action: str, entity: InteropEntity, data: dict[str, Any]) -> None:
    audit.record(session, actor=actor, action=action, object_type="entidad", object_id=entity.ruc, data=data)


@act
def add_entity(session: Session, *, actor: str, data: EntityInput) -> InteropEntity:
    values = _clean(data)
    if session.exec(select(InteropEntity).where(col(InteropEntity.ruc) == values["ruc"])).first():
        raise InvalidInput("ruc", "Ya hay una entidad con ese RUC en el directorio.")
    _unique_client(session, values["client_id"], None)
    entity = InteropEntity(**values)
    session.add(entity)
    session.flush()
    _audit(session, actor, "entidad_registrar", entity, {k: v for k, v in values.items() if k != "public_jwk"})
    return entity


def _unique_client(session: Session, client_id: str, entity_id: int | None) -> None:
    if not client_id:
        return
    other = session.exec(select(InteropEntity).where(col(InteropEntity.client_id) == client_id)).first()
    if other is not None and other.id != entity_id:
        raise InvalidInput("client_id", "Ese cliente de la API ya corresponde a otra entidad.")


@act
def update_entity(session: Session, *, actor: str, ruc: str, data: EntityInput) -> InteropEntity:
    entity = _by_ruc(session, ruc)
    values = _clean(data)
    if values["ruc"] != entity.ruc:
        raise InvalidInput("ruc", "El RUC de una entidad no cambia: registre otra.")
    _unique_client(session, values["client_id"], entity.id)
    changed = [k for k in FIELDS if getattr(entity, k) != values[k]]
    for k in changed:
        setattr(entity, k, values[k])
    entity.updated_at = utcnow()
    session.add(entity)
    session.flush()
    _audit(session, actor, "entidad_actualizar", entity, {"cambios": changed})
    return entity


@act
def deactivate_entity(session: Session, *, actor: str, ruc: str) -> InteropEntity:
    """No more packages to or from it (its packages answer ``remitente_inactivo``)."""
    entity = _by_ruc(session, ruc)
    if entity.active:
        entity.active = False
        entity.deactivated_at = entity.updated_at = utcnow()
        session.add(entity)
        session.flush()
        _audit(session, actor, "entidad_desactivar", entity, {})
    return entity


@act
def import_entities(session: Session, *, actor: str, text: str) -> tuple[int, int]:
    """Add or update every entity of a JSON file (a list, or ``{"entidades": [...]}``), all or
    nothing; returns (added, updated)."""
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidInput("archivo", "El archivo no es JSON.") from None
    rows = data.get("entidades") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows:
        raise InvalidInput("archivo", "El archivo debe tener una lista «entidades».")
    added = updated = 0
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InvalidInput("archivo", f"La entidad {i} no es un objeto.")
        values = {FILE_KEYS[k]: v for k, v in row.items() if k in FILE_KEYS}
        jwk = values.get("public_jwk")
        if isinstance(jwk, dict):
            values["public_jwk"] = json.dumps(jwk)
        try:
            entry = EntityInput(**{k: str(values.get(k, "") or "") for k in FIELDS})
            if session.exec(select(InteropEntity).where(col(InteropEntity.ruc) == entry.ruc.strip())).first():
                update_entity(session, actor=actor, ruc=entry.ruc.strip(), data=entry)
                updated += 1
            else:
                add_entity(session, actor=actor, data=entry)
                added += 1
        except InvalidInput as exc:
            raise InvalidInput(exc.field, f"Entidad {i}: {exc.message}") from None
    return added, updated


def _by_ruc(session: Session, ruc: str) -> InteropEntity:
    entity = session.exec(select(InteropEntity).where(col(InteropEntity.ruc) == (ruc or "").strip())).first()
    if entity is None:
        raise NotFound("No hay ninguna entidad con ese RUC en el directorio.")
    return entity


@query
def get_entity(session: Session, ruc: str) -> InteropEntity:
    return _by_ruc(session, ruc)


@query
def list_entities(session: Session, *, active_only: bool = False) -> list[InteropEntity]:
    q = select(InteropEntity).order_by(col(InteropEntity.name))
    if active_only:
        q = q.where(col(InteropEntity.active) == True)  # noqa: E712
    return list(session.exec(q).all())


def entity_for_client(session: Session, client_id: str) -> InteropEntity | None:
    return session.exec(select(InteropEntity).where(col(InteropEntity.client_id) == client_id)).first()
