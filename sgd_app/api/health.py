"""GET /api/v1/health: the app answers and its database too (for load balancers and make run)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sgd_app import db

router = APIRouter()


@router.get("/api/v1/health")
def health() -> JSONResponse:
    try:
        db.ping()
        return JSONResponse({"status": "ok", "database": "ok"})
    except Exception as exc:
        return JSONResponse({"status": "error", "database": type(exc).__name__}, status_code=503)
