"""/seguimiento — the citizen follows a case with its number and access key."""
from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import (BRAND, ERROR, INK, MUTED, card, info_row, link_button, primary_button,
                                   secondary_button, shell)
from sgd_app.state.tracking import TrackingState as T

_INPUT = {"width": "100%", "min_height": "48px", "font_size": "1.1rem"}


def _form() -> rx.Component:
    return rx.form(
        rx.box(
            rx.el.label("Número de expediente", html_for="numero",
                        style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"}),
            rx.input(id="numero", name="numero", default_value=T.number, placeholder="EXP-2026-000123",
                     size="3", auto_complete="off", style=_INPUT, required=True),
            margin_bottom="1rem",
        ),
        rx.box(
            rx.el.label("Clave de acceso", html_for="clave",
                        style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"}),
            rx.input(id="clave", name="clave", placeholder="XXXX-XXXX-XXXX", size="3", auto_complete="off",
                     style=_INPUT, required=True, aria_describedby="seguimiento-error"),
            rx.text("La clave figura en la pantalla de confirmación y en el correo que recibió.",
                    size="2", color=MUTED, margin_top="0.2rem"),
            margin_bottom="1rem",
        ),
        rx.cond(T.error != "", rx.text(T.error, id="seguimiento-error", color=ERROR, role="alert",
                                       margin_bottom="0.75rem")),
        primary_button(rx.cond(T.searching, "Buscando…", "Consultar"), type="submit", width="100%",
                       disabled=T.searching, id="consultar"),
        on_submit=T.search,
        reset_on_submit=False,
    )


def _result() -> rx.Component:
    return rx.box(
        card(
            rx.text("Expediente", size="2", color=MUTED),
            rx.text(T.t_number, size="7", weight="bold", id="resultado-numero"),
            rx.flex(rx.text("Estado:", size="3"), rx.badge(T.t_status_label, size="3", color_scheme="ruby",
                                                         id="resultado-estado"), gap="0.5rem", align="center"),
            style={"margin_bottom": "0.75rem"},
        ),
        card(
            info_row("Trámite", T.t_procedure),
            info_row("Asunto", T.t_subject),
            info_row("Remitente", T.t_filer),
            info_row("Recibido", T.t_received),
            info_row("Fecha legal de presentación", T.t_filed),
            info_row("Plazo de atención hasta", T.t_due),
            info_row("Unidad a cargo", T.t_unit),
            info_row("Folios", T.t_folios),
            style={"margin_bottom": "0.75rem"},
        ),
        card(
            rx.heading("Historial", as_="h2", size="4", margin_bottom="0.5rem"),
            rx.el.ol(
                rx.foreach(T.t_timeline, lambda t: rx.el.li(
                    rx.text(t["title"], weight="bold"),
                    rx.text(t["detail"], size="2", color=INK),
                    rx.text(t["at"], size="2", color=MUTED),
                    style={"border_left": f"3px solid {BRAND}", "padding": "0.2rem 0 0.6rem 0.75rem",
                           "list_style": "none"},
                )),
                style={"margin": "0", "padding": "0"},
            ),
            style={"margin_bottom": "0.75rem"},
        ),
        card(
            rx.heading("Documentos presentados", as_="h2", size="4", margin_bottom="0.5rem"),
            rx.foreach(T.t_documents, lambda d: rx.box(
                rx.text(d["label"], ": ", d["filename"], weight="medium", style={"overflow_wrap": "anywhere"}),
                rx.text(d["pages"], " página(s) · ", d["size"], size="2", color=MUTED),
                rx.text("SHA-256: ", d["sha256"], size="1", style={"word_break": "break-all"}),
                padding_y="0.35rem",
            )),
            style={"margin_bottom": "0.75rem"},
        ),
        rx.flex(
            link_button(rx.icon("download", size=18, aria_hidden="true"), "Descargar cargo (PDF)",
                        href=T.t_download, download=True),
            secondary_button("Consultar otro expediente", on_click=T.new_search, width="100%", type="button"),
            direction="column", gap="0.6rem",
        ),
    )


def seguimiento() -> rx.Component:
    return shell(rx.cond(T.found, _result(), _form()), title="Seguimiento de trámite")
