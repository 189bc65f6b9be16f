"""The bell in the staff bar: how many things need me, and the list, each linking to its case."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import BRAND, ERROR, INK, MUTED
from sgd_app.state.bell import BellState


def _item(i: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.a(
            rx.text(i["label"], size="1", weight="bold", color=BRAND),
            rx.text(i["text"], size="2", color=INK),
            href=i["href"],
            style={
                "display": "block",
                "padding": "0.5rem 0.25rem",
                "text_decoration": "none",
                "min_height": "44px",
                "_hover": {"background": "#f6f7f9"},
            },
        ),
        style={"border_bottom": "1px solid #eceff2"},
    )


def bell() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.el.button(
                rx.icon("bell", size=20, aria_hidden="true"),
                rx.cond(
                    BellState.count > 0,
                    rx.el.span(
                        BellState.count,
                        id="campana-cuenta",
                        style={
                            "background": ERROR,
                            "color": "white",
                            "border_radius": "999px",
                            "padding": "0 0.45rem",
                            "font_size": "0.8rem",
                            "font_weight": "700",
                            "line_height": "1.4",
                        },
                    ),
                ),
                type="button",
                id="campana",
                on_mount=BellState.refresh,
                aria_label=rx.cond(
                    BellState.count > 0, "Avisos: " + BellState.count.to(str) + " pendientes", "Avisos: ninguno"
                ),
                style={
                    "display": "inline-flex",
                    "align_items": "center",
                    "gap": "0.3rem",
                    "min_height": "44px",
                    "min_width": "44px",
                    "justify_content": "center",
                    "border": "1px solid #b9c0c8",
                    "border_radius": "8px",
                    "background": "white",
                    "color": BRAND,
                    "cursor": "pointer",
                    "padding": "0 0.5rem",
                },
            ),
        ),
        rx.popover.content(
            rx.heading("Avisos", as_="h2", size="3", margin_bottom="0.25rem"),
            rx.cond(
                BellState.items.length() == 0,
                rx.text("Nada pendiente por ahora.", size="2", color=MUTED),
                rx.el.ul(
                    rx.foreach(BellState.items, _item),
                    id="campana-lista",
                    style={"list_style": "none", "margin": "0", "padding": "0"},
                ),
            ),
            style={"width": "min(92vw, 380px)", "max_height": "70vh", "overflow_y": "auto"},
        ),
        on_open_change=lambda _open: BellState.refresh(),
    )
