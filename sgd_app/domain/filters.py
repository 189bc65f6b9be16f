"""Filters of the case lists (reports, the dashboard and the search): parsed from strings (a query
string or a form) with Spanish reasons, and the options a user may choose from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain import access
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Procedure, Unit, pk
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import CATEGORY_LABELS, STATUS_LABELS

FILTER_KEYS = ("date_from", "date_to", "unit_id", "procedure_id", "category", "status")
MAX_RANGE_YEARS = 20


@dataclass(frozen=True)
class ReportFilters:
    date_from: date | None = None
    date_to: date | None = None
    unit_id: int | None = None
    procedure_id: int | None = None
    category: str | None = None
    status: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (only those set)."""
        out = {}
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out


class FilterParser:
    """Reads filter values from strings (query string or form), with Spanish reasons; shared by
    the reports, the dashboard and the search."""

    def __init__(self, params: Mapping[str, Any]):
        self.params = params

    def text(self, key: str) -> str:
        return str(self.params.get(key, "") or "").strip()[:40]

    def day(self, key: str, label: str) -> date | None:
        value = self.text(key)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(key, f"La fecha «{label}» no es válida: use el formato AAAA-MM-DD.") from None

    def ident(self, key: str, label: str) -> int | None:
        value = self.text(key)
        if not value:
            return None
        if not value.isdigit() or len(value) > 9:
            raise InvalidInput(key, f"El valor de «{label}» no es válido.")
        return int(value)

    def choice(self, key: str, allowed: Mapping[str, str], message: str) -> str | None:
        value = self.text(key) or None
        if value is not None and value not in allowed:
            raise InvalidInput(key, message)
        return value

    def date_range(self) -> tuple[date | None, date | None]:
        date_from, date_to = self.day("date_from", "desde"), self.day("date_to", "hasta")
        if date_from and date_to and date_to < date_from:
            raise InvalidInput("date_to", "La fecha «hasta» no puede ser anterior a la fecha «desde».")
        return date_from, date_to


def parse_filters(params: Mapping[str, Any]) -> ReportFilters:
    """Filters from strings (query string or form); InvalidInput with a Spanish reason."""
    p = FilterParser(params)
    date_from, date_to = p.date_range()
    category = p.choice("category", CATEGORY_LABELS, "La categoría no es válida.")
    status = p.choice("status", STATUS_LABELS, "El estado no es válido.")
    return ReportFilters(
        date_from=date_from,
        date_to=date_to,
        unit_id=p.ident("unit_id", "unidad"),
        procedure_id=p.ident("procedure_id", "trámite"),
        category=category,
        status=status,
    )


@query
def visible_units(session: Session, who: Principal) -> list[tuple[int, str]]:
    """(id, name) of the units whose cases ``who`` may report on, by name."""
    units = access.visible_unit_ids(session, who)
    if not units:
        return []
    return [
        (uid, name)
        for uid, name in session.exec(
            select(pk(Unit), col(Unit.name)).where(col(Unit.id).in_(sorted(units))).order_by(col(Unit.name))
        ).all()
    ]


@query
def procedures(session: Session) -> list[tuple[int, str]]:
    return [
        (pid, name)
        for pid, name in session.exec(select(pk(Procedure), col(Procedure.name)).order_by(col(Procedure.name)))
    ]
