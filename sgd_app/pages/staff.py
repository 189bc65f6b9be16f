"""/ingresar and /bandeja (read-only for now)."""
from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, OK, card, primary_button, secondary_button, shell
from sgd_app.state.login import LoginState as L
from sgd_app.state.staff import InboxState as I

_INPUT = {"width": "100%", "min_height": "48px", "font_size": "1.05rem", "padding": "0 0.75rem",
          "border": "1px solid #b9c0c8", "border_radius": "8px", "background": "white", "color": INK}


def ingresar() -> rx.Component:
    return shell(
        card(
            rx.cond(L.notice != "", rx.text(L.notice, role="alert", id="aviso",
                                           color=rx.cond(L.is_error, ERROR, OK), margin_bottom="0.75rem")),
            rx.el.form(
                rx.el.label("Usuario", html_for="usuario",
                            style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"}),
                rx.el.input(id="usuario", name="usuario", type="text", auto_complete="username", required=True,
                            auto_capitalize="none", style=_INPUT),
                rx.el.label("Contraseña", html_for="clave",
                            style={"font_weight": "600", "display": "block", "margin": "1rem 0 0.3rem"}),
                rx.el.input(id="clave", name="clave", type="password", auto_complete="current-password",
                            required=True, style=_INPUT),
                primary_button("Ingresar", type="submit", width="100%", margin_top="1.25rem", id="ingresar"),
                action="/api/v1/sesion",
                method="post",
                on_submit=None,
            ),
            style={"max_width": "420px"},
        ),
        rx.text("Acceso solo para el personal de la institución.", size="2", color=MUTED, margin_top="1rem"),
        title="Ingresar",
    )


def _row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r["number"], weight="bold"), rx.text(r["channel"], size="1", color=MUTED)),
        rx.table.cell(rx.text(r["procedure"], size="2"), rx.text(r["subject"], size="1", color=MUTED)),
        rx.table.cell(r["filer"]),
        rx.table.cell(r["received"]),
        rx.table.cell(r["due"]),
        rx.table.cell(rx.badge(r["status"], color_scheme="ruby")),
        rx.table.cell(r["unit"]),
    )


def bandeja() -> rx.Component:
    return shell(
        rx.flex(
            rx.box(
                rx.text(I.user_name, weight="bold", id="usuario-actual"),
                rx.text(I.unit_names, size="2", color=MUTED),
            ),
            rx.el.form(
                secondary_button("Salir", type="submit"),
                action="/api/v1/sesion/salir", method="post", on_submit=None,
            ),
            justify="between", align="center", margin_bottom="1rem", gap="1rem", wrap="wrap",
        ),
        rx.text(I.total, " expedientes en su bandeja", size="3", margin_bottom="0.5rem", id="total-bandeja"),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    *[rx.table.column_header_cell(h) for h in
                      ("Expediente", "Trámite / asunto", "Remitente", "Recibido", "Vence", "Estado", "Unidad")])),
                rx.table.body(rx.foreach(I.rows, _row)),
                variant="surface", size="2",
            ),
            style={"overflow_x": "auto", "width": "100%"},
        ),
        rx.flex(
            secondary_button("Anterior", on_click=I.prev_page, disabled=I.page == 0, type="button"),
            rx.text("Página ", I.page + 1, " de ", I.pages),
            secondary_button("Siguiente", on_click=I.next_page, disabled=I.page + 1 >= I.pages, type="button"),
            gap="1rem", align="center", justify="center", margin_top="1rem",
        ),
        title="Bandeja",
        wide=True,
    )
