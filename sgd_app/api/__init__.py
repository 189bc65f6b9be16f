"""HTTP routes under /api/v1 (FastAPI, mounted into Reflex's backend by ``sgd_app.sgd_app``) and
the two ASGI middlewares wrapped around the whole server: the body-size guard and the security
headers.

Each module holds the routes of one noun; ``deps`` declares who may call them and what they may
see, ``errors`` turns every DomainError into its status with a Spanish ``detail``.
"""

from __future__ import annotations

from fastapi import FastAPI

from sgd_app.api import (
    audit_export,
    docs,
    errors,
    ext,
    ext_filing,
    files,
    health,
    interop,
    metrics,
    oauth,
    printing,
    records,
    reports,
    search,
    session,
    sso,
    verify,
)
from sgd_app.api.body_limit import BodyLimit
from sgd_app.api.headers import SecurityHeaders
from sgd_app.api.proxy_headers import ProxyHeaders
from sgd_app.api.request_id import RequestId
from sgd_app.api.static_paths import StaticPaths

# FastAPI's own /docs and /openapi.json are off (they are public and load Swagger UI from a CDN):
# sgd_app.api.docs serves the description to authenticated callers only.
api = FastAPI(title="Trámite Digital API", version="1", openapi_url=None, docs_url=None, redoc_url=None)
errors.install(api)
api.include_router(health.router)
api.include_router(metrics.router)
api.include_router(session.router)
api.include_router(sso.router)
api.include_router(files.router)
api.include_router(printing.router)
api.include_router(records.router)
api.include_router(reports.router)
api.include_router(audit_export.router)
api.include_router(search.router)
api.include_router(verify.router)
api.include_router(oauth.router)
api.include_router(ext.router)
api.include_router(ext_filing.router)
api.include_router(interop.router)
api.include_router(docs.router)
errors.install_fallback(api)  # last: an unknown /api/... path is a Spanish 404, not the frontend's

__all__ = ["BodyLimit", "ProxyHeaders", "RequestId", "SecurityHeaders", "StaticPaths", "api"]
