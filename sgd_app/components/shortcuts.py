"""Keyboard shortcuts of the inbox and the case page (issue 14, item 12): the list that "?" opens
(a native <dialog>, static), the button that opens it, and the script (assets/atajos.js) that
moves the focus and clicks the page's real links and buttons."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, INK, MUTED

INBOX = [
    ("j", "Bajar al expediente siguiente"),
    ("k", "Subir al expediente anterior"),
    ("Enter / o", "Abrir el expediente resaltado"),
    ("x", "Seleccionar o quitar el expediente resaltado"),
    ("r", "Recibir los seleccionados (o el expediente resaltado), en «Por recibir»"),
    ("?", "Mostrar esta lista"),
]
CASE = [
    ("r", "Recibir el expediente"),
    ("d", "Derivar"),
    ("n", "Agregar una nota"),
    ("a", "Atender"),
    ("b", "Volver a la bandeja"),
    ("?", "Mostrar esta lista"),
]
KEY_STYLE = {
    "display": "inline-block",
    "min_width": "2rem",
    "padding": "0.1rem 0.45rem",
    "border": "1px solid #b8bfc7",
    "border_bottom_width": "3px",
    "border_radius": "6px",
    "background": "#f6f7f9",
    "font_family": "monospace",
    "font_size": "0.95rem",
    "text_align": "center",
    "color": INK,
}


def _row(keys: str, what: str) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            *[rx.el.kbd(k.strip(), style=KEY_STYLE, margin_right="0.25rem") for k in keys.split("/")],
            style={"padding": "0.35rem 0.75rem 0.35rem 0", "white_space": "nowrap", "vertical_align": "top"},
        ),
        rx.el.td(what, style={"padding": "0.35rem 0", "color": INK}),
    )


def shortcuts(kind: str) -> rx.Component:
    """The "Atajos de teclado" button, the dialog listing the shortcuts of ``kind`` ("bandeja" or
    "expediente") and the script. Hidden on touch screens' widths (no keyboard there)."""
    items = INBOX if kind == "bandeja" else CASE
    return rx.fragment(
        rx.el.button(
            "Atajos de teclado (?)",
            type="button",
            custom_attrs={"data-atajos": "abrir"},
            id="abrir-atajos",
            display=rx.breakpoints(initial="none", md="inline-flex"),
            style={
                "min_height": "36px",
                "padding": "0 0.75rem",
                "border": "1px solid #c6ccd3",
                "border_radius": "8px",
                "background": "white",
                "color": BRAND,
                "cursor": "pointer",
                "font_size": "0.9rem",
                "margin_top": "1rem",
            },
        ),
        rx.el.dialog(
            rx.heading("Atajos de teclado", as_="h2", size="5", id="atajos-titulo", margin_bottom="0.5rem"),
            rx.text(
                "No funcionan mientras escribe en un campo. Cada atajo pulsa el botón o enlace de la página.",
                size="2",
                color=MUTED,
                margin_bottom="0.75rem",
            ),
            rx.el.table(
                rx.el.tbody(*[_row(k, w) for k, w in items]),
                style={"border_collapse": "collapse", "width": "100%"},
            ),
            rx.el.button(
                "Cerrar",
                type="button",
                custom_attrs={"data-atajos": "cerrar"},
                style={
                    "margin_top": "1rem",
                    "min_height": "44px",
                    "padding": "0 1.25rem",
                    "border": f"2px solid {BRAND}",
                    "border_radius": "8px",
                    "background": "white",
                    "color": BRAND,
                    "font_weight": "600",
                    "cursor": "pointer",
                },
            ),
            id="atajos-teclado",
            aria_labelledby="atajos-titulo",
            style={
                "border": "none",
                "margin": "auto",  # centred (the CSS reset takes the browser's default away)
                "inset": "0",
                "height": "fit-content",
                "border_radius": "12px",
                "padding": "1.25rem 1.5rem",
                "max_width": "min(34rem, calc(100vw - 2rem))",
                "box_shadow": "0 12px 40px rgba(31, 35, 40, 0.25)",
            },
        ),
        rx.script(src="/atajos.js"),
    )
