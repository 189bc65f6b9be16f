"""/registrar — the desk's wizard: a clerk registers a filing that arrived on paper."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.staff_page import staff_bar
from sgd_app.components.ui import card, shell
from sgd_app.pages.mesa_de_partes import wizard
from sgd_app.state.mesa_de_partes import MesaDePartesState


def registrar() -> rx.Component:
    """/registrar — a clerk registers a filing that arrived on paper (channel "presencial")."""
    return shell(
        staff_bar(),
        rx.cond(
            MesaDePartesState.desk_mode,
            rx.box(
                rx.callout(
                    "Registro de un documento presentado en papel: suba el escaneo (PDF o imágenes). "
                    "El cargo se imprime desde la pantalla final; el texto se reconoce después.",
                    icon="info",
                    color_scheme="gray",
                    margin_bottom="1rem",
                ),
                wizard(),
            ),
            card(
                rx.text(
                    rx.cond(
                        MesaDePartesState.errors["general"] != "", MesaDePartesState.errors["general"], "Cargando…"
                    ),
                    id="sin-permiso",
                )
            ),
        ),
        title="Registrar documento (mesa de partes presencial)",
    )
