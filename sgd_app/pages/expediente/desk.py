"""The desk's "Corregir procedimiento" panel of the case page, and the copy recipients' "Marcar
como leída" (case page and /bandeja, tab Copias). Bound to state/desk.py's DeskState."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import ERROR, INK, MUTED, OK, primary_button, secondary_button
from sgd_app.pages.expediente.forms import FIELD, field_label, panel
from sgd_app.state.desk import DeskState
from sgd_app.state.expediente import ExpedienteState


def reclassify_form() -> rx.Component:
    """Choose the right procedure from the catalogue, then confirm in plain Spanish."""
    return rx.cond(
        DeskState.confirm_text != "",
        rx.box(
            rx.callout(DeskState.confirm_text, icon="info", color_scheme="amber", id="confirmar-procedimiento"),
            rx.flex(
                primary_button(
                    "Sí, corregir el procedimiento",
                    on_click=DeskState.confirm_reclassify,
                    type="button",
                    id="confirmar-correccion",
                    style={"min_height": "44px"},
                ),
                secondary_button(
                    "Volver", on_click=DeskState.cancel_reclassify, type="button", style={"min_height": "44px"}
                ),
                gap="0.75rem",
                margin_top="0.75rem",
                wrap="wrap",
            ),
            style={"margin_top": "0.75rem", "padding_top": "0.75rem", "border_top": "1px solid #eceff2"},
        ),
        panel(
            field_label("Procedimiento correcto", "campo-procedure_id"),
            rx.el.select(
                rx.el.option("Elija…", value=""),
                rx.foreach(DeskState.procedure_options, lambda o: rx.el.option(o[1], value=o[0])),
                id="campo-procedure_id",
                name="procedure_id",
                default_value=DeskState.current_procedure,
                style=FIELD,
            ),
            rx.cond(
                DeskState.error != "",
                rx.text(DeskState.error, color=ERROR, size="2", role="alert", id="procedure_id-error"),
            ),
            rx.text(
                "Use esta opción cuando el ciudadano eligió un procedimiento que no corresponde: el expediente "
                "toma el plazo y la unidad de destino del procedimiento correcto.",
                size="1",
                color=MUTED,
            ),
            rx.flex(
                primary_button("Corregir", type="submit", id="confirmar", style={"min_height": "44px"}),
                secondary_button(
                    "Cancelar", type="button", on_click=ExpedienteState.open_panel(""), style={"min_height": "44px"}
                ),
                gap="0.75rem",
                margin_top="0.75rem",
            ),
            on_submit=DeskState.ask_reclassify,
        ),
    )


def copy_read_box() -> rx.Component:
    """On the case page of a copy to the user's unit: mark it read (once)."""
    return rx.cond(
        DeskState.unread_copies > 0,
        rx.flex(
            rx.text("Su unidad recibió este expediente en copia, para conocimiento.", size="2", color=INK),
            secondary_button(
                "Marcar copia como leída",
                on_click=DeskState.mark_copy_read,
                type="button",
                id="marcar-copia-leida",
                style={"min_height": "44px"},
            ),
            rx.cond(DeskState.copy_error != "", rx.text(DeskState.copy_error, color=ERROR, size="2", role="alert")),
            gap="0.75rem",
            align="center",
            wrap="wrap",
            margin_bottom="0.75rem",
            id="copia-sin-leer",
        ),
    )


def copy_read_control(r: rx.Var) -> rx.Component:
    """A row of /bandeja's Copias tab: "Leída el …" or a button to mark it read."""
    return rx.cond(
        r["read"] != "",
        rx.text("Leída el ", r["read"], size="1", color=OK, padding="0 1rem 0.6rem", class_name="copia-leida"),
        rx.box(
            secondary_button(
                "Marcar como leída",
                on_click=DeskState.mark_copy_read_in_inbox(r["number"].to(str)),
                type="button",
                aria_label="Marcar como leída la copia del expediente " + r["number"].to(str),
                class_name="marcar-leida",
                style={"min_height": "44px"},
            ),
            padding="0 1rem 0.6rem",
        ),
    )
