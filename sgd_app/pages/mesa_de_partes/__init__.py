"""/mesa-de-partes — the citizen files a document online (the wizard, then the receipt)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import page
from sgd_app.components.ui import shell
from sgd_app.pages.mesa_de_partes.wizard import wizard
from sgd_app.state.mesa_de_partes import MesaDePartesState


@page(routes.MESA_DE_PARTES, title="Mesa de Partes Virtual", visit="mesa-de-partes", on_load=MesaDePartesState.load)
def mesa_de_partes() -> rx.Component:
    return shell(wizard(), title="Mesa de Partes Virtual")
