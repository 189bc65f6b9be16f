"""Report exports for signed-in staff: the filtered cases as CSV (streamed) and XLSX, and a
one-page PDF summary. Same filters as /reportes, as query parameters; same scope as the page
(``reports.cases_query``)."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from sgd_app import db, settings
from sgd_app.domain import auth, reports
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput, NotAuthenticated
from sgd_app.domain.exports import XLSX_MIME, export_path, write_xlsx
from sgd_app.domain.filters import ReportFilters, parse_filters
from sgd_app.domain.routing import today_lima

router = APIRouter()

_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _today() -> str:
    return today_lima().isoformat()


def _auth(request: Request) -> tuple[Principal, ReportFilters] | JSONResponse:
    token = request.cookies.get(settings.SESSION_COOKIE, "")
    try:
        with db.session() as s:
            who = auth.resolve(s, token, idle_minutes=settings.SESSION_IDLE_MINUTES, touch=False)
    except NotAuthenticated:
        return JSONResponse({"detail": "Inicie sesión para descargar reportes."}, status_code=401, headers=_NO_STORE)
    try:
        filters = parse_filters(request.query_params)
    except InvalidInput as exc:
        return JSONResponse({"detail": exc.message, "campo": exc.field}, status_code=400, headers=_NO_STORE)
    return who, filters


def _attachment(name: str) -> dict[str, str]:
    return {**_NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}


# ---------------------------------------------------------------- CSV (streamed)
def csv_chunks(who: Principal, filters: ReportFilters, *, batch: int = 2000) -> Iterator[bytes]:
    """UTF-8 with BOM, ';' separated (Excel in Spanish opens it as is), ~``batch`` rows a chunk."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(reports.HEADERS)
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    buf.seek(0)
    buf.truncate()
    with db.session() as s:
        pending = 0
        for row in reports.iter_rows(s, reports.cases_query(s, who, filters), batch=batch):
            writer.writerow(row.as_text())
            pending += 1
            if pending >= 500:
                yield buf.getvalue().encode("utf-8")
                buf.seek(0)
                buf.truncate()
                pending = 0
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


@router.get("/api/v1/reportes/expedientes.csv")
def export_csv(request: Request) -> Response:
    got = _auth(request)
    if isinstance(got, Response):
        return got
    who, filters = got
    return StreamingResponse(
        csv_chunks(who, filters),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(f"expedientes-{_today()}.csv"),
    )


@router.get("/api/v1/reportes/descarga/{token}")
def prepared_export(token: str, request: Request) -> Response:
    """An Excel file prepared in the background for the signed-in user (theirs only, one hour)."""
    got = _auth(request)
    if isinstance(got, Response):
        return got
    who, _ = got
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return JSONResponse({"detail": "Enlace de descarga no válido."}, status_code=404, headers=_NO_STORE)
    path = export_path(who.user.id, token)
    if not path.is_file():
        return JSONResponse(
            {"detail": "El archivo ya no está disponible: vuelva a exportarlo."}, status_code=404, headers=_NO_STORE
        )
    return FileResponse(path, media_type=XLSX_MIME, headers=_attachment(f"expedientes-{_today()}.xlsx"))


@router.get("/api/v1/reportes/expedientes.xlsx")
def export_xlsx(request: Request) -> Response:
    got = _auth(request)
    if isinstance(got, Response):
        return got
    who, filters = got
    fd, path = tempfile.mkstemp(prefix="reporte-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(path, who, filters)  # sync route: FastAPI runs it in a worker thread
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path,
        media_type=XLSX_MIME,
        headers=_attachment(f"expedientes-{_today()}.xlsx"),
        background=BackgroundTask(os.unlink, path),
    )


# ---------------------------------------------------------------- PDF summary
def render_summary(agg: dict[str, Any], described: list[str], *, user: str, generated: str) -> bytes:
    """One A4 page: title, filters, KPIs, and the aggregates as small tables."""
    from fpdf import FPDF

    from sgd_app.domain.drafting import _fonts

    pdf = FPDF(format="A4")
    for style, path in _fonts().items():
        pdf.add_font("Source", style, path)
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 15, 15)
    pdf.set_title("Resumen de expedientes")
    pdf.set_author(settings.INSTITUTION_NAME)
    pdf.set_lang("es-PE")
    pdf.set_creator("Trámite Digital")
    pdf.add_page()
    pdf.set_font("Source", "B", 10)
    pdf.set_text_color(138, 21, 56)
    pdf.cell(0, 5, settings.INSTITUTION_NAME.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Source", "B", 17)
    pdf.set_text_color(31, 35, 40)
    pdf.cell(0, 9, "Resumen de expedientes", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Source", "", 9)
    pdf.set_text_color(80, 90, 100)
    pdf.cell(0, 4.5, f"Generado el {generated} por {user}", new_x="LMARGIN", new_y="NEXT")
    for line in described[:5]:
        pdf.cell(0, 4.5, _fit(pdf, line, 180), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    # KPI boxes
    y = pdf.get_y()
    w = 43.5
    for i, (label, value) in enumerate(reports.kpis(agg)):
        x = 15 + i * (w + 2)
        pdf.set_draw_color(216, 221, 227)
        pdf.rect(x, y, w, 20)
        pdf.set_xy(x + 2, y + 2)
        pdf.set_font("Source", "B", 15)
        pdf.set_text_color(138, 21, 56)
        pdf.cell(w - 4, 8, value)
        pdf.set_xy(x + 2, y + 10.5)
        pdf.set_font("Source", "", 8)
        pdf.set_text_color(80, 90, 100)
        pdf.multi_cell(w - 4, 3.6, label, align="L")
    pdf.set_y(y + 25)
    # tables: two columns
    top = pdf.get_y()
    left = [
        ("Por estado", agg["by_status"], 10),
        ("Por categoría", agg["by_category"], 4),
        ("Por canal", agg["by_channel"], 4),
    ]
    right = [("Por unidad", agg["by_unit"], 14), ("Por trámite", agg["by_procedure"], 12)]
    for col, tables in ((15, left), (107, right)):
        pdf.set_y(top)
        for title, rows, limit in tables:
            _table(pdf, col, 88, title, rows, limit, agg["total"])
    pdf.set_xy(15, 282)
    pdf.set_font("Source", "", 7.5)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(
        0,
        4,
        "Trámite Digital · Documento de uso interno. Cifras según el estado de los expedientes al "
        "momento de generarlo.",
        align="C",
    )
    return bytes(pdf.output())


def _fit(pdf, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _table(pdf, x: float, width: float, title: str, rows: list, limit: int, total: int) -> None:
    pdf.set_x(x)
    pdf.set_font("Source", "B", 10)
    pdf.set_text_color(31, 35, 40)
    pdf.cell(width, 6, title, new_x="LEFT", new_y="NEXT")
    pdf.set_draw_color(138, 21, 56)
    pdf.line(x, pdf.get_y(), x + width, pdf.get_y())
    pdf.set_font("Source", "", 8.5)
    shown = rows[:limit]
    if len(rows) > limit:
        rest = sum(n for _, n in rows[limit - 1 :])
        shown = rows[: limit - 1] + [["Otros", rest]]
    if not shown:
        pdf.set_x(x)
        pdf.cell(width, 5, "Sin expedientes", new_x="LEFT", new_y="NEXT")
    for label, n in shown:
        pdf.set_x(x)
        pct = reports.format_pct(100.0 * n / total if total else None)
        pdf.cell(width - 34, 4.8, _fit(pdf, str(label), width - 36))
        pdf.cell(16, 4.8, reports.format_int(n), align="R")
        pdf.cell(18, 4.8, pct, align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_x(x)
    pdf.ln(3)


@router.get("/api/v1/reportes/resumen.pdf")
def summary_pdf(request: Request) -> Response:
    got = _auth(request)
    if isinstance(got, Response):
        return got
    who, filters = got
    from sgd_app.domain.calendar import format_datetime_es
    from sgd_app.domain.models import utcnow

    with db.session() as s:
        agg = reports.aggregates(s, who, filters)
        described = reports.describe_filters(s, filters)
    pdf = render_summary(agg, described, user=who.user.full_name, generated=format_datetime_es(utcnow()))
    return Response(pdf, media_type="application/pdf", headers=_attachment(f"resumen-{_today()}.pdf"))
