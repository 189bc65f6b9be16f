"""The desk's "Imprimir cargo" on the receipt screen of /registrar: a real form post (the key
never goes into a URL) that opens the cargo with the access key in a new tab, for the printer."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import MUTED, primary_button
from sgd_app.state.mesa_de_partes import MesaDePartesState


def print_cargo_form() -> rx.Component:
    """Shown at the desk only, while the key of the filing just registered is on screen."""
    return rx.cond(
        MesaDePartesState.desk_mode & (MesaDePartesState.r_key != ""),
        rx.box(
            rx.el.form(
                rx.el.input(type="hidden", name="clave", value=MesaDePartesState.r_key),
                primary_button(
                    rx.fragment(rx.icon("printer", size=18, aria_hidden="true"), "Imprimir cargo"),
                    type="submit",
                    width="100%",
                    id="imprimir-cargo",
                ),
                action="/api/v1/cargo/" + MesaDePartesState.r_number + "/copia.pdf",
                method="post",
                target="_blank",
                on_submit=None,
            ),
            rx.text(
                "Copia para entregar al administrado, con su clave de acceso (se abre en otra pestaña para imprimirla).",
                size="2",
                color=MUTED,
                margin_top="0.3rem",
            ),
            margin_bottom="0.75rem",
        ),
    )
