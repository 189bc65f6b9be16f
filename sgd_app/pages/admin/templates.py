"""/admin, Plantillas tab: document templates per type and unit, with the placeholders explained."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.notice import notice
from sgd_app.components.ui import ERROR, INK, MUTED, card, error_text, primary_button, secondary_button
from sgd_app.domain.drafting import DOC_TYPES
from sgd_app.pages.admin.forms import (
    INPUT,
    LABEL,
    ROW,
    SMALL_BUTTON,
    TEXTAREA,
    TWO_COLUMNS,
    badge,
    item_list,
    section_head,
)
from sgd_app.state.admin import AdminState
from sgd_app.state.admin_templates import PLACEHOLDER_HELP, TemplatesState


def _field(label: str, control: rx.Component, field_id: str, key: str, help_text: str = "") -> rx.Component:
    return rx.box(
        rx.el.label(label, html_for=field_id, style=LABEL),
        control,
        rx.text(help_text, size="2", color=MUTED, margin_top="0.2rem") if help_text else rx.fragment(),
        error_text(TemplatesState.errors[key], field_id=field_id),
        width="100%",
        margin_bottom="1rem",
        min_width="0",
    )


def _aria(field_id: str, key: str) -> dict:
    return {
        "aria_invalid": rx.cond(TemplatesState.errors[key] != "", "true", "false"),
        "aria_describedby": f"{field_id}-error",
    }


def _placeholders() -> rx.Component:
    return rx.box(
        rx.text("Marcadores que puede usar (se reemplazan al empezar el borrador):", weight="bold", size="2"),
        rx.el.dl(
            rx.foreach(
                PLACEHOLDER_HELP,
                lambda p: rx.box(
                    rx.el.dt(rx.el.code(p[0]), style={"font_weight": "600"}),
                    rx.el.dd(p[1], style={"margin": "0 0 0.4rem 0", "color": INK}),
                ),
            ),
            style={"margin": "0.4rem 0 0 0", "font_size": "0.95rem"},
        ),
        rx.text(
            "El encabezado (A, DE, ASUNTO, REFERENCIA, FECHA) y el cierre «Atentamente,» con el nombre de quien "
            "firma los pone el documento: la plantilla es solo el cuerpo.",
            size="2",
            color=MUTED,
            margin_top="0.3rem",
        ),
        id="marcadores",
        style={"background": "#f6f7f9", "border_radius": "8px", "padding": "0.75rem", "margin_bottom": "1rem"},
    )


def _form() -> rx.Component:
    return card(
        rx.heading(rx.cond(TemplatesState.edit_id != "", "Editar plantilla", "Nueva plantilla"), as_="h3", size="4"),
        rx.el.form(
            rx.box(
                _field(
                    "Tipo de documento",
                    rx.el.select(
                        *[rx.el.option(v, value=k) for k, v in DOC_TYPES.items()],
                        id="pl-doc_type",
                        name="doc_type",
                        default_value=TemplatesState.f_doc_type,
                        style=INPUT,
                        **_aria("pl-doc_type", "doc_type"),
                    ),
                    "pl-doc_type",
                    "doc_type",
                ),
                _field(
                    "Unidad",
                    rx.el.select(
                        rx.el.option("Toda la institución", value=""),
                        rx.foreach(AdminState.unit_options, lambda o: rx.el.option(o["label"], value=o["id"])),
                        id="pl-unit_id",
                        name="unit_id",
                        default_value=TemplatesState.f_unit,
                        style=INPUT,
                        **_aria("pl-unit_id", "unit_id"),
                    ),
                    "pl-unit_id",
                    "unit_id",
                    "La plantilla de una unidad se usa en vez de la de toda la institución.",
                ),
                style=TWO_COLUMNS,
            ),
            _field(
                "Nombre",
                rx.el.input(
                    id="pl-name",
                    name="name",
                    default_value=TemplatesState.f_name,
                    max_length=120,
                    style=INPUT,
                    **_aria("pl-name", "name"),
                ),
                "pl-name",
                "name",
            ),
            _placeholders(),
            _field(
                "Texto de la plantilla",
                rx.el.textarea(
                    id="pl-body",
                    name="body",
                    default_value=TemplatesState.f_body,
                    rows=10,
                    style={**TEXTAREA, "min_height": "12rem"},
                    **_aria("pl-body", "body"),
                ),
                "pl-body",
                "body",
                "Separe los párrafos con una línea en blanco.",
            ),
            rx.cond(
                TemplatesState.errors["general"] != "",
                rx.text(TemplatesState.errors["general"], color=ERROR, role="alert", margin_bottom="0.75rem"),
            ),
            rx.flex(
                primary_button("Guardar plantilla", type="submit", id="guardar-plantilla"),
                secondary_button("Cancelar", type="button", on_click=TemplatesState.cancel),
                gap="0.75rem",
                wrap="wrap",
            ),
            on_submit=TemplatesState.save,
            reset_on_submit=False,
            key=TemplatesState.form_key.to(str),
            no_validate=True,
        ),
        style={"margin_bottom": "1rem"},
    )


def _row(t: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.flex(
                    rx.text(t["doc_type"], " — ", t["name"], weight="bold"),
                    badge(t["status"], rx.cond(t["active"] != "", "green", "gray")),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(t["scope"], size="2", color=INK),
                rx.text(t["preview"], size="2", color=MUTED),
                min_width="0",
                flex="1 1 16rem",
            ),
            rx.flex(
                secondary_button(
                    "Editar",
                    type="button",
                    on_click=TemplatesState.edit_template(t["id"]),
                    style=SMALL_BUTTON,
                    aria_label="Editar " + t["name"],
                ),
                rx.cond(
                    t["active"] != "",
                    secondary_button(
                        "Desactivar",
                        type="button",
                        on_click=TemplatesState.set_active(t["id"], False),
                        style=SMALL_BUTTON,
                        aria_label="Desactivar " + t["name"],
                    ),
                    secondary_button(
                        "Activar",
                        type="button",
                        on_click=TemplatesState.set_active(t["id"], True),
                        style=SMALL_BUTTON,
                        aria_label="Activar " + t["name"],
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
            ),
            justify="between",
            align="center",
            gap="0.5rem",
            wrap="wrap",
        ),
        style=ROW,
    )


def templates_tab() -> rx.Component:
    return rx.box(
        notice(TemplatesState),
        section_head(
            "Plantillas de documentos",
            rx.cond(
                ~TemplatesState.open,
                primary_button(
                    "Nueva plantilla", type="button", on_click=TemplatesState.new_template, id="nueva-plantilla"
                ),
            ),
        ),
        rx.text(
            "El texto con el que empieza un borrador, por tipo de documento y, si quiere, por unidad.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        rx.cond(TemplatesState.open, _form()),
        rx.cond(TemplatesState.rows.length() == 0, rx.text("No hay plantillas registradas.", color=MUTED)),
        item_list(rx.foreach(TemplatesState.rows, _row), aria_label="Plantillas", id="lista-plantillas"),
        on_mount=TemplatesState.load,
    )
