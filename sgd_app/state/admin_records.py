"""/admin, Clasificación tab: the classification scheme (series and subseries with their
retention, final disposition and access level) and which series each procedure and each internal
document type goes to. Thin: the rules are in domain/records; every handler wears
``staff_event(role="admin")``."""

from __future__ import annotations

from typing import Any

import reflex as rx

from sgd_app.domain import records
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import DomainError, InvalidInput, InvalidInputs
from sgd_app.state.notice import Notice
from sgd_app.state.session import staff_event

FIELDS = ("code", "name", "unit_id", "parent_id", "office_years", "central_years", "disposition", "access", "general")


def _blank() -> dict[str, str]:
    return {k: "" for k in FIELDS}


def _row(r: records.SeriesRow) -> dict[str, str]:
    return {
        "id": str(r.id),
        "code": r.code,
        "name": r.name,
        "parent": r.parent_code,
        "section": r.unit_name or "—",
        "unit_id": str(r.unit_id or ""),
        "parent_id": str(r.parent_id or ""),
        "retention": f"{r.office_years} + {r.central_years} años",
        "office_years": str(r.office_years),
        "central_years": str(r.central_years),
        "disposition": r.disposition,
        "disposition_label": r.disposition_label,
        "access": r.access,
        "access_label": r.access_label,
        "active": "1" if r.active else "",
    }


class ClassificationState(Notice, rx.State):
    rows: list[dict[str, str]] = []
    procedures: list[dict[str, str]] = []
    doc_types: list[dict[str, str]] = []
    series_options: list[list[str]] = []
    editing: dict[str, str] = {}  # the series in the form ("id" empty: a new one)
    form_open: bool = False
    form_key: int = 0
    errors: dict[str, str] = _blank()

    unit_options: list[list[str]] = []
    # Bumped at every refresh: the mapping lists are remounted, so each select shows its current
    # series (a select keeps its chosen position when the options around it change).
    lists_key: int = 0

    def _refresh(self) -> None:
        self.lists_key += 1
        self.unit_options = [[str(i), name] for i, name in records.section_choices()]
        shown = records.list_series()
        self.rows = [_row(r) for r in shown]
        self.series_options = [[r["id"], f"{r['code']} — {r['name']}"] for r in self.rows if r["active"]]
        maps = records.mappings()
        self.procedures = [{k: str(v) for k, v in p.items()} for p in maps["procedures"]]
        self.doc_types = [{k: str(v) for k, v in d.items()} for d in maps["doc_types"]]

    @staff_event(role="admin")
    def load(self, who: Principal):
        self.errors = _blank()
        self._refresh()

    @staff_event(role="admin")
    def new_series(self, who: Principal):
        self.editing = {"id": "", "disposition": "conservacion_permanente", "access": "publico", "active": "1"}
        self.errors = _blank()
        self.form_open = True
        self.form_key += 1

    @staff_event(role="admin")
    def edit_series(self, who: Principal, series_id: str):
        row = next((r for r in self.rows if r["id"] == series_id), None)
        if row is None:
            self._notify("Esa serie documental no existe.", "error")
            return
        self.editing = dict(row)
        self.errors = _blank()
        self.form_open = True
        self.form_key += 1

    @staff_event(role="admin")
    def cancel(self, who: Principal):
        self.form_open = False
        self.editing = {}
        self.errors = _blank()

    @staff_event(role="admin")
    def save_series(self, who: Principal, form: dict):
        data: dict[str, Any] = dict(form) if isinstance(form, dict) else {}
        data["active"] = bool(data.get("active"))
        series_id = str(self.editing.get("id", ""))
        try:
            if series_id.isdigit():
                records.update_series(who=who, series_id=int(series_id), values=data)
            else:
                records.create_series(who=who, values=data)
        except InvalidInputs as exc:
            self.errors = {**_blank(), **{k: v for k, v in exc.errors.items() if k in FIELDS}}
            return
        except InvalidInput as exc:
            self.errors = {**_blank(), (exc.field if exc.field in FIELDS else "general"): exc.message}
            return
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        self.form_open = False
        self.editing = {}
        self._refresh()
        self._notify("Serie documental guardada.")

    @staff_event(role="admin")
    def map_procedure(self, who: Principal, form: dict):
        data = form if isinstance(form, dict) else {}
        proc, series = str(data.get("procedure_id", "")), str(data.get("series", ""))
        try:
            records.map_procedure(
                who=who,
                procedure_id=int(proc) if proc.isdigit() else 0,
                series_id=int(series) if series.isdigit() else 0,
            )
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        self._refresh()
        self._notify("Los nuevos expedientes de ese trámite irán a la serie elegida.")

    @staff_event(role="admin")
    def map_doc_type(self, who: Principal, form: dict):
        data = form if isinstance(form, dict) else {}
        series = str(data.get("series", ""))
        try:
            records.map_doc_type(
                who=who, doc_type=str(data.get("doc_type", "")), series_id=int(series) if series.isdigit() else 0
            )
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        self._refresh()
        self._notify("Los nuevos documentos de ese tipo irán a la serie elegida.")
