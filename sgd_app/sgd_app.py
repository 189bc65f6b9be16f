"""Builds the Reflex app: pages, API routes, upload guard, start-up. Nothing else."""

from __future__ import annotations

import reflex as rx

from sgd_app import jobs, live, routes
from sgd_app.api import BodyLimit, api
from sgd_app.components.staff_page import PAGES, SITE
from sgd_app.components.ui import connection_banner
from sgd_app.domain import digitize
from sgd_app.pages import admin, bandeja, expediente, firma, reportes, tablero  # noqa: F401  (they declare their pages)
from sgd_app.pages.buscar import buscar
from sgd_app.pages.casilla import casilla
from sgd_app.pages.home import home
from sgd_app.pages.ingresar import ingresar
from sgd_app.pages.mesa_de_partes import mesa_de_partes
from sgd_app.pages.mirador import mirador
from sgd_app.pages.registrar import registrar
from sgd_app.pages.seguimiento import seguimiento
from sgd_app.pages.verificar import verificar
from sgd_app.state.buscar import BuscarState
from sgd_app.state.ingresar import IngresarState
from sgd_app.state.mesa_de_partes import MesaDePartesState, sweep_staging
from sgd_app.state.mirador import MiradorState, VisitState
from sgd_app.state.seguimiento import SeguimientoState
from sgd_app.state.session import StaffNav
from sgd_app.state.tablero import feed_hub
from sgd_app.state.verificar import VerificarState

app = rx.App(
    html_lang="es",
    api_transformer=[api, BodyLimit],
    head_components=[rx.el.meta(name="theme-color", content="#8a1538")],
)
# Reflex's own overlay shows an English "Cannot connect to server" toast: use a Spanish banner.
app.app_wraps[(5, "Overlay")] = lambda stateful: rx.fragment(connection_banner()) if stateful else None

_SITE = SITE
app.add_page(
    home,
    route=routes.HOME,
    title=_SITE,
    description="Mesa de Partes Virtual y seguimiento de trámites",
    on_load=VisitState.count("inicio"),
)
app.add_page(
    mesa_de_partes,
    route=routes.MESA_DE_PARTES,
    title=f"Mesa de Partes Virtual — {_SITE}",
    on_load=[VisitState.count("mesa-de-partes"), MesaDePartesState.load],
)
app.add_page(
    seguimiento,
    route=routes.SEGUIMIENTO,
    title=f"Seguimiento — {_SITE}",
    on_load=[VisitState.count("seguimiento"), SeguimientoState.load],
)
app.add_page(
    verificar,
    route="/verificar",
    title=f"Verificar — {_SITE}",
    on_load=[VisitState.count("verificar"), VerificarState.load],
)
app.add_page(
    mirador, route=routes.MIRADOR, title=f"Mirador — {_SITE}", on_load=[VisitState.count("mirador"), MiradorState.load]
)
app.add_page(casilla, route=routes.CASILLA, title=f"Casilla electrónica — {_SITE}", on_load=VisitState.count("casilla"))
app.add_page(ingresar, route=routes.INGRESAR, title=f"Ingresar — {_SITE}", on_load=IngresarState.load)
app.add_page(
    registrar,
    route=routes.REGISTRAR,
    title=f"Registrar documento — {_SITE}",
    on_load=[StaffNav.load, MesaDePartesState.load_desk],
)
app.add_page(buscar, route="/buscar", title=f"Buscar — {_SITE}", on_load=[StaffNav.load, BuscarState.load])
for page in PAGES:  # the staff pages, declared with @staff_page
    app.add_page(page.component, route=page.route, title=page.title, on_load=page.on_load)


async def _sweep_staging():
    """Uploads of wizards that were never sent are removed after a day (hourly sweep)."""
    import asyncio

    while True:
        await asyncio.to_thread(sweep_staging)
        await asyncio.sleep(3600)


app.register_lifespan_task(_sweep_staging)


async def _jobs():
    """E-mail delivery, expiry of observations, the daily digest (restart-safe: see jobs.py)."""
    await jobs.scheduler_loop()


app.register_lifespan_task(_jobs)

# Digitisation: text extraction and OCR of stored documents, one job at a time per process.
app.register_lifespan_task(digitize.worker_loop)

# Live dashboards: every commit that changes the summaries signals the feed hub.
live.install()
app.register_lifespan_task(feed_hub, rx_app=app)
