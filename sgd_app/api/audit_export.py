"""The audit trail as CSV for administrators and managers, with the /auditoria filters as query
parameters (numero, usuario, accion, desde, hasta). Streamed; every cell through the export rule."""

from __future__ import annotations

import io
from collections.abc import Iterator

from defusedcsv import csv as defused_csv
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from sgd_app.api.deps import CurrentStaff
from sgd_app.api.responses import file_headers
from sgd_app.domain import audit_viewer, cells
from sgd_app.domain.auth import Principal
from sgd_app.domain.routing import today_lima

router = APIRouter()


def _chunks(who: Principal, filters: audit_viewer.AuditFilters) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = defused_csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(cells.row(audit_viewer.HEADERS))
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    buf.seek(0)
    buf.truncate()
    for n, row in enumerate(audit_viewer.stream_rows(who, filters), 1):
        writer.writerow(cells.row(row.as_text()))
        if n % 500 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


@router.get("/api/v1/auditoria/eventos.csv")
def export_audit(who: CurrentStaff, request: Request) -> Response:
    audit_viewer.ensure_may_view(who)  # 403 before anything streams
    filters = audit_viewer.parse_filters(request.query_params)  # 422 names the bad filter
    audit_viewer.events(who, filters, limit=1)  # an unknown case or user: 422 before streaming
    return StreamingResponse(
        _chunks(who, filters),
        media_type="text/csv; charset=utf-8",
        headers=file_headers(f"auditoria-{today_lima().isoformat()}.csv"),
    )
