"""/tablero — command dashboard (heads and managers)."""

from __future__ import annotations

import plotly.graph_objects as go
import reflex as rx

from sgd_app import routes
from sgd_app.components.page import staff_page
from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, card, primary_button
from sgd_app.state.tablero import DashboardFeed, TableroState

_IN = {
    "width": "100%",
    "min_height": "44px",
    "padding": "0 0.5rem",
    "border": "1px solid #b9c0c8",
    "border_radius": "8px",
    "background": "white",
}
_CFG = {"displayModeBar": False, "locale": "es", "responsive": True}


def _field(label: str, control: rx.Component, fid: str) -> rx.Component:
    return rx.box(rx.el.label(label, html_for=fid, style={"font_weight": "600", "font_size": "0.9rem"}), control)


def _filters() -> rx.Component:
    return card(
        rx.form(
            rx.grid(
                _field("Desde", rx.el.input(type="date", id="t-from", name="date_from", style=_IN), "t-from"),
                _field("Hasta", rx.el.input(type="date", id="t-to", name="date_to", style=_IN), "t-to"),
                _field(
                    "Unidad",
                    rx.el.select(
                        rx.el.option("Todas mis unidades", value=""),
                        rx.foreach(TableroState.unit_options, lambda u: rx.el.option(u[1], value=u[0])),
                        id="t-unit",
                        name="unit_id",
                        style=_IN,
                    ),
                    "t-unit",
                ),
                _field(
                    "Trámite",
                    rx.el.select(
                        rx.el.option("Todos", value=""),
                        rx.foreach(TableroState.procedure_options, lambda p: rx.el.option(p[1], value=p[0])),
                        id="t-proc",
                        name="procedure_id",
                        style=_IN,
                    ),
                    "t-proc",
                ),
                _field(
                    "Categoría",
                    rx.el.select(
                        rx.el.option("Todas", value=""),
                        rx.el.option("Administrativo", value="administrativo"),
                        rx.el.option("Jurisdiccional", value="jurisdiccional"),
                        id="t-cat",
                        name="category",
                        style=_IN,
                    ),
                    "t-cat",
                ),
                columns=rx.breakpoints(initial="1", sm="2", lg="5"),
                gap="0.75rem",
            ),
            primary_button("Aplicar", type="submit", margin_top="0.75rem", style={"min_height": "44px"}),
            on_submit=TableroState.apply,
            reset_on_submit=False,
        ),
        style={"margin_bottom": "1rem"},
    )


def _kpi(k: rx.Var) -> rx.Component:
    return card(
        rx.text(k["label"], size="2", color=MUTED),
        rx.text(k["value"], size="7", weight="bold", color=rx.cond(k["alert"] == "1", ERROR, INK)),
    )


def _chart(fig) -> rx.Component:
    # The feed holds plain dicts ({"data": [...], "layout": {...}}): typed as a figure for rx.plotly.
    return card(
        rx.plotly(data=fig.to(go.Figure), config=_CFG, use_resize_handler=True, style={"width": "100%"}),
        style={"padding": "0.5rem", "min_width": "0"},
    )


@staff_page(routes.TABLERO, title="Tablero de mando", on_load=TableroState.load)
def tablero() -> rx.Component:
    return rx.fragment(
        rx.cond(
            TableroState.allowed,
            rx.box(
                _filters(),
                rx.flex(
                    rx.box(
                        class_name="live-dot",
                        style={
                            "width": "10px",
                            "height": "10px",
                            "border_radius": "50%",
                            "background": "#146c2e",
                            "flex_shrink": "0",
                        },
                    ),
                    rx.text("En vivo · ", DashboardFeed.updated, size="2", color=MUTED, id="tablero-actualizado"),
                    align="center",
                    gap="0.5rem",
                    margin_bottom="0.5rem",
                    aria_live="polite",
                ),
                rx.grid(
                    rx.foreach(DashboardFeed.kpis, _kpi),
                    columns=rx.breakpoints(initial="2", md="3", lg="6"),
                    gap="0.75rem",
                    id="kpis",
                    margin_bottom="1rem",
                ),
                rx.grid(
                    _chart(DashboardFeed.daily),
                    _chart(DashboardFeed.lights),
                    _chart(DashboardFeed.procedures),
                    _chart(DashboardFeed.categories),
                    _chart(DashboardFeed.stages),
                    _chart(DashboardFeed.heatmap),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    gap="1rem",
                ),
                card(
                    rx.heading("Los más vencidos", as_="h2", size="4", margin_bottom="0.5rem"),
                    rx.cond(DashboardFeed.overdue.length() == 0, rx.text("No hay expedientes vencidos.", color=MUTED)),
                    rx.foreach(
                        DashboardFeed.overdue,
                        lambda o: rx.link(
                            rx.flex(
                                rx.text(o["number"], weight="bold", color=BRAND),
                                rx.text(o["procedure"], " · ", o["unit"], size="2", color=INK, flex="1"),
                                rx.text("vencido hace ", o["late"], " d. háb.", size="2", color=ERROR),
                                gap="0.75rem",
                                wrap="wrap",
                                align="center",
                            ),
                            href=routes.EXPEDIENTE_PREFIX + o["number"].to(str),
                            underline="none",
                            style={"display": "block", "padding": "0.5rem 0", "border_bottom": "1px solid #eceff2"},
                        ),
                    ),
                    id="mas-vencidos",
                    style={"margin_top": "1rem"},
                ),
            ),
            card(rx.text(rx.cond(TableroState.message != "", TableroState.message, "Cargando…"), id="tablero-aviso")),
        ),
    )
