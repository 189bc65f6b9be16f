"""/reportes: filters, aggregates and a preview of the first rows. Every handler resolves the
session itself; rows come only from ``reports.cases_query`` (the user's visible units)."""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import urlencode

import reflex as rx

from sgd_app import routes
from sgd_app.domain import exports, filters, reports
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.vocabulary import STATUS_LABELS
from sgd_app.state.session import principal_or_none, staff_event

PREVIEW_ROWS = 50
EMPTY = {k: "" for k in filters.FILTER_KEYS}


def _table(rows: list, total: int) -> list[list[str]]:
    return [
        [str(label), reports.format_int(n), reports.format_pct(100.0 * n / total if total else None)]
        for label, n in rows
    ]


class ReportesState(rx.State):
    filters: dict[str, str] = dict(EMPTY)
    query_string: str = ""  # the applied filters, for the download links
    unit_options: list[list[str]] = []
    procedure_options: list[list[str]] = []
    status_options: list[list[str]] = [[k, v] for k, v in STATUS_LABELS.items()]
    kpis: list[list[str]] = []
    by_status: list[list[str]] = []
    by_unit: list[list[str]] = []
    by_procedure: list[list[str]] = []
    by_category: list[list[str]] = []
    by_channel: list[list[str]] = []
    described: list[str] = []
    preview: list[list[str]] = []
    total: int = 0
    total_text: str = "0"
    error: str = ""
    loaded: bool = False
    form_version: int = 0  # re-mounts the form (its inputs are uncontrolled) after "Limpiar"
    # Excel prepared in the background, with progress (rows written of the total).
    export_running: bool = False
    export_done: int = 0
    export_total: int = 0
    export_url: str = ""
    export_error: str = ""

    @rx.var
    def export_text(self) -> str:
        if self.export_running:
            return (
                f"Preparando el Excel: {reports.format_int(self.export_done)} de "
                f"{reports.format_int(self.export_total)} filas…"
            )
        if self.export_url:
            return f"Excel listo: {reports.format_int(self.export_total)} filas."
        return ""

    @rx.var
    def export_pct(self) -> int:
        return int(100 * self.export_done / self.export_total) if self.export_total else 0

    @rx.var
    def preview_note(self) -> str:
        if self.total > PREVIEW_ROWS:
            return f"Vista previa: los primeros {PREVIEW_ROWS} de {self.total_text} expedientes."
        return ""

    def _refresh(self, who: Principal, f: filters.ReportFilters) -> None:
        page = reports.report_page(who, f, preview=PREVIEW_ROWS)
        self.unit_options = [[str(uid), name] for uid, name in page.units]
        if not self.procedure_options:
            self.procedure_options = [[str(pid), name] for pid, name in filters.procedures()]
        agg, rows, self.described = page.aggregates, page.preview, page.described
        total = agg["total"]
        self.total = total
        self.total_text = reports.format_int(total)
        self.kpis = [[label, value] for label, value in reports.kpis(agg)]
        self.by_status = _table(agg["by_status"], total)
        self.by_unit = _table(agg["by_unit"], total)
        self.by_procedure = _table(agg["by_procedure"], total)
        self.by_category = _table(agg["by_category"], total)
        self.by_channel = _table(agg["by_channel"], total)
        self.preview = [r.as_text() for r in rows]
        params = f.as_query()
        self.query_string = ("?" + urlencode(params)) if params else ""
        self.error = ""
        self.loaded = True

    @staff_event
    def load(self, who: Principal):
        try:
            f = filters.parse_filters(self.filters)
        except InvalidInput:
            self.filters = dict(EMPTY)
            f = filters.ReportFilters()
        self._refresh(who, f)

    @staff_event
    def apply_filters(self, who: Principal, form: dict):
        self.filters = {k: str(form.get(k, "") or "")[:40] for k in filters.FILTER_KEYS}
        try:
            f = filters.parse_filters(self.filters)
        except InvalidInput as exc:
            self.error = exc.message
            return
        self._refresh(who, f)

    @rx.event(background=True)
    async def export_xlsx(self):
        """Write the Excel file off the event loop, reporting progress, then offer its link."""
        async with self:
            if self.export_running:
                return
            who = principal_or_none(self)
            if who is None:
                self.reset()
                return rx.redirect(routes.LOGIN_EXPIRED)
            try:
                f = filters.parse_filters(self.filters)
            except InvalidInput as exc:
                self.export_error = exc.message
                return
            self.export_running, self.export_done, self.export_url, self.export_error = True, 0, "", ""
            self.export_total = self.total
        token = secrets.token_hex(16)
        done = [0]
        job = asyncio.ensure_future(
            asyncio.to_thread(exports.prepare_xlsx, who, f, token, lambda n: done.__setitem__(0, n))
        )
        while not job.done():
            await asyncio.sleep(0.4)
            async with self:
                self.export_done = done[0]
        async with self:
            self.export_running = False
            if job.exception() is not None:
                self.export_error = "No se pudo preparar el Excel. Intente de nuevo."
            else:
                self.export_done = self.export_total
                self.export_url = f"/api/v1/reportes/descarga/{token}"

    @staff_event
    def clear_filters(self, who: Principal):
        self.filters = dict(EMPTY)
        self.form_version += 1
        self._refresh(who, filters.ReportFilters())
