"""HTTP routes under /api/v1 (FastAPI, mounted into Reflex's backend by ``sgd_app.sgd_app``) and
the body-size guard wrapped around the whole server.

Each module holds the routes of one noun; ``deps`` declares who may call them and what they may
see, ``errors`` turns every DomainError into its status with a Spanish ``detail``.
"""

from __future__ import annotations

from fastapi import FastAPI

from sgd_app.api import errors, files, health, reports, search, session, verify
from sgd_app.api.body_limit import BodyLimit

api = FastAPI(
    title="Trámite Digital API",
    version="1",
    openapi_url="/api/v1/openapi.json",
    docs_url="/api/v1/docs",
    redoc_url=None,
)
errors.install(api)
api.include_router(health.router)
api.include_router(session.router)
api.include_router(files.router)
api.include_router(reports.router)
api.include_router(search.router)
api.include_router(verify.router)

__all__ = ["BodyLimit", "api"]
