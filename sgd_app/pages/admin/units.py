"""/admin, Unidades tab: the unit tree, and the form to create or edit a unit."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, INK, MUTED, card, primary_button, secondary_button
from sgd_app.domain.admin import KINDS
from sgd_app.pages.admin.forms import (
    INPUT,
    LABEL,
    ROW,
    SMALL_BUTTON,
    TWO_COLUMNS,
    badge,
    form_buttons,
    general_error,
    item_list,
    section_head,
    select_input,
    text_input,
)
from sgd_app.state.admin import AdminState


def _unit_form() -> rx.Component:
    kinds = [rx.el.option(label, value=key) for key, label in KINDS.items()]
    return card(
        rx.heading(AdminState.edit_title, as_="h3", size="4", margin_bottom="0.75rem"),
        general_error("unit_general"),
        rx.el.form(
            rx.box(
                rx.cond(
                    AdminState.edit_id == "",
                    text_input(
                        "Código",
                        field_id="uf-code",
                        name="code",
                        error_key="unit_code",
                        default=AdminState.f_code,
                        required=True,
                        help_text="De 2 a 20 caracteres: A-Z, 0-9 y guiones. Ejemplo: JEE-LC1.",
                        auto_complete="off",
                        max_length=20,
                        style={**INPUT, "text_transform": "uppercase"},
                    ),
                    rx.box(
                        rx.text("Código", style=LABEL),
                        rx.text(AdminState.f_code, size="4", weight="bold"),
                        rx.text("El código no cambia: identifica a la unidad en la auditoría.", size="2", color=MUTED),
                        margin_bottom="1rem",
                    ),
                ),
                text_input(
                    "Nombre",
                    field_id="uf-name",
                    name="name",
                    error_key="unit_name",
                    default=AdminState.f_name,
                    required=True,
                    max_length=200,
                    auto_complete="off",
                ),
                select_input(
                    "Tipo",
                    kinds,
                    field_id="uf-kind",
                    name="kind",
                    error_key="unit_kind",
                    default=AdminState.f_kind,
                    required=True,
                ),
                select_input(
                    "Unidad superior",
                    [
                        rx.el.option("Ninguna (unidad de primer nivel)", value=""),
                        rx.foreach(AdminState.parent_options, lambda o: rx.el.option(o["label"], value=o["id"])),
                    ],
                    field_id="uf-parent",
                    name="parent_id",
                    error_key="unit_parent_id",
                    default=AdminState.f_parent,
                ),
                text_input(
                    "Sede",
                    field_id="uf-place",
                    name="place",
                    error_key="unit_place",
                    default=AdminState.f_place,
                    max_length=80,
                    help_text="Ciudad donde funciona, por ejemplo Lima o Cusco.",
                ),
                rx.box(),
                text_input(
                    "Fecha de inicio",
                    field_id="uf-from",
                    name="valid_from",
                    error_key="unit_valid_from",
                    default=AdminState.f_from,
                    type_="date",
                    help_text="Obligatoria en unidades temporales.",
                ),
                text_input(
                    "Fecha de cierre",
                    field_id="uf-to",
                    name="valid_to",
                    error_key="unit_valid_to",
                    default=AdminState.f_to,
                    type_="date",
                    help_text="Obligatoria en unidades temporales (p. ej. un Jurado Electoral Especial).",
                ),
                style=TWO_COLUMNS,
            ),
            form_buttons("Guardar unidad"),
            on_submit=AdminState.save_unit,
            reset_on_submit=False,
            key=AdminState.form_key,
            no_validate=True,
        ),
        id="form-unidad",
        tab_index=-1,  # focused (scrolled into view) when the form opens: rx.set_focus, no eval
        style={"margin_bottom": "1rem", "border": f"2px solid {BRAND}"},
    )


def _unit_row(u: rx.Var) -> rx.Component:
    active = u["active"] == "1"
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.flex(
                    rx.text(u["name"], weight="bold", size="3", style={"overflow_wrap": "anywhere"}),
                    rx.text("(", u["code"], ")", size="2", color=MUTED),
                    gap="0.4rem",
                    align="baseline",
                    wrap="wrap",
                ),
                rx.flex(
                    badge(u["kind_label"], rx.cond(u["kind"] == "temporal", "amber", "gray")),
                    badge(u["status"], rx.cond(active, "grass", "red")),
                    rx.text(u["place"], size="2", color=INK),
                    rx.cond(u["dates"] != "", rx.text("Vigencia: ", u["dates"], size="2", color=INK)),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                    margin_top="0.3rem",
                ),
                rx.cond(
                    u["parent"] != "", rx.text("Depende de ", u["parent"], size="2", color=MUTED, margin_top="0.2rem")
                ),
                min_width="0",
                flex="1 1 16rem",
            ),
            rx.flex(
                secondary_button(
                    "Editar",
                    type="button",
                    on_click=AdminState.edit_unit(u["id"]),
                    style=SMALL_BUTTON,
                    aria_label="Editar " + u["name"],
                ),
                rx.cond(
                    active,
                    secondary_button(
                        "Cerrar",
                        type="button",
                        on_click=AdminState.close_unit(u["id"]),
                        style=SMALL_BUTTON,
                        aria_label="Cerrar " + u["name"],
                    ),
                    secondary_button(
                        "Reabrir",
                        type="button",
                        on_click=AdminState.reopen_unit(u["id"]),
                        style=SMALL_BUTTON,
                        aria_label="Reabrir " + u["name"],
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
                align="center",
            ),
            gap="0.75rem",
            justify="between",
            align="center",
            wrap="wrap",
        ),
        id="unidad-" + u["code"],
        style={
            **ROW,
            "margin_left": u["indent"],
            "border_left": rx.cond(u["depth"] == "0", f"4px solid {BRAND}", "4px solid #c5ccd3"),
            "background": rx.cond(active, "white", "#f1f2f4"),
        },
    )


def units_tab() -> rx.Component:
    return rx.box(
        section_head(
            "Unidades orgánicas",
            primary_button("Nueva unidad", type="button", on_click=AdminState.new_unit, id="nueva-unidad"),
        ),
        rx.text(
            "Direcciones, oficinas, oficinas desconcentradas y unidades temporales (por ejemplo, un Jurado "
            "Electoral Especial que se crea para una elección y se cierra después). Una unidad con "
            "expedientes abiertos no se puede cerrar.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        general_error("units_general"),
        rx.cond(AdminState.form == "unit", _unit_form()),
        item_list(rx.foreach(AdminState.units, _unit_row), aria_label="Árbol de unidades", id="arbol-unidades"),
    )
