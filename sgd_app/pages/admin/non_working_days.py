"""/admin, Días no laborables tab: the institution's non-working days."""

from __future__ import annotations

import reflex as rx

from sgd_app.components.ui import INK, MUTED, card, primary_button, secondary_button
from sgd_app.pages.admin.forms import ROW, SMALL_BUTTON, TWO_COLUMNS, general_error, item_list, section_head, text_input
from sgd_app.state.admin import AdminState


def _remove_with_confirmation(d: rx.Var) -> rx.Component:
    """Quitar asks first: deadlines computed from now on will count that day as working."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            secondary_button("Quitar", type="button", style=SMALL_BUTTON, aria_label="Quitar " + d["label"]),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("¿Quitar el día no laborable " + d["label"] + "?"),
            rx.alert_dialog.description(
                "Los plazos en días hábiles que se calculen desde ahora contarán ese día como laborable.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(secondary_button("Cancelar", type="button", style=SMALL_BUTTON)),
                rx.alert_dialog.action(
                    primary_button(
                        "Sí, quitar",
                        type="button",
                        on_click=AdminState.remove_day(d["day"]),
                        style=SMALL_BUTTON,
                    ),
                ),
                gap="0.75rem",
                justify="end",
                margin_top="1rem",
                wrap="wrap",
            ),
            style={"max_width": "min(92vw, 440px)"},
        ),
    )


def _day_row(d: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.box(
                rx.text(d["label"], weight="bold"),
                rx.text(d["reason"], size="2", color=INK),
                min_width="0",
                flex="1 1 14rem",
            ),
            _remove_with_confirmation(d),
            justify="between",
            align="center",
            gap="0.5rem",
            wrap="wrap",
        ),
        style=ROW,
    )


def days_tab() -> rx.Component:
    return rx.box(
        section_head("Días no laborables de la institución"),
        rx.text(
            "Se suman a los feriados nacionales: los plazos en días hábiles que se calculen desde ahora los saltan.",
            size="2",
            color=MUTED,
            margin_bottom="1rem",
        ),
        card(
            rx.el.form(
                rx.box(
                    text_input(
                        "Fecha",
                        field_id="nd-day",
                        name="day",
                        error_key="day_day",
                        default=AdminState.f_from,
                        type_="date",
                        required=True,
                    ),
                    text_input(
                        "Motivo",
                        field_id="nd-reason",
                        name="reason",
                        error_key="day_reason",
                        default=AdminState.f_description,
                        required=True,
                        max_length=200,
                        help_text="Por ejemplo: Día no laborable compensable (D. S. N.° …)",
                    ),
                    style=TWO_COLUMNS,
                ),
                general_error("day_general"),
                primary_button("Agregar día no laborable", type="submit", id="agregar-dia"),
                on_submit=AdminState.add_day,
                reset_on_submit=False,
                key=AdminState.form_key,
                no_validate=True,
            ),
            style={"margin_bottom": "1rem"},
        ),
        rx.cond(AdminState.days.length() == 0, rx.text("No hay días no laborables registrados.", color=MUTED)),
        item_list(rx.foreach(AdminState.days, _day_row), aria_label="Días no laborables", id="lista-dias"),
    )
