"""GET /api/v1/buscar — the same search as /buscar, as JSON, for signed-in staff (session cookie).
Results and counts only cover the cases the user may see (``search.search``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sgd_app import db, settings
from sgd_app.domain import auth, search
from sgd_app.domain.errors import InvalidInput, NotAuthenticated

router = APIRouter()
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/api/v1/buscar")
def search_api(request: Request) -> JSONResponse:
    try:
        with db.session() as s:
            who = auth.resolve(
                s,
                request.cookies.get(settings.SESSION_COOKIE, ""),
                idle_minutes=settings.SESSION_IDLE_MINUTES,
                touch=False,
            )
    except NotAuthenticated:
        return JSONResponse({"detail": "Inicie sesión para buscar."}, status_code=401, headers=_NO_STORE)
    params = request.query_params
    page = params.get("page", "0")
    if not page.isdigit() or len(page) > 4:
        return JSONResponse({"detail": "La página no es válida.", "campo": "page"}, status_code=400, headers=_NO_STORE)
    try:
        r = search.search(who, params.get("q", "")[:200], search.parse_filters(params), page=int(page))
    except InvalidInput as exc:
        return JSONResponse({"detail": exc.message, "campo": exc.field}, status_code=400, headers=_NO_STORE)
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
        headers=_NO_STORE,
    )
