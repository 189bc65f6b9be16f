"""/seguimiento — the citizen follows a case with its number and access key."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.notice import brief_rejections
from sgd_app.components.page import page
from sgd_app.components.ui import (
    BRAND,
    ERROR,
    INK,
    MUTED,
    OK,
    card,
    info_row,
    link_button,
    primary_button,
    secondary_button,
    shell,
)
from sgd_app.state.seguimiento import FIX_MAX_BYTES, FIX_MAX_FILES, SeguimientoState

_INPUT = {"width": "100%", "min_height": "48px", "font_size": "1.1rem"}


def _form() -> rx.Component:
    return rx.form(
        rx.box(
            rx.el.label(
                "Número de expediente",
                html_for="numero",
                style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"},
            ),
            rx.input(
                id="numero",
                name="numero",
                default_value=SeguimientoState.number,
                placeholder="EXP-2026-000123",
                size="3",
                auto_complete="off",
                style=_INPUT,
                required=True,
            ),
            margin_bottom="1rem",
        ),
        rx.box(
            rx.el.label(
                "Clave de acceso",
                html_for="clave",
                style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"},
            ),
            rx.input(
                id="clave",
                name="clave",
                placeholder="XXXX-XXXX-XXXX",
                size="3",
                auto_complete="off",
                style=_INPUT,
                required=True,
                aria_describedby="seguimiento-error",
            ),
            rx.text(
                "La clave figura en la pantalla de confirmación y en el correo que recibió.",
                size="2",
                color=MUTED,
                margin_top="0.2rem",
            ),
            margin_bottom="1rem",
        ),
        rx.cond(
            SeguimientoState.error != "",
            rx.text(SeguimientoState.error, id="seguimiento-error", color=ERROR, role="alert", margin_bottom="0.75rem"),
        ),
        primary_button(
            rx.cond(SeguimientoState.searching, "Buscando…", "Consultar"),
            type="submit",
            width="100%",
            disabled=SeguimientoState.searching,
            id="consultar",
        ),
        on_submit=SeguimientoState.search,
        reset_on_submit=False,
    )


def _forgot() -> rx.Component:
    """ "¿Olvidó su clave?": number + document of the filing -> a new key by e-mail."""
    label = {"font_weight": "600", "display": "block", "margin_bottom": "0.3rem"}
    return rx.box(
        rx.el.button(
            "¿Olvidó su clave?",
            on_click=SeguimientoState.toggle_forgot,
            type="button",
            aria_expanded=rx.cond(SeguimientoState.forgot, "true", "false"),
            aria_controls="olvido-clave",
            id="olvido-clave-boton",
            style={
                "background": "none",
                "border": "none",
                "color": BRAND,
                "text_decoration": "underline",
                "font_size": "1rem",
                "padding": "0.75rem 0",
                "min_height": "44px",
                "cursor": "pointer",
            },
        ),
        rx.cond(
            SeguimientoState.forgot,
            rx.form(
                rx.text(
                    "Escriba el número de expediente y el número de documento con el que lo presentó. Si "
                    "coinciden, le enviaremos una nueva clave al correo que registró (la anterior dejará de servir).",
                    size="2",
                    margin_bottom="0.75rem",
                ),
                rx.el.label("Número de expediente", html_for="olvido-numero", style=label),
                rx.input(
                    id="olvido-numero",
                    name="numero",
                    default_value=SeguimientoState.number,
                    placeholder="EXP-2026-000123",
                    size="3",
                    auto_complete="off",
                    style=_INPUT,
                    required=True,
                ),
                rx.el.label(
                    "Número de documento (DNI, carné de extranjería o RUC)",
                    html_for="olvido-documento",
                    style={**label, "margin_top": "0.75rem"},
                ),
                rx.input(
                    id="olvido-documento",
                    name="doc_number",
                    size="3",
                    auto_complete="off",
                    input_mode="numeric",
                    style=_INPUT,
                    required=True,
                ),
                rx.cond(
                    SeguimientoState.forgot_error != "",
                    rx.text(SeguimientoState.forgot_error, color=ERROR, role="alert", margin_top="0.5rem"),
                ),
                rx.cond(
                    SeguimientoState.forgot_msg != "",
                    rx.text(
                        SeguimientoState.forgot_msg,
                        role="status",
                        id="olvido-enviado",
                        color=OK,
                        weight="medium",
                        margin_top="0.5rem",
                    ),
                ),
                secondary_button("Enviarme una nueva clave", type="submit", width="100%", margin_top="0.75rem"),
                on_submit=SeguimientoState.resend_key,
                reset_on_submit=False,
                id="olvido-clave",
            ),
        ),
        margin_top="0.5rem",
    )


def _observations() -> rx.Component:
    return rx.cond(
        SeguimientoState.can_fix,
        card(
            rx.heading("Su expediente tiene observaciones", as_="h2", size="5", color=ERROR),
            rx.el.ol(
                rx.foreach(SeguimientoState.t_observations, lambda o: rx.el.li(o, style={"margin_bottom": "0.3rem"})),
                style={"padding_left": "1.25rem"},
                id="lista-observaciones",
            ),
            rx.text(
                "Subsane hasta el ",
                rx.text.strong(SeguimientoState.t_obs_deadline),
                ". Mientras tanto el plazo de atención está detenido; si no subsana a tiempo, el pedido se tiene "
                "por no presentado (art. 136 de la Ley N° 27444).",
                size="2",
            ),
            rx.el.label(
                "Explique cómo subsana (opcional si adjunta archivos)",
                html_for="nota-subsanacion",
                style={"font_weight": "600", "display": "block", "margin": "0.75rem 0 0.3rem"},
            ),
            rx.text_area(
                id="nota-subsanacion",
                default_value=SeguimientoState.fix_note,
                on_blur=SeguimientoState.set_fix_note,
                rows="3",
                size="3",
                width="100%",
            ),
            rx.el.label(
                rx.upload(
                    rx.text(
                        "Toque para elegir los PDF que le pidieron (máx. 5, 10 MB cada uno)",
                        weight="medium",
                        text_align="center",
                    ),
                    rx.foreach(rx.selected_files("subsanacion"), lambda f: rx.text(f, size="2", color=INK)),
                    id="subsanacion",
                    accept={"application/pdf": [".pdf"]},
                    multiple=True,
                    max_files=FIX_MAX_FILES,
                    max_size=FIX_MAX_BYTES,
                    on_drop_rejected=brief_rejections(SeguimientoState.fix_rejected),
                    border=f"2px dashed {BRAND}",
                    border_radius="12px",
                    padding="1rem",
                    background="white",
                    cursor="pointer",
                    min_height="64px",
                ),
                style={"display": "block", "margin_top": "0.75rem"},
            ),
            rx.cond(
                (SeguimientoState.fix_progress > 0) & (SeguimientoState.fix_progress < 100),
                rx.progress(
                    value=SeguimientoState.fix_progress,
                    max=100,
                    color_scheme="ruby",
                    aria_label="Avance de la carga",
                    margin_top="0.5rem",
                ),
            ),
            rx.cond(
                SeguimientoState.fix_error != "",
                rx.text(SeguimientoState.fix_error, color=ERROR, role="alert", id="error-subsanacion"),
            ),
            primary_button(
                "Enviar subsanación",
                type="button",
                width="100%",
                margin_top="0.75rem",
                id="enviar-subsanacion",
                on_click=SeguimientoState.submit_fix(
                    rx.upload_files(upload_id="subsanacion", on_upload_progress=SeguimientoState.fix_upload_progress)
                ),
            ),
            style={"margin_bottom": "0.75rem", "border": f"2px solid {ERROR}"},
        ),
    )


_PLAIN_LIST = {"list_style": "none", "margin": "0", "padding": "0"}


def _doc_item(d: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.text(d["label"], ": ", d["filename"], weight="medium", style={"overflow_wrap": "anywhere"}),
        rx.text(d["pages"], " página(s) · ", d["size"], size="2", color=MUTED),
        style={"padding": "0.35rem 0"},
    )


def _result() -> rx.Component:
    return rx.box(
        card(
            rx.text("Expediente", size="2", color=MUTED),
            rx.text(SeguimientoState.t_number, size="7", weight="bold", id="resultado-numero"),
            rx.flex(
                rx.text("Estado:", size="3"),
                rx.badge(SeguimientoState.t_status_label, size="3", color_scheme="ruby", id="resultado-estado"),
                gap="0.5rem",
                align="center",
            ),
            rx.text(SeguimientoState.t_status_note, size="3", color=INK, margin_top="0.4rem", id="estado-explicacion"),
            style={"margin_bottom": "0.75rem"},
        ),
        rx.cond(
            SeguimientoState.fix_done != "",
            rx.text(
                rx.icon(
                    "circle-check", size=18, aria_hidden="true", style={"display": "inline", "vertical_align": "-3px"}
                ),
                " ",
                SeguimientoState.fix_done,
                role="status",
                id="subsanacion-recibida",
                color=OK,
                weight="medium",
                margin_bottom="0.75rem",
            ),
        ),
        _observations(),
        rx.cond(
            SeguimientoState.t_answer_url != "",
            rx.box(
                link_button(
                    rx.icon("download", size=18, aria_hidden="true"),
                    "Descargar la respuesta firmada",
                    href=SeguimientoState.t_answer_url,
                    download=True,
                    id="descargar-respuesta",
                ),
                margin_bottom="0.75rem",
            ),
        ),
        card(
            info_row("Trámite", SeguimientoState.t_procedure),
            info_row("Asunto", SeguimientoState.t_subject),
            info_row("Remitente", SeguimientoState.t_filer),
            info_row("Recibido", SeguimientoState.t_received),
            info_row("Fecha legal de presentación", SeguimientoState.t_filed),
            info_row("Plazo de atención hasta", SeguimientoState.t_due),
            info_row("Unidad a cargo", SeguimientoState.t_unit),
            style={"margin_bottom": "0.75rem"},
        ),
        card(
            rx.heading("Historial", as_="h2", size="4", margin_bottom="0.5rem"),
            rx.el.ol(
                rx.foreach(
                    SeguimientoState.t_timeline,
                    lambda t: rx.el.li(
                        rx.text(t["title"], weight="bold"),
                        rx.text(t["detail"], size="2", color=INK),
                        rx.text(t["at"], size="2", color=MUTED),
                        style={
                            "border_left": f"3px solid {BRAND}",
                            "padding": "0.2rem 0 0.6rem 0.75rem",
                            "list_style": "none",
                        },
                    ),
                ),
                style={"margin": "0", "padding": "0"},
            ),
            style={"margin_bottom": "0.75rem"},
        ),
        card(
            rx.heading("Documentos presentados", as_="h2", size="4", margin_bottom="0.5rem"),
            rx.el.ul(
                rx.foreach(SeguimientoState.t_documents, lambda d: rx.cond(d["sent"] == "", _doc_item(d))),
                id="documentos-presentados",
                style=_PLAIN_LIST,
            ),
            rx.heading("Documentos que le enviamos", as_="h2", size="4", margin="0.75rem 0 0.5rem"),
            rx.el.ul(
                rx.foreach(SeguimientoState.t_documents, lambda d: rx.cond(d["sent"] != "", _doc_item(d))),
                id="documentos-enviados",
                style=_PLAIN_LIST,
            ),
            rx.el.details(
                rx.el.summary(
                    "Detalles técnicos",
                    style={"cursor": "pointer", "font_weight": "600", "color": BRAND, "padding": "0.6rem 0"},
                ),
                rx.text(
                    "Para verificar que los archivos no cambiaron: su huella digital (SHA-256) y el total de folios.",
                    size="2",
                    color=MUTED,
                ),
                info_row("Folios", SeguimientoState.t_folios),
                rx.foreach(
                    SeguimientoState.t_documents,
                    lambda d: rx.text(
                        d["filename"],
                        " — SHA-256: ",
                        rx.code(d["sha256"], size="1", variant="ghost", style={"color": INK}),
                        size="1",
                        style={"word_break": "break-all"},
                        padding_y="0.25rem",
                    ),
                ),
                id="detalles-tecnicos",
                style={"margin_top": "0.5rem", "border_top": "1px solid #eceff2"},
            ),
            style={"margin_bottom": "0.75rem"},
        ),
        rx.flex(
            link_button(
                rx.icon("download", size=18, aria_hidden="true"),
                "Descargar cargo (PDF)",
                href=SeguimientoState.t_download,
                download=True,
            ),
            secondary_button(
                "Consultar otro expediente", on_click=SeguimientoState.new_search, width="100%", type="button"
            ),
            direction="column",
            gap="0.6rem",
        ),
    )


@page(routes.SEGUIMIENTO, title="Seguimiento", visit="seguimiento", on_load=SeguimientoState.load)
def seguimiento() -> rx.Component:
    return shell(
        rx.cond(SeguimientoState.found, _result(), rx.fragment(_form(), _forgot())), title="Seguimiento de trámite"
    )
