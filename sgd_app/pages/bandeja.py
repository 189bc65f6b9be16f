"""/bandeja: the unit inbox with its tabs, filters and deadline traffic light."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.bulk_actions import bulk_bar, bulk_dialog, bulk_footer, row_select
from sgd_app.components.notice import notice
from sgd_app.components.page import staff_page
from sgd_app.components.shortcuts import shortcuts
from sgd_app.components.ui import (
    BRAND,
    ERROR,
    INK,
    MUTED,
    SMALL_INPUT,
    card,
    light_badge,
    primary_button,
    secondary_button,
)
from sgd_app.domain.routing import TABS
from sgd_app.domain.vocabulary import CHANNEL_SHORT_LABELS, PRIORITY_LABELS
from sgd_app.pages.expediente.desk import copy_read_control
from sgd_app.state.bandeja import BandejaState
from sgd_app.state.bandeja_bulk import BulkState


def _tab_button(key: str, label: str) -> rx.Component:
    active = BandejaState.tab == key
    return rx.el.button(
        label,
        " ",
        # High contrast: the solid grey badge of the active tab is white on grey-9 (3.3:1) otherwise.
        rx.badge(
            BandejaState.counts[key],
            variant=rx.cond(active, "solid", "soft"),
            color_scheme="gray",
            high_contrast=True,
            size="1",
        ),
        on_click=[BandejaState.set_tab(key), BulkState.clear_selection],
        type="button",
        id=f"pestana-{key}",
        aria_pressed=rx.cond(active, "true", "false"),
        style={
            "min_height": "44px",
            "padding": "0 0.9rem",
            "border_radius": "999px",
            "white_space": "nowrap",
            "border": rx.cond(active, f"2px solid {BRAND}", "1px solid #c6ccd3"),
            "background": rx.cond(active, "#fbeff2", "white"),
            "color": INK,
            "font_weight": "600",
            "cursor": "pointer",
        },
    )


def _filters() -> rx.Component:
    def field(label: str, control: rx.Component, fid: str) -> rx.Component:
        return rx.box(
            rx.el.label(label, html_for=fid, style={"font_size": "0.9rem", "font_weight": "600"}),
            control,
            min_width="0",
        )

    select_style = {**SMALL_INPUT, "padding": "0 0.5rem"}
    return rx.el.details(
        rx.el.summary(
            "Filtros",
            style={
                "cursor": "pointer",
                "font_weight": "600",
                "min_height": "44px",
                "display": "flex",
                "align_items": "center",
            },
        ),
        rx.form(
            rx.grid(
                field(
                    "Trámite",
                    rx.el.select(
                        rx.el.option("Todos", value=""),
                        rx.foreach(BandejaState.procedure_options, lambda p: rx.el.option(p[1], value=p[0])),
                        id="f-procedure",
                        name="procedure",
                        default_value=BandejaState.filters["procedure"],
                        style=select_style,
                    ),
                    "f-procedure",
                ),
                field(
                    "Prioridad",
                    rx.el.select(
                        rx.el.option("Todas", value=""),
                        *[rx.el.option(label, value=code) for code, label in PRIORITY_LABELS.items()],
                        id="f-priority",
                        name="priority",
                        default_value=BandejaState.filters["priority"],
                        style=select_style,
                    ),
                    "f-priority",
                ),
                field(
                    "Categoría",
                    rx.el.select(
                        rx.el.option("Todas", value=""),
                        rx.el.option("Administrativo", value="administrativo"),
                        rx.el.option("Jurisdiccional", value="jurisdiccional"),
                        id="f-category",
                        name="category",
                        default_value=BandejaState.filters["category"],
                        style=select_style,
                    ),
                    "f-category",
                ),
                field(
                    "Canal",
                    rx.el.select(
                        rx.el.option("Todos", value=""),
                        *[rx.el.option(label, value=code) for code, label in CHANNEL_SHORT_LABELS.items()],
                        id="f-channel",
                        name="channel",
                        default_value=BandejaState.filters["channel"],
                        style=select_style,
                    ),
                    "f-channel",
                ),
                field(
                    "Remitente (nombre o documento)",
                    rx.el.input(
                        id="f-sender", name="sender", default_value=BandejaState.filters["sender"], style=SMALL_INPUT
                    ),
                    "f-sender",
                ),
                field(
                    "Presentado desde",
                    rx.el.input(
                        type="date",
                        id="f-from",
                        name="date_from",
                        default_value=BandejaState.filters["date_from"],
                        style=SMALL_INPUT,
                    ),
                    "f-from",
                ),
                field(
                    "Presentado hasta",
                    rx.el.input(
                        type="date",
                        id="f-to",
                        name="date_to",
                        default_value=BandejaState.filters["date_to"],
                        style=SMALL_INPUT,
                    ),
                    "f-to",
                ),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                gap="0.75rem",
                width="100%",
            ),
            rx.flex(
                primary_button("Aplicar filtros", type="submit", style={"min_height": "44px"}),
                secondary_button(
                    "Limpiar",
                    type="button",
                    on_click=[BandejaState.clear_filters, BulkState.clear_selection],
                    style={"min_height": "44px"},
                ),
                gap="0.75rem",
                margin_top="0.75rem",
            ),
            on_submit=[BandejaState.apply_filters, BulkState.clear_selection],
            reset_on_submit=False,
        ),
        style={
            "background": "white",
            "border": "1px solid #d8dde3",
            "border_radius": "12px",
            "padding": "0.25rem 1rem 0.75rem",
            "margin_bottom": "1rem",
        },
    )


def _case_row(r: rx.Var) -> rx.Component:
    return rx.el.li(
        row_select(r),
        rx.link(
            rx.flex(
                rx.box(
                    rx.flex(
                        rx.text(r["number"], weight="bold", size="3", color=BRAND),
                        rx.cond(r["urgent"] != "", rx.badge(r["priority"], color_scheme="red", size="1")),
                        gap="0.5rem",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.text(r["procedure"], size="2", weight="medium", color=INK),
                    rx.text(
                        r["subject"],
                        size="2",
                        color=MUTED,
                        style={"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"},
                    ),
                    rx.text(r["filer"], " · ", r["channel"], " · recibido ", r["received"], size="1", color=MUTED),
                    rx.cond(r["note"] != "", rx.text("Proveído: ", r["note"], size="1", color=INK)),
                    min_width="0",
                    flex="1",
                ),
                rx.box(
                    light_badge(r["light"], r["light_label"]),
                    rx.text("Vence ", r["due"], size="1", color=MUTED),
                    rx.text(r["status"], " · ", r["unit"], size="1", color=MUTED),
                    text_align="right",
                    flex_shrink="0",
                    max_width="45%",
                ),
                gap="0.75rem",
                justify="between",
            ),
            href=routes.EXPEDIENTE_PREFIX + r["number"].to(str),
            underline="none",
            class_name="fila-bandeja",
            style={
                "display": "block",
                "flex": "1",
                "min_width": "0",
                "padding": "0.75rem 1rem",
                "color": INK,
                "_hover": {"background": "#fbf7f8"},
            },
        ),
        rx.cond(BandejaState.tab == "copias", copy_read_control(r)),
        style={
            "border_bottom": "1px solid #eceff2",
            "list_style": "none",
            "display": "flex",
            "flex_wrap": "wrap",
            "align_items": "stretch",
        },
    )


def _delegation() -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            "Delegar mi bandeja (subrogación)",
            style={
                "cursor": "pointer",
                "font_weight": "600",
                "min_height": "44px",
                "display": "flex",
                "align_items": "center",
            },
        ),
        rx.text(
            "Mientras dure, la persona elegida puede recibir, derivar, archivar y atender como usted; la "
            "hoja de ruta indicará que actúa por su encargo.",
            size="2",
            color=MUTED,
        ),
        rx.form(
            rx.grid(
                rx.box(
                    rx.el.label("Unidad", html_for="d-unit", style={"font_weight": "600"}),
                    rx.el.select(
                        rx.foreach(BandejaState.head_units, lambda u: rx.el.option(u[1], value=u[0])),
                        id="d-unit",
                        name="unit",
                        style=SMALL_INPUT,
                    ),
                ),
                rx.box(
                    rx.el.label("Persona", html_for="d-user", style={"font_weight": "600"}),
                    rx.el.select(
                        rx.el.option("Elija…", value=""),
                        rx.foreach(BandejaState.members, lambda m: rx.el.option(m[1], value=m[0])),
                        id="d-user",
                        name="to_user",
                        style=SMALL_INPUT,
                    ),
                ),
                rx.box(
                    rx.el.label("Desde", html_for="d-from", style={"font_weight": "600"}),
                    rx.el.input(type="date", id="d-from", name="starts_on", style=SMALL_INPUT),
                ),
                rx.box(
                    rx.el.label("Hasta", html_for="d-to", style={"font_weight": "600"}),
                    rx.el.input(type="date", id="d-to", name="ends_on", style=SMALL_INPUT),
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                gap="0.75rem",
            ),
            rx.cond(
                BandejaState.delegation_error != "",
                rx.text(BandejaState.delegation_error, color=ERROR, role="alert", size="2"),
            ),
            primary_button("Delegar", type="submit", margin_top="0.75rem", style={"min_height": "44px"}),
            on_submit=BandejaState.delegate,
            reset_on_submit=False,
        ),
        rx.foreach(
            BandejaState.delegations,
            lambda d: rx.flex(
                rx.text(d["to"], " · ", d["unit"], " · ", d["range"], size="2"),
                rx.button(
                    "Revocar",
                    on_click=BandejaState.revoke(d["id"]),
                    variant="ghost",
                    size="2",
                    type="button",
                    style={"color": BRAND, "min_height": "40px"},
                ),
                justify="between",
                align="center",
                border_top="1px solid #eceff2",
                padding_y="0.3rem",
            ),
        ),
        style={
            "background": "white",
            "border": "1px solid #d8dde3",
            "border_radius": "12px",
            "padding": "0.25rem 1rem 0.75rem",
            "margin_top": "1rem",
        },
    )


@staff_page(routes.BANDEJA, title="Bandeja", on_load=BandejaState.load)
def bandeja() -> rx.Component:
    return rx.fragment(
        notice(BandejaState, focus=True),  # the focus follows the act's result (issue 14)
        notice(BulkState),
        bulk_dialog(),
        rx.box(
            rx.text(BandejaState.user_name, weight="bold", id="usuario-actual"),
            rx.text(BandejaState.unit_names, size="2", color=MUTED),
            rx.cond(BandejaState.delegated_note != "", rx.text(BandejaState.delegated_note, size="2", color=BRAND)),
            margin_bottom="0.75rem",
        ),
        rx.box(
            rx.flex(*[_tab_button(k, v) for k, v in TABS.items()], gap="0.5rem", wrap="nowrap"),
            role="toolbar",
            aria_label="Pestañas de la bandeja",
            style={"overflow_x": "auto", "padding_bottom": "0.5rem", "margin_bottom": "0.75rem"},
        ),
        _filters(),
        bulk_bar(),
        card(
            rx.text(
                BandejaState.total, " expediente(s)", size="2", color=MUTED, id="total-bandeja", padding="0 1rem 0.5rem"
            ),
            rx.cond(
                BandejaState.rows.length() == 0,
                rx.text("No hay expedientes en esta pestaña.", color=MUTED, padding="1rem"),
                rx.el.ul(
                    rx.foreach(BandejaState.rows, _case_row), style={"margin": "0", "padding": "0"}, id="lista-bandeja"
                ),
            ),
            style={"padding": "0.75rem 0 0"},
        ),
        bulk_footer(),
        rx.flex(
            secondary_button(
                "Anterior", on_click=BandejaState.prev_page, disabled=BandejaState.page == 0, type="button"
            ),
            rx.text("Página ", BandejaState.page + 1, " de ", BandejaState.pages),
            secondary_button(
                "Siguiente",
                on_click=BandejaState.next_page,
                disabled=BandejaState.page + 1 >= BandejaState.pages,
                type="button",
            ),
            gap="1rem",
            align="center",
            justify="center",
            margin_top="1rem",
        ),
        rx.cond(BandejaState.is_head, _delegation()),
        shortcuts("bandeja"),
    )
