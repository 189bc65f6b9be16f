"""Report exports written to disk: the Excel workbook (streamed, with progress) and the private
folder where a prepared export waits for its owner."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlmodel import Session

from sgd_app import settings
from sgd_app.domain import reports
from sgd_app.domain.auth import Principal
from sgd_app.domain.filters import ReportFilters
from sgd_app.domain.transaction import query

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@query
def write_xlsx(
    session: Session,
    path: str,
    who: Principal,
    filters: ReportFilters,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write-only workbook (rows streamed to disk): "Expedientes" and "Resumen". ``progress`` is
    told the number of rows written, every 1 000 rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Expedientes")
    ws.freeze_panes = "A2"
    for i, width in enumerate((14, 13, 19, 40, 15, 12, 14, 30, 30, 16, 40, 12, 8)):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    bold = Font(bold=True)

    def head(value: Any) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        c.font = bold
        return c

    def when(value, fmt: str) -> WriteOnlyCell | None:
        if value is None:
            return None
        c = WriteOnlyCell(ws, value=value)
        c.number_format = fmt
        return c

    ws.append([head(h) for h in reports.HEADERS])
    for i, r in enumerate(reports.iter_rows(session, reports.cases_query(session, who, filters)), 1):
        if progress is not None and i % 1000 == 0:
            progress(i)
        ws.append(
            [
                r.number,
                when(r.filed_on, "DD/MM/YYYY"),
                when(r.received_at.replace(tzinfo=None), "DD/MM/YYYY HH:MM:SS"),
                r.procedure,
                r.category,
                r.channel,
                r.status,
                r.unit,
                r.filer,
                r.filer_doc,
                r.subject,
                when(r.due_on, "DD/MM/YYYY"),
                r.folios,
            ]
        )
    agg = reports.aggregates(session, who, filters)
    described = reports.describe_filters(session, filters)
    summary = wb.create_sheet("Resumen")
    summary.column_dimensions["A"].width = 50
    summary.column_dimensions["B"].width = 14
    summary.append([WriteOnlyCell(summary, value="Resumen de expedientes")])
    for line in described:
        summary.append([line])
    summary.append([])
    summary.append(["Expedientes", agg["total"]])
    summary.append(["Atendidos", agg["attended"]])
    summary.append(["Atendidos dentro del plazo", agg["attended_on_time"]])
    summary.append(["Atendidos dentro del plazo (%)", agg["on_time_pct"]])
    summary.append(["Promedio de días hábiles para atender", agg["avg_business_days"]])
    for title, key in _TABLES:
        summary.append([])
        summary.append([WriteOnlyCell(summary, value=title), WriteOnlyCell(summary, value="Expedientes")])
        for label, n in agg[key]:
            summary.append([label, n])
    wb.save(path)


_TABLES = (
    ("Por estado", "by_status"),
    ("Por unidad", "by_unit"),
    ("Por trámite", "by_procedure"),
    ("Por categoría", "by_category"),
    ("Por canal", "by_channel"),
)


def export_path(user_id: int, token: str) -> Path:
    """Where a prepared export waits for its owner (private data dir, never the upload dir)."""
    return settings.DATA_DIR / "exports" / f"{int(user_id)}-{token}.xlsx"


def sweep_exports(max_age_s: int = 3600) -> None:
    folder = settings.DATA_DIR / "exports"
    if folder.is_dir():
        for f in folder.iterdir():
            if time.time() - f.stat().st_mtime > max_age_s:
                f.unlink(missing_ok=True)


def prepare_xlsx(
    who: Principal, filters: ReportFilters, token: str, progress: Callable[[int], None] | None = None
) -> Path:
    """Write the workbook for ``who`` under ``token`` (old exports swept first); its path."""
    sweep_exports()
    assert who.user.id is not None
    path = export_path(who.user.id, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    write_xlsx(str(tmp), who, filters, progress)
    tmp.replace(path)
    return path
