"""The page registry: every route of routes.py is declared once, with its tab title and loads."""

from __future__ import annotations

import importlib
import pkgutil

from sgd_app import pages, routes
from sgd_app.components.page import PAGES, SITE
from sgd_app.state.mirador import VisitState
from sgd_app.state.session import StaffNav

for module in pkgutil.iter_modules(pages.__path__):
    importlib.import_module(f"sgd_app.pages.{module.name}")

ROUTES = {v for k, v in vars(routes).items() if k.isupper() and k not in ("LOGIN_EXPIRED", "EXPEDIENTE_PREFIX")}
STAFF = {routes.BANDEJA, routes.EXPEDIENTE, routes.REGISTRAR, routes.TABLERO, routes.FIRMA, routes.ADMIN}
STAFF |= {routes.BUSCAR, routes.REPORTES, routes.AUDITORIA, routes.ARCHIVO}


def _by_route():
    return {p.route: p for p in PAGES}


def test_every_route_is_declared_once():
    declared = [p.route for p in PAGES]
    assert sorted(declared) == sorted(set(declared))
    assert set(declared) == ROUTES


def test_titles_keep_their_text():
    titles = {r: p.title for r, p in _by_route().items()}
    assert titles[routes.HOME] == SITE == "Trámite Digital — JNE"
    assert titles[routes.MESA_DE_PARTES] == "Mesa de Partes Virtual — Trámite Digital — JNE"
    assert titles[routes.CASILLA] == "Casilla electrónica — Trámite Digital — JNE"
    assert titles[routes.REGISTRAR] == "Registrar documento — Trámite Digital — JNE"
    assert titles[routes.TABLERO] == "Tablero de mando — Trámite Digital — JNE"


def test_staff_pages_load_the_navigation_first_and_public_pages_count_visits():
    for route, page in _by_route().items():
        if route == routes.NOT_FOUND:  # an unknown address is no visit: the Spanish 404 loads nothing
            assert not page.on_load
            continue
        first = page.on_load[0]
        if route in STAFF:
            assert first.handler.fn.__name__ == StaffNav.enter.fn.__name__, route
        elif route != routes.INGRESAR:
            assert first.handler.fn.__name__ == VisitState.count.fn.__name__, route
