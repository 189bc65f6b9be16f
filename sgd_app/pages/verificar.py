"""/verificar (public): check a signed document by its code or by uploading the PDF."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.notice import brief_rejections
from sgd_app.components.page import page
from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, card, info_row, secondary_button, shell
from sgd_app.domain import signing
from sgd_app.state.verificar import MAX_MB, VerificarState

VERDICT_COLORS = {
    "VÁLIDO": ("#146c2e", "#e8f5ec"),
    "NO VÁLIDO": ("#b42318", "#fdecea"),
    "INDETERMINADO": ("#8a4b00", "#fff4e0"),
}


WARNING_COLORS = VERDICT_COLORS["INDETERMINADO"]


def _badge(verdict) -> rx.Component:
    """A signature's verdict in the verdict colours (each >= 5.7:1; Radix's green badge is 4.28:1)."""
    fg = rx.match(verdict, *[(k, v[0]) for k, v in VERDICT_COLORS.items()], INK)
    bg = rx.match(verdict, *[(k, v[1]) for k, v in VERDICT_COLORS.items()], "white")
    return rx.text(
        verdict,
        as_="span",
        size="2",
        weight="bold",
        style={
            "color": fg,
            "background": bg,
            "border": "1px solid",
            "border_color": fg,
            "border_radius": "6px",
            "padding": "0.05rem 0.5rem",
        },
    )


def _warnings(warnings) -> rx.Component:
    """Warnings about the whole file (e.g. content added after the last signature), inside the
    verdict box so that a VÁLIDO never shows without them."""
    fg, bg = WARNING_COLORS
    return rx.cond(
        warnings.length() > 0,
        rx.box(
            rx.foreach(
                warnings,
                lambda w: rx.flex(
                    rx.icon("triangle-alert", size=18, color=fg, aria_hidden="true", flex_shrink="0"),
                    rx.text("Advertencia: ", w, size="3", weight="medium", color=INK),
                    gap="0.4rem",
                    align="start",
                ),
            ),
            id="advertencias",
            style={
                "border": f"2px solid {fg}",
                "background": bg,
                "border_radius": "8px",
                "padding": "0.6rem 0.75rem",
                "margin_top": "0.75rem",
            },
        ),
    )


def _verdict_box(verdict, reason, warnings) -> rx.Component:
    fg = rx.match(verdict, *[(k, v[0]) for k, v in VERDICT_COLORS.items()], "#1f2328")
    bg = rx.match(verdict, *[(k, v[1]) for k, v in VERDICT_COLORS.items()], "white")
    return rx.box(
        rx.text(verdict, size=rx.breakpoints(initial="6", sm="8"), weight="bold", color=fg, id="veredicto"),
        rx.text(reason, size="3", color=INK, id="motivo"),
        _warnings(warnings),
        role="status",
        style={
            "border": "3px solid",
            "border_color": fg,
            "background": bg,
            "border_radius": "12px",
            "padding": "1rem",
            "margin_bottom": "1rem",
        },
    )


def _result() -> rx.Component:
    return rx.box(
        _verdict_box(VerificarState.verdict, VerificarState.reason, VerificarState.warnings),
        rx.cond(
            VerificarState.has_known,
            card(
                rx.heading("Documento registrado en el sistema", as_="h2", size="4"),
                info_row("Tipo", VerificarState.known["kind"]),
                info_row("Documento", VerificarState.known["label"]),
                info_row("Expediente", VerificarState.known["case"]),
                info_row("Fecha", VerificarState.known["date"]),
                style={"margin_bottom": "1rem"},
            ),
        ),
        card(
            info_row("Archivo", VerificarState.filename),
            info_row("SHA-256", VerificarState.sha256),
            rx.heading("Firmas", as_="h2", size="4", margin_top="0.75rem"),
            rx.cond(
                VerificarState.signatures.length() == 0,
                rx.text("El archivo no contiene firmas digitales.", color=MUTED),
            ),
            rx.foreach(
                VerificarState.signatures,
                lambda s: rx.box(
                    rx.flex(
                        rx.text(s["signer"], weight="bold"),
                        _badge(s["verdict"]),
                        gap="0.5rem",
                        wrap="wrap",
                        align="center",
                    ),
                    rx.cond(s["reason"] != "", rx.text(s["reason"], size="2", color=INK)),
                    rx.text(
                        "Fecha: ",
                        s["time"],
                        " · Nivel: ",
                        s["level"],
                        " · Sello de tiempo: ",
                        s["timestamp"],
                        size="2",
                        color=MUTED,
                    ),
                    rx.cond(s["declared"] != "", rx.text("Motivo: ", s["declared"], size="2", color=MUTED)),
                    rx.text("Emisor: ", s["issuer"], size="1", color=MUTED, style={"overflow_wrap": "anywhere"}),
                    padding_y="0.5rem",
                    border_bottom="1px solid #eceff2",
                ),
            ),
        ),
        rx.box(
            secondary_button(
                "Verificar otro documento", on_click=VerificarState.reset_check, width="100%", type="button"
            ),
            margin_top="1rem",
        ),
    )


def _upload() -> rx.Component:
    return card(
        rx.text(
            f"Suba el PDF firmado para validar todas sus firmas digitales (un archivo PDF, máx. {MAX_MB} MB). "
            "El archivo no se guarda.",
            size="3",
            margin_bottom="0.75rem",
        ),
        rx.el.label(
            rx.upload(
                rx.flex(
                    rx.icon("shield-check", size=28, color=BRAND, aria_hidden="true"),
                    rx.text("Toque para elegir un PDF", weight="bold"),
                    direction="column",
                    align="center",
                    gap="0.3rem",
                ),
                id="verificar",
                accept={"application/pdf": [".pdf"]},
                multiple=False,
                max_files=1,
                max_size=signing.MAX_VERIFY_BYTES,
                on_drop_rejected=brief_rejections(VerificarState.upload_rejected),
                on_drop=VerificarState.check_upload(
                    rx.upload_files(upload_id="verificar", on_upload_progress=VerificarState.upload_progress)
                ),
                border=f"2px dashed {BRAND}",
                border_radius="12px",
                padding="1.25rem",
                background="white",
                cursor="pointer",
                min_height="96px",
            ),
            style={"display": "block"},
        ),
        rx.cond(
            VerificarState.checking,
            rx.box(
                rx.text("Validando…", role="status"),
                rx.progress(value=VerificarState.progress, max=100, color_scheme="ruby", aria_label="Avance"),
                margin_top="0.5rem",
            ),
        ),
        rx.cond(
            VerificarState.error != "",
            rx.flex(
                rx.icon("circle-alert", size=20, color=ERROR, aria_hidden="true", flex_shrink="0"),
                rx.text(VerificarState.error, color=ERROR, weight="medium"),
                role="alert",
                id="error-verificar",
                gap="0.4rem",
                align="start",
                margin_top="0.75rem",
                style={"border_left": f"4px solid {ERROR}", "padding": "0.4rem 0.6rem", "background": "white"},
            ),
        ),
    )


@page(routes.VERIFICAR, title="Verificar", visit="verificar", on_load=VerificarState.load)
def verificar() -> rx.Component:
    return shell(
        rx.text(
            "Compruebe que un cargo o un documento firmado digitalmente por la institución es auténtico y no "
            "fue modificado (Ley N° 27269).",
            color=MUTED,
            margin_bottom="1rem",
        ),
        rx.cond(
            VerificarState.verdict != "",
            _result(),
            rx.cond(
                VerificarState.checking & (VerificarState.code != ""),
                card(rx.text("Validando el documento…", role="status")),
                _upload(),
            ),
        ),
        title="Verificar documento",
    )
