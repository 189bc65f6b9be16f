"""Saved searches: a staff member keeps a search (the words and the filters) under a name of
their own and reruns it from /buscar with one tap ("Mis pendientes de multas", "Urgentes de
Tesorería"). They are personal: nobody else sees, runs or deletes them, and a rerun is an
ordinary search, so it only ever finds what the person may see *now* (a saved search never
widens a scope).

Saving under a name already used replaces that search (the person is correcting it); at most
:data:`MAX_PER_USER` are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.models import utcnow
from sgd_app.domain.search.filters import FILTER_KEYS, SearchFilters, parse_filters
from sgd_app.domain.search.query import parse_query
from sgd_app.domain.transaction import act, query

MAX_PER_USER = 20
MAX_NAME = 60


class SavedSearch(SQLModel, table=True):
    """One person's named search: the box's words and the filters, as they were typed."""

    __tablename__ = "savedsearch"
    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_savedsearch_user_name"),
        Index("ix_savedsearch_user", "user_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    name: str = Field(max_length=MAX_NAME)
    query: str = Field(max_length=200)
    filters: str = "{}"  # JSON of the filters that were set (FILTER_KEYS -> text)
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Saved:
    id: int
    name: str
    query: str
    filters: dict[str, str]


def _as_saved(row: SavedSearch) -> Saved:
    try:
        raw = json.loads(row.filters or "{}")
    except ValueError:
        raw = {}
    filters = {k: str(raw.get(k, "")) for k in FILTER_KEYS if raw.get(k)}
    return Saved(id=row.id or 0, name=row.name, query=row.query, filters=filters)


def _user_id(who: Principal) -> int:
    if who.user.id is None:  # pragma: no cover - a principal always has a stored user
        raise NotFound("Usuario no encontrado.")
    return who.user.id


@query
def saved_searches(session: Session, who: Principal) -> list[Saved]:
    """The person's saved searches, newest first."""
    rows = session.exec(
        select(SavedSearch)
        .where(col(SavedSearch.user_id) == _user_id(who))
        .order_by(col(SavedSearch.updated_at).desc(), col(SavedSearch.id).desc())
    ).all()
    return [_as_saved(r) for r in rows]


@act
def save_search(session: Session, who: Principal, *, name: str, text: str, filters: dict[str, str]) -> Saved:
    """Keep ``text`` and ``filters`` under ``name`` for ``who`` (replacing a search of the same name).

    The words are checked as a search would check them, and the filters parsed, so a saved search
    always runs; refused with a Spanish message naming the field."""
    name = " ".join(str(name or "").split())
    if not name:
        raise InvalidInput("name", "Escriba un nombre para la búsqueda (por ejemplo, «Multas urgentes»).")
    if len(name) > MAX_NAME:
        raise InvalidInput("name", f"El nombre puede tener como máximo {MAX_NAME} caracteres.")
    text = str(text or "").strip()[:200]
    parse_query(text)  # raises InvalidInput("q", …) when a search could not run it
    kept = {k: str(v).strip()[:40] for k, v in (filters or {}).items() if k in FILTER_KEYS and str(v or "").strip()}
    parsed: SearchFilters = parse_filters(kept)  # raises InvalidInput on a bad date, unit, …
    kept = parsed.as_query()
    uid = _user_id(who)
    row = session.exec(
        select(SavedSearch).where(col(SavedSearch.user_id) == uid, col(SavedSearch.name) == name)
    ).first()
    if row is None:
        count = len(session.exec(select(SavedSearch.id).where(col(SavedSearch.user_id) == uid)).all())
        if count >= MAX_PER_USER:
            raise InvalidInput(
                "name", f"Ya tiene {MAX_PER_USER} búsquedas guardadas: elimine alguna antes de guardar otra."
            )
        row = SavedSearch(user_id=uid, name=name, query=text)
    row.query = text
    row.filters = json.dumps(kept, sort_keys=True)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _as_saved(row)


@query
def saved_search(session: Session, who: Principal, saved_id: int) -> Saved:
    """One of the person's own saved searches (NotFound for anyone else's: it is not theirs to see)."""
    row = session.get(SavedSearch, saved_id)
    if row is None or row.user_id != _user_id(who):
        raise NotFound("Esa búsqueda guardada no existe.")
    return _as_saved(row)


@act
def delete_saved_search(session: Session, who: Principal, saved_id: int) -> str:
    """Delete one of the person's own saved searches; returns its name."""
    row = session.get(SavedSearch, saved_id)
    if row is None or row.user_id != _user_id(who):
        raise NotFound("Esa búsqueda guardada no existe.")
    name = row.name
    session.delete(row)
    return name
