"""/casilla — the filer's casilla electrónica (phone-first)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import page
from sgd_app.components.ui import (
    BRAND,
    ERROR,
    INK,
    MUTED,
    card,
    info_row,
    link_button,
    primary_button,
    secondary_button,
    shell,
)
from sgd_app.state.casilla import DOC_OPTIONS, EXPIRES, CasillaState

_INPUT = {
    "width": "100%",
    "min_height": "48px",
    "font_size": "1.05rem",
    "padding": "0 0.75rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}


def _ask() -> rx.Component:
    return card(
        rx.text(
            "Aquí recibe las notificaciones de la institución: observaciones, respuestas y avisos. La "
            "notificación vale desde que se deposita en su casilla.",
            size="3",
            margin_bottom="0.75rem",
        ),
        rx.form(
            rx.el.label("Tipo de documento", html_for="c-doc-type", style={"font_weight": "600", "display": "block"}),
            rx.el.select(
                *[rx.el.option(label, value=code) for code, label in DOC_OPTIONS],
                id="c-doc-type",
                name="doc_type",
                style=_INPUT,
            ),
            rx.el.label(
                "Número de documento",
                html_for="c-doc-number",
                style={"font_weight": "600", "display": "block", "margin_top": "0.75rem"},
            ),
            rx.el.input(id="c-doc-number", name="doc_number", style=_INPUT, auto_complete="off", required=True),
            primary_button("Enviarme un código", type="submit", width="100%", margin_top="1rem", id="pedir-codigo"),
            on_submit=CasillaState.send_code,
            reset_on_submit=False,
        ),
        rx.cond(
            CasillaState.code_sent,
            rx.form(
                rx.text(CasillaState.message, size="2", role="status", margin_top="1rem", id="aviso-codigo"),
                rx.text(EXPIRES, size="2", weight="medium", color=INK, margin_top="0.4rem", id="vence-codigo"),
                rx.el.label(
                    "Código recibido (6 dígitos)",
                    html_for="c-code",
                    style={"font_weight": "600", "display": "block", "margin_top": "0.75rem"},
                ),
                rx.el.input(
                    id="c-code",
                    name="code",
                    style=_INPUT,
                    input_mode="numeric",
                    auto_complete="one-time-code",
                    max_length=6,
                    required=True,
                ),
                primary_button("Abrir mi casilla", type="submit", width="100%", margin_top="1rem", id="abrir-casilla"),
                secondary_button(
                    "Reenviar código",
                    on_click=CasillaState.resend_code,
                    type="button",
                    width="100%",
                    margin_top="0.6rem",
                    id="reenviar-codigo",
                ),
                on_submit=CasillaState.open,
                reset_on_submit=True,
            ),
        ),
        rx.cond(
            CasillaState.error != "",
            rx.text(CasillaState.error, color=ERROR, role="alert", margin_top="0.75rem", id="error-casilla"),
        ),
    )


def _notice_row(n: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.button(
            rx.flex(
                rx.box(
                    rx.text(
                        n["title"], weight=rx.cond(n["read"] == "", "bold", "regular"), color=INK, text_align="left"
                    ),
                    rx.text("Depositado el ", n["deposited"], size="1", color=MUTED, text_align="left"),
                    flex="1",
                ),
                rx.cond(
                    n["read"] == "", rx.badge("Nuevo", color_scheme="ruby"), rx.badge("Leído", color_scheme="gray")
                ),
                gap="0.5rem",
                align="center",
                width="100%",
            ),
            on_click=CasillaState.read(n["id"]),
            type="button",
            style={
                "width": "100%",
                "background": "white",
                "border": "none",
                "padding": "0.75rem 0",
                "cursor": "pointer",
                "min_height": "48px",
            },
        ),
        style={"list_style": "none", "border_bottom": "1px solid #eceff2"},
    )


def _case_row(c: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.text(c["number"], weight="bold", color=INK),
            rx.badge(c["status"], color_scheme="ruby", size="2"),
            gap="0.5rem",
            align="center",
            wrap="wrap",
        ),
        rx.text(c["procedure"], size="2", color=INK),
        rx.text(c["note"], size="2", color=MUTED),
        rx.text("Presentado el ", c["filed"], size="1", color=MUTED),
        rx.link(
            "Ver seguimiento",
            href=routes.SEGUIMIENTO + "?numero=" + c["number"],
            color=BRAND,
            underline="always",
            size="2",
        ),
        style={"list_style": "none", "border_bottom": "1px solid #eceff2", "padding": "0.6rem 0"},
    )


def _cases() -> rx.Component:
    return card(
        rx.heading("Mis expedientes", as_="h2", size="5"),
        rx.cond(
            CasillaState.cases_total == 0,
            rx.text("No tiene expedientes presentados con este documento.", color=MUTED),
            rx.text(
                CasillaState.cases_total, " expediente(s), del más reciente al más antiguo.", size="2", color=MUTED
            ),
        ),
        rx.el.ul(
            rx.foreach(CasillaState.cases, _case_row), style={"margin": "0", "padding": "0"}, id="mis-expedientes"
        ),
        rx.cond(
            CasillaState.cases_pages > 1,
            rx.flex(
                secondary_button(
                    "Anteriores",
                    on_click=CasillaState.cases_prev,
                    type="button",
                    disabled=CasillaState.cases_page == 0,
                ),
                rx.text(
                    "Página ",
                    CasillaState.cases_page + 1,
                    " de ",
                    CasillaState.cases_pages,
                    size="2",
                    id="pagina-casos",
                ),
                secondary_button(
                    "Siguientes",
                    on_click=CasillaState.cases_next,
                    type="button",
                    disabled=CasillaState.cases_page + 1 >= CasillaState.cases_pages,
                ),
                gap="0.5rem",
                align="center",
                justify="between",
                margin_top="0.75rem",
            ),
        ),
        style={"margin_top": "0.75rem"},
    )


def _mailbox() -> rx.Component:
    return rx.box(
        rx.text("Casilla electrónica de", size="2", color=MUTED),
        rx.text(CasillaState.owner, size="5", weight="bold", color=INK, margin_bottom="0.75rem", id="titular-casilla"),
        rx.cond(
            CasillaState.has_current,
            card(
                rx.heading(CasillaState.current["title"], as_="h2", size="5"),
                info_row("Depositado (fecha y hora de la notificación)", CasillaState.current["deposited"]),
                info_row("Leído", CasillaState.current["read"]),
                rx.text(
                    CasillaState.current["body"],
                    size="3",
                    style={"white_space": "pre-wrap"},
                    margin_y="0.75rem",
                    id="cuerpo-aviso",
                ),
                rx.cond(
                    CasillaState.current["download"] != "",
                    link_button(
                        rx.icon("download", size=18, aria_hidden="true"),
                        "Descargar documento firmado",
                        href=CasillaState.current["download"],
                        download=True,
                        id="descargar-aviso",
                    ),
                ),
                secondary_button(
                    "Volver a mis avisos", on_click=CasillaState.back, width="100%", type="button", margin_top="0.75rem"
                ),
            ),
            card(
                rx.heading("Mis avisos", as_="h2", size="5"),
                rx.cond(CasillaState.notices.length() == 0, rx.text("No tiene avisos.", color=MUTED)),
                rx.el.ul(
                    rx.foreach(CasillaState.notices, _notice_row), style={"margin": "0", "padding": "0"}, id="avisos"
                ),
            ),
        ),
        rx.cond(CasillaState.has_current, rx.fragment(), _cases()),
        secondary_button(
            "Cerrar mi casilla", on_click=CasillaState.close, width="100%", type="button", margin_top="1rem"
        ),
    )


@page(routes.CASILLA, title="Casilla electrónica", visit="casilla")
def casilla() -> rx.Component:
    return shell(rx.cond(CasillaState.opened, _mailbox(), _ask()), title="Casilla electrónica")
