"""Shared UI pieces: the page shell, buttons with accessible contrast, labelled fields."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_components_core.core.banner import has_too_many_connection_errors

from sgd_app.components.site import MAIN_ID, site_footer, site_header, skip_link

BRAND = "#8a1538"  # institutional maroon; white text on it: contrast 9.6:1
BRAND_DARK = "#6b0f2b"
INK = "#1f2328"
MUTED = "#505a64"  # 7:1 on white
ERROR = "#b42318"  # 6.1:1 on white
OK = "#146c2e"
SURFACE = "#f6f7f9"


INPUT = {
    "width": "100%",
    "min_height": "48px",
    "font_size": "1.05rem",
    "padding": "0 0.75rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}
SMALL_INPUT = {**INPUT, "min_height": "44px", "font_size": "1rem"}
LIGHT_COLORS = {"red": "#b42318", "amber": "#b54708", "green": "#146c2e", "gray": "#667085"}


def primary_button(text: Any, **props) -> rx.Component:
    style = {
        "background_color": BRAND,
        "color": "white",
        "min_height": "48px",
        "font_size": "1.05rem",
        "padding_x": "1.25rem",
        "cursor": "pointer",
        "_hover": {"background_color": BRAND_DARK},
        "_disabled": {"background_color": "#9aa1a9", "color": "white", "cursor": "not-allowed"},
    }
    style.update(props.pop("style", {}))
    return rx.button(text, style=style, size="3", **props)


def secondary_button(text: Any, **props) -> rx.Component:
    style = {
        "background_color": "white",
        "color": BRAND,
        "border": f"2px solid {BRAND}",
        "min_height": "48px",
        "font_size": "1.05rem",
        "padding_x": "1.25rem",
        "cursor": "pointer",
        "box_shadow": "none",
    }
    style.update(props.pop("style", {}))
    return rx.button(text, style=style, size="3", variant="outline", **props)


def link_button(*children, href, primary: bool = True, download: bool = False, **props) -> rx.Component:
    """A link that looks like a button (a link inside a button would be nested interactive).
    ``download=True`` makes it a plain anchor fetched over HTTP (files from /api/v1/...)."""
    style = {
        "display": "flex",
        "align_items": "center",
        "justify_content": "center",
        "gap": "0.5rem",
        "min_height": "48px",
        "padding": "0 1.25rem",
        "border_radius": "10px",
        "font_size": "1.05rem",
        "font_weight": "500",
        "text_decoration": "none",
        "width": "100%",
        "background_color": BRAND if primary else "white",
        "color": "white" if primary else BRAND,
        "border": f"2px solid {BRAND}",
    }
    style.update(props.pop("style", {}))
    if download:
        return rx.el.a(*children, href=href, download="", reload_document=True, style=style, **props)
    return rx.link(*children, href=href, style=style, underline="none", **props)


def error_text(message: Any, *, field_id: str) -> rx.Component:
    """A Spanish message next to its field; announced to screen readers."""
    return rx.cond(
        message != "",
        rx.text(
            rx.icon("circle-alert", size=16, aria_hidden="true"),
            " ",
            message,
            id=f"{field_id}-error",
            color=ERROR,
            size="2",
            role="alert",
            style={"display": "flex", "gap": "0.35rem", "align_items": "center"},
        ),
    )


def labelled(
    label: str, control: rx.Component, *, field_id: str, error: Any = "", help_text: str = "", required: bool = False
) -> rx.Component:
    return rx.box(
        rx.el.label(
            label,
            rx.cond(required, rx.text.span(" *", color=ERROR, aria_hidden="true")),
            html_for=field_id,
            style={"font_weight": "600", "display": "block", "margin_bottom": "0.3rem", "color": INK},
        ),
        control,
        rx.cond(help_text != "", rx.text(help_text, size="2", color=MUTED, margin_top="0.2rem")),
        error_text(error, field_id=field_id),
        width="100%",
        margin_bottom="1rem",
    )


def text_field(
    label: str,
    *,
    field_id: str,
    value: Any,
    on_change: Any,
    error: Any = "",
    help_text: str = "",
    required: bool = False,
    **props,
) -> rx.Component:
    return labelled(
        label,
        rx.input(
            id=field_id,
            name=field_id,
            value=value,
            on_change=on_change,
            size="3",
            width="100%",
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=f"{field_id}-error",
            required=required,
            **props,
        ),
        field_id=field_id,
        error=error,
        help_text=help_text,
        required=required,
    )


def card(*children, **props) -> rx.Component:
    style = {
        "background": "white",
        "border": "1px solid #d8dde3",
        "border_radius": "12px",
        "padding": "1rem",
        "width": "100%",
    }
    style.update(props.pop("style", {}))
    return rx.box(*children, style=style, **props)


def info_row(label: str, value: Any, **props) -> rx.Component:
    return rx.box(
        rx.text(label, size="2", color=MUTED),
        rx.text(value, size="3", weight="medium", style={"overflow_wrap": "anywhere"}, **props),
        padding_y="0.4rem",
        border_bottom="1px solid #eceff2",
        width="100%",
    )


def shell(*children, title: str = "", wide: bool = False, staff: bool = False) -> rx.Component:
    """Skip link, header (menu on a phone), main column and footer shared by every page
    (sgd_app/components/site.py). The main column reflows down to 320 px: nothing is clipped.
    ``staff``: a staff page (the header leaves "Mi bandeja" and "Salir" to its staff bar)."""
    return rx.box(
        skip_link(),
        site_header(staff=staff),
        rx.el.main(
            rx.cond(title != "", rx.heading(title, as_="h1", size="7", margin_bottom="1rem", color=INK)),
            *children,
            id=MAIN_ID,
            tab_index=-1,
            style={
                "max_width": "1100px" if wide else "720px",
                "margin": "0 auto",
                "padding": "1.25rem 1rem 3rem",
                "width": "100%",
                "min_width": "0",
                "overflow_wrap": "anywhere",
                "_focus": {"outline": "none"},
            },
        ),
        site_footer(),
        style={"min_height": "100vh", "background": SURFACE, "color": INK},
    )


def light_badge(color, label) -> rx.Component:
    return rx.flex(
        rx.box(
            width="12px",
            height="12px",
            border_radius="50%",
            flex_shrink="0",
            background=rx.match(color, *[(k, v) for k, v in LIGHT_COLORS.items()], "#667085"),
            aria_hidden="true",
        ),
        rx.text(
            label,
            size="2",
            weight="medium",
            color=rx.match(color, *[(k, v) for k, v in LIGHT_COLORS.items()], "#667085"),
        ),
        gap="0.4rem",
        align="center",
    )


def connection_banner() -> rx.Component:
    """Replaces Reflex's English "Cannot connect to server" toast with a Spanish banner."""
    return rx.cond(
        has_too_many_connection_errors,
        rx.box(
            rx.text(
                "Sin conexión con el servidor. Reintentando… Lo que ya escribió no se pierde.",
                weight="medium",
                color="white",
                text_align="center",
            ),
            role="alert",
            style={
                "position": "fixed",
                "bottom": "0",
                "left": "0",
                "right": "0",
                "z_index": "1000",
                "background": "#7a2e0e",
                "padding": "0.75rem 1rem",
            },
        ),
    )
