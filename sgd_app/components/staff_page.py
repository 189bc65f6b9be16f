"""The staff pages' frame: the navigation bar, the deadline badge, and the ``staff_page``
decorator that declares a page's route, title and on_load in one place (the app registers every
declared page in a loop).

    @staff_page(routes.BANDEJA, title="Bandeja", on_load=BandejaState.load)
    def bandeja() -> rx.Component: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from sgd_app import routes
from sgd_app.components.ui import BRAND, ERROR, INK, secondary_button
from sgd_app.state.session import StaffNav

SITE = "Trámite Digital — JNE"


@dataclass(frozen=True)
class StaffPage:
    component: Callable[[], rx.Component]
    route: str
    title: str
    on_load: list[Any]


PAGES: list[StaffPage] = []


def staff_page(route: str, *, title: str, on_load: Any = ()) -> Callable:
    """Declare a staff page: the navigation's state loads first, then the page's own ``on_load``."""
    loads = list(on_load) if isinstance(on_load, (list, tuple)) else [on_load]

    def declare(component: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        PAGES.append(StaffPage(component, route, f"{title} — {SITE}", [StaffNav.load, *loads]))
        return component

    return declare


INPUT = {
    "width": "100%",
    "min_height": "48px",
    "font_size": "1.05rem",
    "padding": "0 0.75rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}
SMALL_INPUT = {**INPUT, "min_height": "44px", "font_size": "1rem"}
LIGHT_COLORS = {"red": "#b42318", "amber": "#b54708", "green": "#146c2e", "gray": "#667085"}


def _nav(text: str, href: str) -> rx.Component:
    # Explicit colours: Radix's hover/focus tint on a link failed the contrast check.
    return rx.el.a(
        text,
        href=href,
        style={
            "color": BRAND,
            "font_weight": "500",
            "text_decoration": "underline",
            "text_underline_offset": "3px",
            "padding": "0.35rem 0",
            "_hover": {"color": "#6b0f2b"},
            "_visited": {"color": BRAND},
        },
    )


def staff_bar() -> rx.Component:
    """Navigation shared by the staff pages, with the logout button (a real form POST)."""
    return rx.flex(
        rx.flex(
            _nav("Bandeja", routes.BANDEJA),
            rx.cond(
                StaffNav.expiring > 0,
                rx.el.a(
                    rx.icon("alarm-clock", size=14, aria_hidden="true"),
                    StaffNav.expiring,
                    " vencen pronto",
                    href=f"{routes.BANDEJA}?pestana=por_vencer",
                    id="alerta-vencimientos",
                    title="Expedientes de sus unidades que vencen en un día hábil o menos",
                    style={
                        "display": "inline-flex",
                        "gap": "0.3rem",
                        "align_items": "center",
                        "background": ERROR,
                        "color": "white",
                        "border_radius": "999px",
                        "padding": "0.2rem 0.7rem",
                        "font_weight": "600",
                        "font_size": "0.9rem",
                        "text_decoration": "none",
                        "min_height": "32px",
                    },
                ),
            ),
            _nav("Buscar", routes.BUSCAR),
            _nav("Firma", routes.FIRMA),
            _nav("Reportes", routes.REPORTES),
            _nav("Tablero", routes.TABLERO),
            rx.cond(StaffNav.is_clerk, _nav("Registrar documento", routes.REGISTRAR)),
            rx.cond(StaffNav.is_admin, _nav("Administración", routes.ADMIN)),
            gap="1rem",
            wrap="wrap",
            align="center",
        ),
        rx.el.form(
            secondary_button("Salir", type="submit", style={"min_height": "44px"}),
            action="/api/v1/sesion/salir",
            method="post",
            on_submit=None,
        ),
        justify="between",
        align="center",
        gap="1rem",
        wrap="wrap",
        margin_bottom="1rem",
        padding_bottom="0.75rem",
        border_bottom="1px solid #e3e6ea",
    )


def light_badge(color, label) -> rx.Component:
    return rx.flex(
        rx.box(
            width="12px",
            height="12px",
            border_radius="50%",
            flex_shrink="0",
            background=rx.match(color, *[(k, v) for k, v in LIGHT_COLORS.items()], "#667085"),
            aria_hidden="true",
        ),
        rx.text(
            label,
            size="2",
            weight="medium",
            color=rx.match(color, *[(k, v) for k, v in LIGHT_COLORS.items()], "#667085"),
        ),
        gap="0.4rem",
        align="center",
    )
