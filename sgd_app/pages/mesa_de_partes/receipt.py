"""The last screen of the filing wizard (/mesa-de-partes and /registrar): the receipt (cargo)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.ui import BRAND, INK, MUTED, OK, card, info_row, link_button, secondary_button
from sgd_app.state.mesa_de_partes import STEP_ANCHOR, MesaDePartesState


def receipt_screen() -> rx.Component:
    """The last screen: the number, the access key (shown once) and the receipt to download."""
    return rx.box(
        rx.flex(
            rx.icon("circle-check", size=36, color=OK, aria_hidden="true"),
            rx.heading("Su documento fue recibido", as_="h2", size="6", color=OK),
            gap="0.6rem",
            align="center",
            margin_bottom="0.75rem",
            role="status",
            id=STEP_ANCHOR,
            tab_index=-1,
            outline="none",
        ),
        card(
            rx.text("Número de expediente", size="2", color=MUTED),
            rx.text(
                MesaDePartesState.r_number,
                id="numero-expediente",
                size=rx.breakpoints(initial="7", sm="8"),
                weight="bold",
                color=INK,
                style={"letter_spacing": "0.02em", "overflow_wrap": "anywhere"},
            ),
            rx.box(
                rx.text("Clave de acceso", size="2", color=MUTED, margin_top="0.75rem"),
                rx.flex(
                    rx.code(
                        MesaDePartesState.r_key,
                        id="clave-acceso",
                        size="6",
                        variant="ghost",
                        style={"color": INK, "font_weight": "700"},
                    ),
                    rx.button(
                        rx.icon("copy", size=18, aria_hidden="true"),
                        "Copiar clave",
                        on_click=[rx.set_clipboard(MesaDePartesState.r_key), rx.toast.success("Clave copiada")],
                        variant="outline",
                        size="3",
                        type="button",
                        style={"color": BRAND, "border_color": BRAND, "min_height": "44px"},
                    ),
                    gap="0.75rem",
                    align="center",
                    wrap="wrap",
                ),
                rx.callout(
                    "Guarde su número y su clave: con ellos consulta su trámite. La clave no se volverá a mostrar.",
                    icon="triangle-alert",
                    color_scheme="amber",
                    size="1",
                    margin_top="0.5rem",
                ),
            ),
            style={"margin_bottom": "0.75rem", "border": f"2px solid {OK}"},
        ),
        card(
            rx.heading("Cargo de recepción", as_="h2", size="4", margin_bottom="0.25rem"),
            info_row("Fecha y hora de recepción", MesaDePartesState.r_received),
            info_row("Fecha legal de presentación", MesaDePartesState.r_filed),
            rx.cond(
                MesaDePartesState.r_filed_note != "",
                rx.text(MesaDePartesState.r_filed_note, size="2", color=INK, padding_y="0.3rem"),
            ),
            info_row("Lugar", MesaDePartesState.r_place),
            info_row("Trámite", MesaDePartesState.r_procedure),
            info_row("Unidad que lo atiende", MesaDePartesState.r_unit),
            info_row("Plazo de atención hasta", MesaDePartesState.r_due),
            info_row("Remitente", MesaDePartesState.r_filer),
            info_row("Folios", MesaDePartesState.r_folios),
            rx.heading("Archivos recibidos", as_="h3", size="3", margin_top="0.75rem"),
            rx.foreach(
                MesaDePartesState.r_files,
                lambda f: rx.box(
                    rx.text(f["label"], ": ", f["filename"], weight="medium", style={"overflow_wrap": "anywhere"}),
                    rx.text(f["pages"], " página(s) · ", f["size"], size="2", color=MUTED),
                    rx.text(
                        "SHA-256: ",
                        rx.code(f["sha256"], size="1", variant="ghost", style={"color": INK}),
                        size="1",
                        style={"overflow_wrap": "anywhere", "word_break": "break-all"},
                    ),
                    padding_y="0.4rem",
                    border_bottom="1px solid #eceff2",
                ),
            ),
            style={"margin_bottom": "0.75rem"},
        ),
        rx.flex(
            link_button(
                rx.icon("download", size=18, aria_hidden="true"),
                "Descargar cargo (PDF)",
                href=MesaDePartesState.r_download,
                id="descargar-cargo",
                download=True,
            ),
            link_button(
                "Ver seguimiento", href=routes.SEGUIMIENTO + "?numero=" + MesaDePartesState.r_number, primary=False
            ),
            secondary_button(
                rx.cond(MesaDePartesState.desk_mode, "Registrar otro documento", "Presentar otro documento"),
                on_click=MesaDePartesState.restart,
                width="100%",
                type="button",
            ),
            direction="column",
            gap="0.6rem",
        ),
    )
