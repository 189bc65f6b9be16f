"""/mirador — public figures of the programme (phone-first, no login)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import page
from sgd_app.components.ui import INK, MUTED, card, shell
from sgd_app.domain.mirador import BASELINE_KG, BASELINE_SOLES, SHEET_KG, SOLES_PER_KG, fmt_dec
from sgd_app.state.mirador import CHART_HEIGHT, PROCEDURE_CHART_HEIGHT, MiradorState

_CELL = {"padding": "0.35rem 0.5rem", "border_bottom": "1px solid #d0d5db", "text_align": "left"}


def _kpi(k: rx.Var) -> rx.Component:
    return card(rx.text(k["label"], size="2", color=MUTED), rx.text(k["value"], size="6", weight="bold", color=INK))


def _chart(key: str, figure: rx.Var, height: int, summary: rx.Var, headers: list[str], rows: rx.Var) -> rx.Component:
    """One chart in a box of fixed height (nothing moves when plotly's basic bundle, loaded after
    the page, draws it), its one-sentence summary, and its figures in a table under <details>."""
    return card(
        rx.box(
            rx.plotly.basic(
                data=figure,
                config={"displayModeBar": False, "locale": "es", "responsive": True},
                use_resize_handler=True,
                style={"width": "100%", "height": f"{height}px"},
            ),
            style={"height": f"{height}px", "width": "100%", "min_width": "0"},
            id=f"grafico-{key}",
        ),
        # Room for three lines from the first paint (the sentence arrives with the figures).
        rx.text(summary, size="3", color=INK, margin_top="0.5rem", min_height="4.5em", id=f"resumen-{key}"),
        rx.el.details(
            rx.el.summary(
                "Ver los datos en una tabla",
                style={"cursor": "pointer", "padding": "0.5rem 0", "min_height": "44px", "color": INK},
            ),
            rx.el.table(
                rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col", style=_CELL) for h in headers])),
                rx.el.tbody(
                    rx.foreach(rows, lambda row: rx.el.tr(rx.foreach(row, lambda c: rx.el.td(c, style=_CELL))))
                ),
                style={"width": "100%", "border_collapse": "collapse", "font_size": "0.95rem"},
            ),
            id=f"datos-{key}",
        ),
        style={"margin_top": "1rem", "min_width": "0"},
    )


@page(routes.MIRADOR, title="Mirador", visit="mirador", on_load=MiradorState.load)
def mirador() -> rx.Component:
    return shell(
        rx.text(
            "Cifras del trámite digital del Jurado Nacional de Elecciones: lo que la ciudadanía presentó sin "
            "imprimir y el papel que se dejó de usar.",
            color=MUTED,
            margin_bottom="1rem",
        ),
        rx.grid(
            rx.foreach(MiradorState.kpis, _kpi),
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            gap="0.75rem",
            id="indicadores",
        ),
        _chart(
            "mensual",
            MiradorState.by_month,
            CHART_HEIGHT,
            MiradorState.month_summary,
            ["Mes", "Virtual", "Presencial", "Total"],
            MiradorState.month_rows,
        ),
        rx.grid(
            _chart(
                "tipos",
                MiradorState.by_procedure,
                PROCEDURE_CHART_HEIGHT,
                MiradorState.procedure_summary,
                ["Trámite", "Expedientes"],
                MiradorState.procedure_rows,
            ),
            _chart(
                "canal",
                MiradorState.by_channel,
                CHART_HEIGHT,
                MiradorState.channel_summary,
                ["Canal", "Trámites", "Porcentaje"],
                MiradorState.channel_rows,
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            gap="1rem",
            margin_top="1rem",
            width="100%",
        ),
        card(
            rx.heading("Cómo calculamos el ahorro", as_="h2", size="4"),
            rx.el.ul(
                rx.el.li(
                    "Cada página presentada por la Mesa de Partes Virtual, y cada página de un documento "
                    "firmado digitalmente, es una hoja A4 que no se imprimió (una vez)."
                ),
                rx.el.li(f"Una hoja A4 de 80 g/m² pesa {fmt_dec(SHEET_KG * 1000)} g."),
                rx.el.li(
                    f"El kilo de papel se valora con la línea base de 2019 de la institución: "
                    f"{fmt_dec(BASELINE_KG)} kg por S/ {fmt_dec(BASELINE_SOLES)} "
                    f"(S/ {fmt_dec(SOLES_PER_KG)} por kg). No incluye tóner, archivo ni mensajería."
                ),
                rx.el.li("Las visitas se cuentan por página y día, sin guardar datos de las personas."),
                style={"padding_left": "1.25rem", "margin_top": "0.5rem"},
            ),
            style={"margin_top": "1rem"},
        ),
        rx.text(
            "Última actualización: ",
            MiradorState.updated,
            size="2",
            color=MUTED,
            margin_top="0.75rem",
            id="actualizado",
        ),
        title="Mirador del trámite digital",
        wide=True,
    )
