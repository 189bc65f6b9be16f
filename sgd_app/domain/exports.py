"""Report exports written to disk: the Excel workbook (streamed, with progress) and the private
folder where a prepared export waits for its owner."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlmodel import Session

from sgd_app import settings
from sgd_app.domain import cells, reports
from sgd_app.domain.auth import Principal
from sgd_app.domain.filters import ReportFilters
from sgd_app.domain.transaction import query

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(ws: Any, value: Any, font: Font | None = None) -> WriteOnlyCell:
    """One cell of a write-only sheet through the export rule (:mod:`sgd_app.domain.cells`):
    numbers and dates typed, text neutralised and typed as a string (``data_type`` "s"), so that
    openpyxl never writes it as a formula; characters XML cannot hold are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # before the rule: what is left is what it checks
    value = cells.cell(value)
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        c.data_type = "s"
    if font is not None:
        c.font = font
    return c


@query
def write_xlsx(
    session: Session,
    target: str | BinaryIO,
    who: Principal,
    filters: ReportFilters,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write-only workbook (rows streamed to disk) into ``target`` (a path or an open binary file):
    "Expedientes" and "Resumen". ``progress`` is told the number of rows written, every 1 000 rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Expedientes")
    ws.freeze_panes = "A2"
    for i, width in enumerate((14, 13, 19, 40, 15, 12, 14, 30, 30, 16, 40, 12, 8)):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    bold = Font(bold=True)

    def when(value, fmt: str) -> WriteOnlyCell | None:
        if value is None:
            return None
        c = WriteOnlyCell(ws, value=value)
        c.number_format = fmt
        return c

    ws.append([_cell(ws, h, bold) for h in reports.HEADERS])
    for i, r in enumerate(reports.iter_rows(session, reports.cases_query(session, who, filters)), 1):
        if progress is not None and i % 1000 == 0:
            progress(i)
        ws.append(
            [
                _cell(ws, r.number),
                when(r.filed_on, "DD/MM/YYYY"),
                when(r.received_at.replace(tzinfo=None), "DD/MM/YYYY HH:MM:SS"),
                _cell(ws, r.procedure),
                _cell(ws, r.category),
                _cell(ws, r.channel),
                _cell(ws, r.status),
                _cell(ws, r.unit),
                _cell(ws, r.filer),
                _cell(ws, r.filer_doc),
                _cell(ws, r.subject),
                when(r.due_on, "DD/MM/YYYY"),
                _cell(ws, r.folios),
            ]
        )
    agg = reports.aggregates(session, who, filters)
    described = reports.describe_filters(session, filters)
    summary = wb.create_sheet("Resumen")
    summary.column_dimensions["A"].width = 50
    summary.column_dimensions["B"].width = 14

    def line(*values: Any) -> None:
        summary.append([_cell(summary, v) for v in values])

    line("Resumen de expedientes")
    for text in described:
        line(text)
    line()
    line("Expedientes", agg["total"])
    line("Atendidos", agg["attended"])
    line("Atendidos dentro del plazo", agg["attended_on_time"])
    line("Atendidos dentro del plazo (%)", agg["on_time_pct"])
    line("Promedio de días hábiles para atender", agg["avg_business_days"])
    for title, key in _TABLES:
        line()
        line(title, "Expedientes")
        for label, n in agg[key]:
            line(label, n)
    wb.save(target)


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


def open_export(user_id: int, token: str) -> BinaryIO | None:
    """The prepared export of ``user_id`` under ``token``, opened for reading (None when it is gone).
    Once open it is readable to the end even if the sweeper removes its name meanwhile."""
    try:
        return export_path(user_id, token).open("rb")
    except FileNotFoundError:
        return None


def sweep_exports(max_age_s: int = 3600) -> None:
    """Remove prepared exports older than ``max_age_s``; two sweeps at once (two users exporting)
    do not trip over each other's removals."""
    folder = settings.DATA_DIR / "exports"
    if folder.is_dir():
        for f in folder.iterdir():
            try:
                if time.time() - f.stat().st_mtime > max_age_s:
                    f.unlink(missing_ok=True)
            except FileNotFoundError:
                continue


def prepare_xlsx(
    who: Principal, filters: ReportFilters, token: str, progress: Callable[[int], None] | None = None
) -> Path:
    """Write the workbook for ``who`` under ``token`` (old exports swept first); its path."""
    sweep_exports()
    assert who.user.id is not None
    path = export_path(who.user.id, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    try:
        write_xlsx(str(tmp), who, filters, progress)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path
