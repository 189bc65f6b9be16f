"""/ingresar: the staff login form (a real form POST to /api/v1/sesion, which sets the HttpOnly
session cookie)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import page
from sgd_app.components.ui import (
    BRAND,
    ERROR,
    INPUT,
    MUTED,
    OK,
    card,
    primary_button,
    secondary_button,
    shell,
)
from sgd_app.state.ingresar import IngresarState

SSO_BUTTON = {
    "display": "flex",
    "align_items": "center",
    "justify_content": "center",
    "min_height": "48px",
    "padding": "0.6rem 1.25rem",
    "line_height": "1.3",
    "border_radius": "10px",
    "font_size": "1.05rem",
    "font_weight": "600",
    "text_decoration": "none",
    "text_align": "center",
    "width": "100%",
    "background_color": BRAND,
    "color": "white",
}


@page(routes.INGRESAR, title="Ingresar", on_load=IngresarState.load)
def ingresar() -> rx.Component:
    return shell(
        card(
            rx.cond(
                IngresarState.notice != "",
                rx.text(
                    IngresarState.notice,
                    role="alert",
                    id="aviso",
                    color=rx.cond(IngresarState.is_error, ERROR, OK),
                    margin_bottom="0.75rem",
                ),
            ),
            rx.cond(
                IngresarState.sso,
                rx.fragment(
                    # A plain anchor: the browser loads the HTTP route, which redirects to the provider.
                    rx.el.a(
                        "Ingresar con la cuenta institucional",
                        href="/api/v1/sso/ingresar",
                        reload_document=True,
                        id="ingresar-institucional",
                        style=SSO_BUTTON,
                    ),
                    rx.text(
                        rx.cond(
                            IngresarState.passwords_for_all,
                            "O ingrese con su usuario y contraseña del sistema:",
                            "Usuario y contraseña: solo administradores de emergencia.",
                        ),
                        size="2",
                        color=MUTED,
                        margin="1.25rem 0 0.75rem",
                    ),
                ),
            ),
            rx.el.form(
                rx.el.label(
                    "Usuario",
                    html_for="usuario",
                    style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"},
                ),
                rx.el.input(
                    id="usuario",
                    name="usuario",
                    type="text",
                    auto_complete="username",
                    required=True,
                    auto_capitalize="none",
                    style=INPUT,
                ),
                rx.el.label(
                    "Contraseña",
                    html_for="clave",
                    style={"font_weight": "600", "display": "block", "margin": "1rem 0 0.3rem"},
                ),
                rx.el.input(
                    id="clave",
                    name="clave",
                    type="password",
                    auto_complete="current-password",
                    required=True,
                    style=INPUT,
                ),
                rx.cond(
                    IngresarState.sso,
                    secondary_button("Ingresar", type="submit", width="100%", margin_top="1.25rem", id="ingresar"),
                    primary_button("Ingresar", type="submit", width="100%", margin_top="1.25rem", id="ingresar"),
                ),
                action="/api/v1/sesion",
                method="post",
                on_submit=None,
            ),
            style={"max_width": "420px"},
        ),
        rx.text("Acceso solo para el personal de la institución.", size="2", color=MUTED, margin_top="1rem"),
        title="Ingresar",
    )
