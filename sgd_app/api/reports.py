"""Report exports for signed-in staff: the filtered cases as CSV (streamed) and XLSX, and a
one-page PDF summary. Same filters as /reportes, as query parameters; same scope as the page
(``reports.cases_query``)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import Annotated

from defusedcsv import csv as defused_csv
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response, StreamingResponse

from sgd_app.api.deps import CurrentStaff
from sgd_app.api.report_pdf import render_summary
from sgd_app.api.responses import file_headers, open_file_response, pdf_response
from sgd_app.domain import cells, reports
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import format_datetime_es
from sgd_app.domain.errors import NotFound
from sgd_app.domain.exports import XLSX_MIME, open_export, write_xlsx
from sgd_app.domain.filters import ReportFilters, parse_filters
from sgd_app.domain.models import utcnow
from sgd_app.domain.routing import today_lima

router = APIRouter()


def report_filters(request: Request) -> ReportFilters:
    """The page's filters from the query string; InvalidInput names the bad one."""
    return parse_filters(request.query_params)


Filters = Annotated[ReportFilters, Depends(report_filters)]
ExportToken = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def _today() -> str:
    return today_lima().isoformat()


# ---------------------------------------------------------------- CSV (streamed)
def csv_chunks(who: Principal, filters: ReportFilters, *, batch: int = 2000) -> Iterator[bytes]:
    """UTF-8 with BOM, ';' separated (Excel in Spanish opens it as is), ~``batch`` rows a chunk.
    Every cell goes through the export rule (``cells.row``) and defusedcsv's writer: no cell
    starts as a formula."""
    buf = io.StringIO()
    writer = defused_csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(cells.row(reports.HEADERS))
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    buf.seek(0)
    buf.truncate()
    pending = 0
    for row in reports.stream_rows(who, filters, batch=batch):
        writer.writerow(cells.row(row.as_text()))
        pending += 1
        if pending >= 500:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
            pending = 0
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


@router.get("/api/v1/reportes/expedientes.csv")
def export_csv(who: CurrentStaff, filters: Filters) -> Response:
    return StreamingResponse(
        csv_chunks(who, filters),
        media_type="text/csv; charset=utf-8",
        headers=file_headers(f"expedientes-{_today()}.csv"),
    )


@router.get("/api/v1/reportes/descarga/{token}")
def prepared_export(who: CurrentStaff, token: ExportToken) -> Response:
    """An Excel file prepared in the background for the signed-in user (theirs only, one hour)."""
    assert who.user.id is not None
    file = open_export(who.user.id, token)
    if file is None:
        raise NotFound("El archivo ya no está disponible: vuelva a exportarlo.")
    return open_file_response(file, media_type=XLSX_MIME, filename=f"expedientes-{_today()}.xlsx")


@router.get("/api/v1/reportes/expedientes.xlsx")
def export_xlsx(who: CurrentStaff, filters: Filters) -> Response:
    """The workbook written into an anonymous temp file (no name: nothing can remove it before it
    is sent) and sent from its open descriptor; closing it frees the space."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  (the response closes it once sent)
    try:
        write_xlsx(out, who, filters)  # sync route: FastAPI runs it in a worker thread
    except BaseException:
        out.close()
        raise
    return open_file_response(out, media_type=XLSX_MIME, filename=f"expedientes-{_today()}.xlsx")


# ---------------------------------------------------------------- PDF summary
@router.get("/api/v1/reportes/resumen.pdf")
def summary_pdf(who: CurrentStaff, filters: Filters) -> Response:
    agg, described = reports.summary(who, filters)
    pdf = render_summary(agg, described, user=who.user.full_name, generated=format_datetime_es(utcnow()))
    return pdf_response(pdf, f"resumen-{_today()}.pdf")
