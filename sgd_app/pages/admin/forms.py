"""The pieces the /admin tabs share: labelled inputs with their error next to them, selects,
checkboxes, form buttons, section heads and list rows."""

from __future__ import annotations

from typing import Any

import reflex as rx

from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, error_text, primary_button, secondary_button
from sgd_app.domain.vocabulary import ROLE_LABELS
from sgd_app.state.admin import AdminState

INPUT = {
    "width": "100%",
    "min_height": "48px",
    "font_size": "1rem",
    "padding": "0 0.75rem",
    "border": "1px solid #7b8590",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}
TEXTAREA = {
    **INPUT,
    "padding": "0.6rem 0.75rem",
    "min_height": "7rem",
    "font_family": "inherit",
    "line_height": "1.45",
}
LABEL = {"font_weight": "600", "display": "block", "margin_bottom": "0.3rem", "color": INK}
SMALL_BUTTON = {"min_height": "44px", "font_size": "0.95rem", "padding_x": "0.9rem"}
TWO_COLUMNS = {
    "display": "grid",
    "grid_template_columns": ["minmax(0,1fr)", "minmax(0,1fr)", "repeat(2, minmax(0,1fr))"],
    "column_gap": "1rem",
}


# ---------------------------------------------------------------- form pieces
def field(
    label: str, control: rx.Component, *, field_id: str, error_key: str, help_text: str = "", required: bool = False
) -> rx.Component:
    err = AdminState.errors[error_key]
    return rx.box(
        rx.el.label(
            label,
            rx.cond(required, rx.text.span(" *", color=ERROR, aria_hidden="true")),
            html_for=field_id,
            style=LABEL,
        ),
        control,
        rx.text(help_text, size="2", color=MUTED, margin_top="0.2rem") if help_text else rx.fragment(),
        error_text(err, field_id=field_id),
        width="100%",
        margin_bottom="1rem",
        min_width="0",
    )


def aria(field_id: str, error_key: str) -> dict[str, Any]:
    return {
        "aria_invalid": rx.cond(AdminState.errors[error_key] != "", "true", "false"),
        "aria_describedby": f"{field_id}-error",
    }


def text_input(
    label: str,
    *,
    field_id: str,
    name: str,
    error_key: str,
    default: Any = "",
    type_: str = "text",
    help_text: str = "",
    required: bool = False,
    **props,
) -> rx.Component:
    style = {**INPUT, **props.pop("style", {})}
    return field(
        label,
        rx.el.input(
            id=field_id,
            name=name,
            type=type_,
            default_value=default,
            style=style,
            required=required,
            **aria(field_id, error_key),
            **props,
        ),
        field_id=field_id,
        error_key=error_key,
        help_text=help_text,
        required=required,
    )


def textarea(
    label: str, *, field_id: str, name: str, error_key: str, default: Any = "", help_text: str = "", rows: int = 4
) -> rx.Component:
    return field(
        label,
        rx.el.textarea(
            id=field_id, name=name, default_value=default, rows=rows, style=TEXTAREA, **aria(field_id, error_key)
        ),
        field_id=field_id,
        error_key=error_key,
        help_text=help_text,
    )


def select_input(
    label: str,
    options: list[rx.Component] | rx.Component,
    *,
    field_id: str,
    name: str,
    error_key: str,
    default: Any = "",
    help_text: str = "",
    required: bool = False,
) -> rx.Component:
    children = options if isinstance(options, list) else [options]
    return field(
        label,
        rx.el.select(
            *children,
            id=field_id,
            name=name,
            default_value=default,
            style=INPUT,
            required=required,
            **aria(field_id, error_key),
        ),
        field_id=field_id,
        error_key=error_key,
        help_text=help_text,
        required=required,
    )


def checkbox(label: str, *, field_id: str, name: str, default: Any) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            id=field_id,
            name=name,
            default_checked=default,
            style={"width": "22px", "height": "22px", "accent_color": BRAND, "flex_shrink": "0"},
        ),
        label,
        html_for=field_id,
        style={
            "display": "flex",
            "align_items": "center",
            "gap": "0.6rem",
            "min_height": "44px",
            "font_weight": "600",
            "cursor": "pointer",
        },
    )


def unit_options(include_none: str = "") -> list[rx.Component]:
    first = [rx.el.option(include_none, value="")] if include_none else []
    return [*first, rx.foreach(AdminState.unit_options, lambda o: rx.el.option(o["label"], value=o["id"]))]


def role_options() -> list[rx.Component]:
    return [rx.el.option(label, value=key) for key, label in ROLE_LABELS.items()]


def form_buttons(save: str) -> rx.Component:
    return rx.flex(
        primary_button(save, type="submit"),
        secondary_button("Cancelar", type="button", on_click=AdminState.cancel_form),
        gap="0.75rem",
        wrap="wrap",
        margin_top="0.25rem",
    )


def general_error(key: str) -> rx.Component:
    return rx.cond(
        AdminState.errors[key] != "",
        rx.box(
            rx.text(AdminState.errors[key], color=ERROR, weight="medium"),
            role="alert",
            style={
                "border": f"1px solid {ERROR}",
                "border_radius": "8px",
                "padding": "0.6rem 0.8rem",
                "background": "#fff5f4",
                "margin_bottom": "1rem",
            },
        ),
    )


def section_head(title: str, *actions: rx.Component) -> rx.Component:
    return rx.flex(
        rx.heading(title, as_="h2", size="5", color=INK),
        *actions,
        justify="between",
        align="center",
        gap="0.75rem",
        wrap="wrap",
        margin_bottom="0.75rem",
    )


def badge(text: Any, scheme: Any, **props) -> rx.Component:
    return rx.badge(text, color_scheme=scheme, variant="soft", size="2", high_contrast=True, **props)


def item_list(*children, style: dict | None = None, **props) -> rx.Component:
    base = {
        "list_style": "none",
        "margin": "0",
        "padding": "0",
        "display": "flex",
        "flex_direction": "column",
        "gap": "0.5rem",
    }
    return rx.el.ul(*children, role="list", style={**base, **(style or {})}, **props)


ROW = {
    "background": "white",
    "border": "1px solid #d8dde3",
    "border_radius": "10px",
    "padding": "0.75rem",
    "min_width": "0",
}
