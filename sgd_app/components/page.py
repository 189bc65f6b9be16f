"""The page registry: every page declares its route, tab title and on_load here, and the app
registers them all in one loop (the Reflex dashboard template's ``@template`` shape).

    @page(routes.SEGUIMIENTO, title="Seguimiento", visit="seguimiento", on_load=SeguimientoState.load)
    def seguimiento() -> rx.Component: ...

    @staff_page(routes.REGISTRAR, title="Registrar documento", role=Role.CLERK, refusal=DESK_ONLY)
    def registrar() -> rx.Component: ...   # the body only: the shell and the staff bar come from here
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from sgd_app.components.staff_bar import staff_bar
from sgd_app.components.ui import card, shell
from sgd_app.state.mirador import VisitState
from sgd_app.state.session import StaffNav

SITE = "Trámite Digital — JNE"

Component = Callable[[], rx.Component]


@dataclass(frozen=True)
class Page:
    component: Component
    route: str
    title: str  # the browser tab's: "<title> — Trámite Digital — JNE"
    description: str | None
    on_load: list[Any]


PAGES: list[Page] = []


def _events(on_load: Any) -> list[Any]:
    return list(on_load) if isinstance(on_load, (list, tuple)) else [on_load]


def page(
    route: str, *, title: str = "", visit: str = "", on_load: Any = (), description: str | None = None
) -> Callable[[Component], Component]:
    """Declare a public page; ``visit`` is the key its visits are counted under (no person, no IP)."""
    loads = ([VisitState.count(visit)] if visit else []) + _events(on_load)

    def declare(component: Component) -> Component:
        full_title = f"{title} — {SITE}" if title else SITE
        PAGES.append(Page(component, route, full_title, description, loads))
        return component

    return declare


def _refusal() -> rx.Component:
    return card(rx.text(StaffNav.refusal, id="sin-permiso"))


def staff_page(
    route: str,
    *,
    title: str,
    on_load: Any = (),
    role: str = "",
    refusal: str = "",
    heading: str | None = None,
    wide: bool = True,
) -> Callable[[Component], Component]:
    """Declare a staff page: the shell with the staff bar around the page's body, the staff
    navigation loaded first, and, with ``role``, ``refusal`` shown instead of the body to users
    without it. ``heading`` is the page's h1 (default ``title``; "" for none)."""
    loads = [StaffNav.enter(role, refusal), *_events(on_load)]
    h1 = title if heading is None else heading

    def declare(body: Component) -> Component:
        @functools.wraps(body)
        def component() -> rx.Component:
            content = rx.cond(StaffNav.refusal != "", _refusal(), body()) if role else body()
            return shell(staff_bar(), content, title=h1, wide=wide, staff=True)

        PAGES.append(Page(component, route, f"{title} — {SITE}", None, loads))
        return component

    return declare
