"""/firma — the signing queue: view each PDF, sign one or many with one confirmation."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.notice import brief_rejections, notice
from sgd_app.components.page import staff_page
from sgd_app.components.ui import BRAND, ERROR, MUTED, OK, card, primary_button, secondary_button
from sgd_app.state.firma import CERT_MAX_BYTES, FirmaState

_AREA = {
    "width": "100%",
    "min_height": "80px",
    "padding": "0.5rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
}


def _row(r: rx.Var) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.checkbox(
                checked=FirmaState.selected.contains(r["step"]),
                on_change=lambda v: FirmaState.toggle(r["step"], v),
                size="3",
                color_scheme="ruby",
                aria_label="Seleccionar " + r["title"].to(str),
            ),
            rx.box(
                rx.flex(
                    rx.text(r["title"], weight="bold"),
                    rx.badge(r["role"], color_scheme="ruby"),
                    gap="0.5rem",
                    wrap="wrap",
                    align="center",
                ),
                rx.text(r["subject"], size="2"),
                rx.text("Expediente ", r["case"], " · redactó ", r["author"], size="1", color=MUTED),
                flex="1",
                min_width="0",
            ),
            rx.flex(
                rx.button(
                    "Ver",
                    on_click=FirmaState.view(r["doc"]),
                    variant="soft",
                    size="2",
                    type="button",
                    style={"min_height": "40px"},
                ),
                rx.button(
                    "Devolver",
                    on_click=FirmaState.open_reject(r["step"]),
                    variant="ghost",
                    size="2",
                    type="button",
                    style={"min_height": "40px", "color": BRAND},
                ),
                gap="0.25rem",
                flex_shrink="0",
            ),
            gap="0.75rem",
            align="center",
        ),
        rx.cond(
            FirmaState.reject_id == r["step"],
            rx.form(
                rx.el.label(
                    "Qué debe corregirse",
                    html_for="comentario-" + r["step"].to(str),
                    style={"font_weight": "600", "display": "block", "margin_top": "0.5rem"},
                ),
                rx.el.textarea(id="comentario-" + r["step"].to(str), name="comment", style=_AREA),
                secondary_button("Devolver al autor", type="submit", margin_top="0.5rem", style={"min_height": "44px"}),
                on_submit=FirmaState.reject,
                reset_on_submit=True,
            ),
        ),
        padding_y="0.75rem",
        border_bottom="1px solid #eceff2",
    )


def _certificate() -> rx.Component:
    return card(
        rx.heading("Mi certificado digital", as_="h2", size="4"),
        rx.text(
            rx.cond(
                FirmaState.has_certificate,
                "Su certificado está cargado. Puede reemplazarlo.",
                "Cargue su certificado digital (.p12 o .pfx) para firmar. Se guarda cifrado tal como "
                "está; su contraseña se pide en cada firma y nunca se guarda.",
            ),
            size="2",
        ),
        rx.el.label(
            rx.upload(
                rx.text("Toque para elegir su archivo .p12 / .pfx", weight="medium"),
                id="certificado",
                accept={"application/x-pkcs12": [".p12", ".pfx"]},
                multiple=False,
                max_files=1,
                max_size=CERT_MAX_BYTES,
                on_drop=FirmaState.upload_certificate(rx.upload_files(upload_id="certificado")),
                on_drop_rejected=brief_rejections(FirmaState.certificate_rejected),
                border=f"2px dashed {BRAND}",
                border_radius="12px",
                padding="1rem",
                background="white",
                cursor="pointer",
                min_height="56px",
                text_align="center",
            ),
            style={"display": "block", "margin_top": "0.5rem"},
        ),
        rx.cond(
            FirmaState.cert_message != "",
            rx.text(FirmaState.cert_message, size="2", role="status", margin_top="0.4rem"),
        ),
        style={"margin_bottom": "1rem"},
    )


@staff_page(routes.FIRMA, title="Firma digital", on_load=FirmaState.load)
def firma() -> rx.Component:
    return rx.fragment(
        notice(FirmaState),
        rx.cond(FirmaState.needs_passphrase, _certificate()),
        rx.cond(
            FirmaState.rows.length() == 0,
            card(rx.text("No tiene documentos pendientes de firma.", color=MUTED, id="sin-pendientes")),
            card(
                rx.flex(
                    rx.text(FirmaState.rows.length(), " documento(s) esperan su firma o visto bueno", weight="medium"),
                    rx.button(
                        "Seleccionar todos",
                        on_click=FirmaState.select_all,
                        variant="ghost",
                        type="button",
                        style={"color": BRAND, "min_height": "40px"},
                    ),
                    justify="between",
                    align="center",
                    wrap="wrap",
                ),
                rx.box(rx.foreach(FirmaState.rows, _row), id="pendientes"),
                rx.cond(
                    FirmaState.error != "", rx.text(FirmaState.error, color=ERROR, role="alert", margin_top="0.5rem")
                ),
                rx.cond(
                    FirmaState.confirming,
                    rx.box(
                        rx.text(FirmaState.confirm_text, weight="medium", id="texto-confirmacion"),
                        rx.cond(
                            FirmaState.needs_passphrase,
                            rx.form(
                                rx.el.label(
                                    "Contraseña de su certificado digital",
                                    html_for="clave_certificado",
                                    style={"font_weight": "600", "display": "block", "margin_top": "0.5rem"},
                                ),
                                rx.el.input(
                                    id="clave_certificado",
                                    name="clave_certificado",
                                    type="password",
                                    auto_complete="off",
                                    required=True,
                                    style={
                                        "width": "100%",
                                        "min_height": "44px",
                                        "padding": "0 0.6rem",
                                        "border": "1px solid #b9c0c8",
                                        "border_radius": "8px",
                                    },
                                ),
                                rx.text("No se guarda: solo se usa para esta firma.", size="1", color=MUTED),
                                rx.flex(
                                    primary_button(
                                        "Confirmar y firmar",
                                        type="submit",
                                        id="confirmar-firma",
                                        style={"min_height": "44px"},
                                    ),
                                    secondary_button(
                                        "Cancelar",
                                        on_click=FirmaState.cancel,
                                        type="button",
                                        style={"min_height": "44px"},
                                    ),
                                    gap="0.75rem",
                                    margin_top="0.5rem",
                                ),
                                on_submit=FirmaState.sign_selected,
                                reset_on_submit=True,
                            ),
                            rx.flex(
                                primary_button(
                                    "Confirmar y firmar",
                                    on_click=FirmaState.sign_selected,
                                    type="button",
                                    id="confirmar-firma",
                                    style={"min_height": "44px"},
                                ),
                                secondary_button(
                                    "Cancelar", on_click=FirmaState.cancel, type="button", style={"min_height": "44px"}
                                ),
                                gap="0.75rem",
                                margin_top="0.5rem",
                            ),
                        ),
                        role="alertdialog",
                        aria_label="Confirmar firma",
                        style={
                            "border": f"2px solid {BRAND}",
                            "border_radius": "10px",
                            "padding": "0.75rem",
                            "margin_top": "0.75rem",
                            "background": "#fbf7f8",
                        },
                    ),
                    primary_button(
                        rx.text.span("Firmar seleccionados (", FirmaState.selected.length(), ")"),
                        on_click=FirmaState.ask_confirm,
                        type="button",
                        disabled=FirmaState.signing,
                        id="firmar-seleccionados",
                        margin_top="0.75rem",
                        style={"min_height": "48px"},
                    ),
                ),
            ),
        ),
        rx.cond(
            FirmaState.signing | (FirmaState.results.length() > 0),
            card(
                rx.text(rx.cond(FirmaState.signing, "Firmando…", "Resultado"), weight="bold", role="status"),
                rx.progress(value=FirmaState.progress, max=100, color_scheme="ruby", aria_label="Avance de la firma"),
                rx.foreach(
                    FirmaState.results,
                    lambda x: rx.flex(
                        rx.icon(
                            rx.cond(x["ok"] != "", "circle-check", "circle-x"),
                            size=18,
                            color=rx.cond(x["ok"] != "", OK, ERROR),
                            aria_hidden="true",
                        ),
                        rx.text(x["title"], ": ", x["message"], size="2"),
                        gap="0.4rem",
                        align="center",
                        padding_y="0.2rem",
                    ),
                ),
                id="resultado-firma",
                style={"margin_top": "1rem"},
            ),
        ),
        rx.cond(
            FirmaState.viewer_url != "",
            card(
                rx.el.iframe(
                    src=FirmaState.viewer_url,
                    title="Documento por firmar",
                    style={"width": "100%", "height": "75vh", "border": "none"},
                ),
                rx.el.a(
                    "Abrir el PDF en otra pestaña",
                    href=FirmaState.viewer_url,
                    target="_blank",
                    rel="noopener",
                    style={"color": BRAND},
                ),
                style={"margin_top": "1rem"},
            ),
        ),
    )
