"""/registrar — the desk's wizard: a clerk registers a filing that arrived on paper."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import staff_page
from sgd_app.components.ui import card
from sgd_app.domain.vocabulary import Role
from sgd_app.pages.mesa_de_partes.wizard import wizard
from sgd_app.state.mesa_de_partes import MesaDePartesState

DESK_ONLY = "Solo el personal de mesa de partes registra documentos presentados en papel."


@staff_page(
    routes.REGISTRAR,
    title="Registrar documento",
    heading="Registrar documento (mesa de partes presencial)",
    wide=False,
    role=Role.CLERK,
    refusal=DESK_ONLY,
    on_load=MesaDePartesState.load_desk,
)
def registrar() -> rx.Component:
    """A clerk registers a filing that arrived on paper (channel "presencial")."""
    return rx.cond(
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
        card(rx.text("Cargando…", role="status")),
    )
