"""GET /api/v1/buscar — the same search as /buscar, as JSON, for signed-in staff (session cookie).
Results and counts only cover the cases the user may see (``search.search``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from sgd_app.api.deps import NO_NUL, CurrentStaff
from sgd_app.api.responses import NO_STORE
from sgd_app.domain import search

router = APIRouter()
Page = Annotated[int, Query(ge=0, le=9999)]
SearchText = Annotated[str, Query(pattern=NO_NUL)]


@router.get("/api/v1/buscar")
def search_api(request: Request, who: CurrentStaff, q: SearchText = "", page: Page = 0) -> JSONResponse:
    r = search.search(who, q[:200], search.parse_filters(request.query_params), page=page)
    return JSONResponse(
        {
            "consulta": r.query,
            "total": r.total,
            "total_texto": r.total_label,
            "hay_mas": r.total_capped,
            "orden": r.order,
            "pagina": r.page,
            "ir_a": r.jump_to,
            "resultados": [
                {
                    "numero": h.number,
                    "asunto": h.subject,
                    "remitente": h.filer,
                    "estado": h.status_label,
                    "unidad": h.unit,
                    "tramite": h.procedure,
                    "presentado": h.filed_on.isoformat(),
                    "encontrado_en": h.found_in,
                    "fragmento": [{"texto": t, "coincide": m} for t, m in h.snippet],
                }
                for h in r.hits
            ],
        },
        headers=NO_STORE,
    )
