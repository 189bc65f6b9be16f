"""Builds the Reflex app: pages, API routes, upload guard, start-up. Nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import reflex as rx

from sgd_app import jobs, live, logs, worker_tokens
from sgd_app.api import BodyLimit, ProxyHeaders, RequestId, SecurityHeaders, StaticPaths, api
from sgd_app.components.page import PAGES
from sgd_app.components.ui import connection_banner
from sgd_app.domain import digitize, visits
from sgd_app.pages import (  # noqa: F401  (each module declares its page)
    admin,
    archivo,
    auditoria,
    ayuda,
    bandeja,
    buscar,
    casilla,
    expediente,
    firma,
    home,
    ingresar,
    mesa_de_partes,
    mirador,
    registrar,
    reportes,
    seguimiento,
    tablero,
    verificar,
)
from sgd_app.state.event_metrics import EventMetrics
from sgd_app.state.mesa_de_partes import sweep_staging
from sgd_app.state.tablero import feed_hub

logs.configure()  # SGD_LOG_FORMAT=json: one JSON object per line, with the request id and case

app = rx.App(
    html_lang="es",
    # Applied in order: our API mounted over Reflex's app, then wrapped by the body guard, then by
    # the page-path/caching layer (/seguimiento served without a 307, immutable /assets/), then by
    # the security headers (so every response gets them, the guard's 413 included), then by the
    # request id (every log line of the request carries it), then by the proxy headers (outermost:
    # everything inside, Reflex's /_event socket included, sees the client's address).
    api_transformer=[api, BodyLimit, StaticPaths, SecurityHeaders, RequestId, ProxyHeaders],
    head_components=[rx.el.meta(name="theme-color", content="#8a1538")],
    # No toaster: handlers send no toasts (state/notice.py shows messages inline) and the receipt's
    # "Copiar" answers in its own live region, so sonner (and its English "Notifications alt+T"
    # region) is not shipped to every phone.
    toaster=None,
)
# Every event: its duration in the metrics and a request id in the logs (first, before hydration's).
app.add_middleware(EventMetrics(), index=0)
# Reflex's own overlay shows an English "Cannot connect to server" toast: use a Spanish banner.
app.app_wraps[(5, "Overlay")] = lambda stateful: rx.fragment(connection_banner()) if stateful else None

for page in PAGES:  # declared with @page / @staff_page (sgd_app/components/page.py)
    app.add_page(page.component, route=page.route, title=page.title, description=page.description, on_load=page.on_load)


async def _sweep_staging():
    """Uploads of wizards that were never sent are removed after a day (hourly sweep)."""
    while True:
        await asyncio.to_thread(sweep_staging)
        await asyncio.sleep(3600)


app.register_lifespan_task(_sweep_staging)


async def _jobs():
    """E-mail delivery, expiry of observations, the daily digest (restart-safe: see jobs.py)."""
    await jobs.scheduler_loop()


app.register_lifespan_task(_jobs)


@contextlib.asynccontextmanager
async def _visits_at_shutdown():
    """The visits counted in this process since the last `visitas` job are written at shutdown."""
    yield
    try:
        await asyncio.to_thread(visits.flush)
    except Exception:
        logging.getLogger("sgd.visits").exception("No se pudo guardar las visitas al cerrar")


app.register_lifespan_task(_visits_at_shutdown)

# Digitisation: text extraction and OCR of stored documents, one job at a time per process.
app.register_lifespan_task(digitize.worker_loop)

# Live dashboards: every commit that changes the summaries signals the feed hub.
live.install()
app.register_lifespan_task(feed_hub, rx_app=app)
# Several workers + Redis: a tab whose worker died keeps its token and state on another.
app.register_lifespan_task(worker_tokens.keep_alive, rx_app=app)
