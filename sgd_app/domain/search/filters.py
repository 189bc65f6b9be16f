"""The search filters (unit, procedure, status, dates, channel, priority) and the scope they narrow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col

from sgd_app.domain import access
from sgd_app.domain.filters import FilterParser
from sgd_app.domain.models import Expediente
from sgd_app.domain.vocabulary import CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS

FILTER_KEYS = ("unit_id", "procedure_id", "status", "date_from", "date_to", "channel", "priority")


@dataclass(frozen=True)
class SearchFilters:
    unit_id: int | None = None
    procedure_id: int | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None
    priority: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (only those set)."""
        out = {}
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out


def parse_filters(params: Mapping[str, Any]) -> SearchFilters:
    """Filters from strings (query string or form); InvalidInput with a Spanish reason."""
    p = FilterParser(params)
    date_from, date_to = p.date_range()
    return SearchFilters(
        unit_id=p.ident("unit_id", "unidad"),
        procedure_id=p.ident("procedure_id", "trámite"),
        status=p.choice("status", STATUS_LABELS, "El estado no es válido."),
        date_from=date_from,
        date_to=date_to,
        channel=p.choice("channel", CHANNEL_LABELS, "El canal no es válido."),
        priority=p.choice("priority", PRIORITY_LABELS, "La prioridad no es válida."),
    )


@dataclass
class Plan:
    """What the engine-specific code needs: the scope and the filters, already decided."""

    units: set[int]  # access.visible_unit_ids: a case is in scope when it has been in one of them
    all_units: set[int]
    filters: SearchFilters

    @property
    def scoped(self) -> bool:
        """False when ``units`` are every unit (nothing to filter)."""
        return not self.units >= self.all_units


def case_filter_clauses(plan: Plan) -> list:
    """The scope (access.seen_in) and the filters as conditions on ``expediente`` (ORM). The unit
    filter is the unit that holds the case now."""
    f = plan.filters
    clauses: list[ColumnElement[bool]] = []
    if plan.scoped:
        clauses.append(access.seen_in(col(Expediente.id), plan.units))
    if f.unit_id is not None:
        clauses.append(col(Expediente.current_unit_id) == f.unit_id)
    if f.procedure_id is not None:
        clauses.append(col(Expediente.procedure_id) == f.procedure_id)
    if f.status:
        clauses.append(col(Expediente.status) == f.status)
    if f.channel:
        clauses.append(col(Expediente.channel) == f.channel)
    if f.priority:
        clauses.append(col(Expediente.priority) == f.priority)
    if f.date_from:
        clauses.append(col(Expediente.filed_on) >= f.date_from)
    if f.date_to:
        clauses.append(col(Expediente.filed_on) <= f.date_to)
    return clauses
