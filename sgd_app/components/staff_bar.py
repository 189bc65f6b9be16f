"""The staff navigation bar: links by role, the deadline badge and the logout form."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.bell import bell
from sgd_app.components.ui import BRAND, ERROR, secondary_button
from sgd_app.state.session import StaffNav


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
            rx.cond(StaffNav.may_sign, _nav("Firma", routes.FIRMA)),
            _nav("Reportes", routes.REPORTES),
            rx.cond(StaffNav.may_dashboard, _nav("Tablero", routes.TABLERO)),
            rx.cond(StaffNav.is_clerk, _nav("Registrar documento", routes.REGISTRAR)),
            rx.cond(StaffNav.is_admin, _nav("Administración", routes.ADMIN)),
            rx.cond(StaffNav.may_audit, _nav("Auditoría", routes.AUDITORIA)),
            rx.cond(StaffNav.may_archive, _nav("Archivo", routes.ARCHIVO)),
            gap="1rem",
            wrap="wrap",
            align="center",
        ),
        rx.flex(
            bell(),
            rx.el.form(
                secondary_button("Salir", type="submit", style={"min_height": "44px"}),
                action="/api/v1/sesion/salir",
                method="post",
                on_submit=None,
            ),
            gap="0.75rem",
            align="center",
        ),
        justify="between",
        align="center",
        gap="1rem",
        wrap="wrap",
        margin_bottom="1rem",
        padding_bottom="0.75rem",
        border_bottom="1px solid #e3e6ea",
    )
