"""What the /archivo page shows (issue 18, item 6), as strings for the screen, each list a page
read from the database: holdings per series and stage, files due for transfer or disposal (and
the ones blocked by a legal hold), the inventories and the holds in force."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from sgd_app.domain.archive.inventories import inventories, may_view
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Forbidden
from sgd_app.domain.printing.layout import stamp
from sgd_app.domain.records import retention
from sgd_app.domain.records.classification import DISPOSITIONS
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import today_lima

PAGE = 20
TABS = ("resumen", "transferir", "eliminar", "retenidos", "inventarios")
NOT_ALLOWED = "Esta sección es del Archivo Central y del Comité Evaluador de Documentos."


def _due_rows(files: list[retention.DueFile]) -> list[dict[str, str]]:
    return [
        {
            "number": f.number,
            "subject": f.subject[:120],
            "series": f"{f.series_code} — {f.series_name}",
            "disposition": DISPOSITIONS.get(f.disposition, f.disposition),
            "closed": stamp(f.closed_at),
            "due": f"{f.due_on:%d/%m/%Y}",
            "hold": "Retenido" if f.on_hold else "",
        }
        for f in files
    ]


@query
def board(session: Session, who: Principal, *, tab: str, page: int = 1, today: date | None = None) -> dict[str, Any]:
    """One tab of the archive's board: ``rows`` (a page), ``total`` and ``pages``."""
    if not may_view(who):
        raise Forbidden(NOT_ALLOWED)
    tab = tab if tab in TABS else "resumen"
    today = today or today_lima()
    page = max(1, page)
    offset = (page - 1) * PAGE
    rows: list[dict[str, str]]
    if tab == "resumen":
        series, total = retention.holdings(session, limit=PAGE, offset=offset)
        rows = [{k: str(v) for k, v in r.items()} for r in series]
    elif tab in ("transferir", "eliminar"):
        kind = "transferencia" if tab == "transferir" else "eliminacion"
        files, total = retention.due_files(session, kind=kind, today=today, limit=PAGE, offset=offset, blocked=None)
        rows = _due_rows(files)
    elif tab == "retenidos":
        hs, total = retention.holds(session, limit=PAGE, offset=offset)
        rows = [{"id": str(h.id), "number": n, "reason": h.reason, "since": stamp(h.set_at)} for h, n in hs]
    else:
        rows, total = inventories(session, limit=PAGE, offset=offset)
    return {"tab": tab, "rows": rows, "total": total, "pages": max(1, -(-total // PAGE)), "page": page}


@query
def due_summary(session: Session, today: date) -> str:
    """The retention job's line: per series, files due for transfer / for elimination / blocked."""
    parts = []
    counts: dict[str, list[int]] = {}
    for kind, slot in (("transferencia", 0), ("eliminacion", 1)):
        files, _ = retention.due_files(session, kind=kind, today=today, limit=100_000, blocked=None)
        for f in files:
            c = counts.setdefault(f.series_code, [0, 0, 0])
            c[slot] += 1
            c[2] += int(f.on_hold)
    for code in sorted(counts):
        t, e, h = counts[code]
        parts.append(f"{code}: transferir={t} eliminar={e} retenidos={h}")
    return "; ".join(parts) or "sin expedientes por transferir ni eliminar"
