"""The case page's "Expediente electrónico" card: the series the case is classified in, whether
its file is open or closed and frozen, the sealed foliation index and the export package of a
closed case, a head's reopening (with the reason) and reclassification."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, MUTED, card, info_row, secondary_button
from sgd_app.pages.expediente.forms import AREA, FIELD, field_error, field_label, panel, submit_row
from sgd_app.pages.expediente.prints import _LINK
from sgd_app.state.expediente import ExpedienteState

F = ExpedienteState.file


def _download(icon: str, label: str, file: str, link_id: str) -> rx.Component:
    return rx.el.a(
        rx.icon(icon, size=18, aria_hidden="true"),
        label,
        href="/api/v1/expedientes/" + ExpedienteState.number + "/" + file,
        download="",
        reload_document=True,  # a plain anchor fetched over HTTP, not a route of the app
        id=link_id,
        style=_LINK,
    )


def _reopen_form() -> rx.Component:
    return panel(
        field_label("Motivo de la reapertura (queda en la hoja de ruta y la auditoría)", "campo-reabrir"),
        rx.el.textarea(id="campo-reabrir", name="reason", style=AREA, max_length=2000),
        field_error("reason"),
        submit_row("Reabrir expediente"),
        on_submit=ExpedienteState.reopen,
    )


def _series_form() -> rx.Component:
    return panel(
        field_label("Nueva serie documental", "campo-serie"),
        rx.el.select(
            rx.foreach(ExpedienteState.series_options, lambda o: rx.el.option(o[1], value=o[0])),
            id="campo-serie",
            name="series",
            default_value=F["series_id"],
            style=FIELD,
        ),
        field_error("series"),
        submit_row("Cambiar serie"),
        on_submit=ExpedienteState.change_series,
    )


def records_card() -> rx.Component:
    return card(
        rx.heading("Expediente electrónico", size="4", color=BRAND, as_="h2"),
        rx.box(
            info_row("Serie documental", F["series"]),
            rx.cond(F["retention"] != "", info_row("Retención", F["retention"])),
            info_row("Estado", F["state"]),
            id="expediente-electronico-datos",
        ),
        rx.cond(
            F["frozen"] != "",
            rx.flex(
                _download("file-check", "Índice de foliación", "indice.pdf", "descargar-indice"),
                _download("package", "Paquete de exportación", "paquete.zip", "descargar-paquete"),
                gap="0.5rem",
                wrap="wrap",
                margin_top="0.75rem",
            ),
            rx.text(
                "Al atender o archivar el expediente se congela y se genera su índice de foliación sellado.",
                size="2",
                color=MUTED,
                margin_top="0.5rem",
            ),
        ),
        rx.flex(
            rx.cond(
                F["can_reopen"] != "",
                secondary_button(
                    "Reabrir", id="abrir-reabrir", on_click=ExpedienteState.open_panel("reabrir"), min_height="44px"
                ),
            ),
            rx.cond(
                F["can_reclassify"] != "",
                secondary_button(
                    "Cambiar serie", id="abrir-serie", on_click=ExpedienteState.open_panel("serie"), min_height="44px"
                ),
            ),
            gap="0.5rem",
            wrap="wrap",
            margin_top="0.75rem",
        ),
        rx.cond(ExpedienteState.panel == "reabrir", _reopen_form()),
        rx.cond(ExpedienteState.panel == "serie", _series_form()),
        id="tarjeta-expediente-electronico",
    )
