"""The send-to-firma form's vistos buenos: every person who may be asked (name, post, unit —
access.reviewers, never the administrator), each with an order number (1.º gives it first);
the round then goes in that order (domain/signing/order.py)."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import INK, MUTED
from sgd_app.domain.signing.order import MAX_VISTOS
from sgd_app.state.expediente import ExpedienteState

_SELECT = {
    "min_height": "40px",
    "min_width": "8.5rem",
    "padding": "0 0.4rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
    "background": "white",
    "color": INK,
}


def _row(u) -> rx.Component:
    field_id = "orden-vb-" + u[0]
    return rx.flex(
        rx.el.label(u[1], html_for=field_id, style={"flex": "1", "min_width": "0", "font_size": "0.875rem"}),
        rx.el.select(
            rx.el.option("No participa", value=""),
            *[rx.el.option(f"{n}.º visto bueno", value=str(n)) for n in range(1, MAX_VISTOS + 1)],
            id=field_id,
            name="vb_" + u[0],
            style=_SELECT,
        ),
        gap="0.5rem",
        align="center",
        wrap="wrap",
        padding_y="0.3rem",
        border_bottom="1px solid #eceff2",
        class_name="revisor",
    )


def reviewers_fieldset() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend("Vistos buenos y su orden", style={"font_weight": "600", "margin": "0.3rem 0"}),
        rx.text(
            "Elija quiénes dan visto bueno y en qué orden: el 2.º no puede darlo antes que el 1.º; "
            "la firma va al final.",
            size="1",
            color=MUTED,
            id="orden-ayuda",
        ),
        rx.box(
            rx.foreach(ExpedienteState.staff_options, _row),
            style={
                "max_height": "260px",
                "overflow_y": "auto",
                "border": "1px solid #d8dde3",
                "border_radius": "8px",
                "padding": "0.25rem 0.6rem",
                "margin_top": "0.3rem",
            },
            id="revisores",
        ),
        style={"border": "none", "padding": "0", "margin": "0"},
    )
