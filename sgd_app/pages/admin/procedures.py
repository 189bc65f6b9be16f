"""/admin, Trámites tab: the procedure catalogue and its edit form."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, MUTED, card, primary_button, secondary_button
from sgd_app.domain.vocabulary import CATEGORY_LABELS
from sgd_app.pages.admin.forms import (
    INPUT,
    LABEL,
    ROW,
    SMALL_BUTTON,
    TWO_COLUMNS,
    badge,
    checkbox,
    form_buttons,
    general_error,
    item_list,
    section_head,
    select_input,
    text_input,
    textarea,
    unit_options,
)
from sgd_app.state.admin import AdminState


def _procedure_form() -> rx.Component:
    categories = [rx.el.option(label, value=key) for key, label in CATEGORY_LABELS.items()]
    return card(
        rx.heading(AdminState.edit_title, as_="h3", size="4", margin_bottom="0.75rem"),
        general_error("proc_general"),
        rx.el.form(
            rx.box(
                rx.cond(
                    AdminState.edit_id == "",
                    text_input(
                        "Código",
                        field_id="pf-code",
                        name="code",
                        error_key="proc_code",
                        default=AdminState.f_code,
                        required=True,
                        auto_complete="off",
                        max_length=20,
                        help_text="De 2 a 20 caracteres: A-Z, 0-9 y guiones.",
                        style={**INPUT, "text_transform": "uppercase"},
                    ),
                    rx.box(
                        rx.text("Código", style=LABEL),
                        rx.text(AdminState.f_code, size="4", weight="bold"),
                        margin_bottom="1rem",
                    ),
                ),
                text_input(
                    "Nombre del trámite",
                    field_id="pf-name",
                    name="name",
                    error_key="proc_name",
                    default=AdminState.f_name,
                    required=True,
                    max_length=300,
                ),
                select_input(
                    "Categoría",
                    categories,
                    field_id="pf-category",
                    name="category",
                    error_key="proc_category",
                    default=AdminState.f_category,
                    required=True,
                ),
                select_input(
                    "Unidad que lo atiende",
                    unit_options(),
                    field_id="pf-unit",
                    name="unit_id",
                    error_key="proc_unit_id",
                    default=AdminState.f_unit,
                    required=True,
                ),
                text_input(
                    "Plazo (días hábiles)",
                    field_id="pf-deadline",
                    name="deadline_days",
                    error_key="proc_deadline_days",
                    default=AdminState.f_deadline,
                    type_="number",
                    required=True,
                    min="1",
                    max="365",
                    input_mode="numeric",
                ),
                rx.flex(
                    checkbox(
                        "Se ofrece en la Mesa de Partes Virtual (público)",
                        field_id="pf-public",
                        name="public",
                        default=AdminState.f_public,
                    ),
                    checkbox("Trámite activo", field_id="pf-active", name="active", default=AdminState.f_active),
                    checkbox(
                        "Revisión en mesa de partes (lo presentado en línea pasa primero por mesa de partes)",
                        field_id="pf-desk-review",
                        name="desk_review",
                        default=AdminState.f_desk_review,
                    ),
                    direction="column",
                    justify="center",
                    margin_bottom="1rem",
                ),
                style=TWO_COLUMNS,
            ),
            textarea(
                "Descripción para el ciudadano",
                field_id="pf-description",
                name="description",
                error_key="proc_description",
                default=AdminState.f_description,
                rows=3,
            ),
            textarea(
                "Datos que pide el formulario",
                field_id="pf-fields",
                name="fields",
                error_key="proc_fields",
                default=AdminState.f_fields,
                rows=4,
                help_text="Un dato por línea: nombre | Etiqueta | obligatorio u opcional | ayuda (opcional). "
                "Ejemplo: numero_resolucion | Número de la resolución | obligatorio",
            ),
            textarea(
                "Anexos obligatorios",
                field_id="pf-annexes",
                name="required_annexes",
                error_key="proc_required_annexes",
                default=AdminState.f_annexes,
                rows=3,
                help_text="Un anexo por línea, por ejemplo: Vigencia de poder del representante legal",
            ),
            form_buttons("Guardar trámite"),
            on_submit=AdminState.save_procedure,
            reset_on_submit=False,
            key=AdminState.form_key,
            no_validate=True,
        ),
        id="form-tramite",
        tab_index=-1,  # focused (scrolled into view) when the form opens: rx.set_focus, no eval
        style={"margin_bottom": "1rem", "border": f"2px solid {BRAND}"},
    )


def _procedure_row(p: rx.Var) -> rx.Component:
    active = p["active"] == "1"
    return rx.el.li(
        rx.box(
            rx.box(
                rx.text(p["name"], weight="bold", style={"overflow_wrap": "anywhere"}),
                rx.flex(
                    rx.text(p["code"], size="2", weight="medium"),
                    badge(p["category"], "gray"),
                    badge(p["status"], rx.cond(active, "grass", "red")),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                    margin_top="0.2rem",
                ),
                min_width="0",
            ),
            rx.box(
                rx.text(p["unit"], size="2", style={"overflow_wrap": "anywhere"}),
                rx.text(p["deadline"], " · Público: ", p["public"], size="2"),
                rx.text("Revisión en mesa de partes: ", p["desk_review"], size="2", class_name="revision-mesa"),
                rx.text(p["detail"], size="2", color=MUTED),
                min_width="0",
            ),
            secondary_button(
                "Editar",
                type="button",
                on_click=AdminState.edit_procedure(p["id"]),
                style=SMALL_BUTTON,
                aria_label="Editar " + p["name"],
            ),
            style={
                "display": "grid",
                "gap": "0.6rem",
                "align_items": "center",
                "grid_template_columns": ["1fr", "1fr", "minmax(0,3fr) minmax(0,2fr) auto"],
            },
        ),
        style=ROW,
    )


def procedures_tab() -> rx.Component:
    return rx.box(
        section_head(
            "Catálogo de trámites",
            primary_button("Nuevo trámite", type="button", on_click=AdminState.new_procedure, id="nuevo-tramite"),
        ),
        rx.text(
            "Unidad de destino, plazo en días hábiles, datos y anexos que se piden, y si el trámite se ofrece "
            "en la Mesa de Partes Virtual. Los expedientes ya presentados conservan su plazo.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        rx.cond(AdminState.form == "proc", _procedure_form()),
        item_list(rx.foreach(AdminState.procedures, _procedure_row), aria_label="Trámites"),
    )
