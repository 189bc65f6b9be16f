"""/mirador — public figures of the programme (phone-first, no login)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import page
from sgd_app.components.ui import INK, MUTED, card, shell
from sgd_app.domain.mirador import BASELINE_KG, BASELINE_SOLES, SHEET_KG, SOLES_PER_KG, fmt_dec
from sgd_app.state.mirador import TOP, MiradorState

_CELL = {"padding": "0.35rem 0.5rem", "border_bottom": "1px solid #d0d5db", "text_align": "left"}
BRAND = "#8a1538"
GREY = "#6b7785"  # 4.6:1 on white: the paper part is told apart by more than its colour (legend)
MONTH_BOX = 220  # px: the columns' area, fixed from the first paint
ROW = 44  # px: one procedure bar with its label (two lines of a long name wrap inside)


def _kpi(k: rx.Var) -> rx.Component:
    return card(rx.text(k["label"], size="2", color=MUTED), rx.text(k["value"], size="6", weight="bold", color=INK))


def _swatch(colour: str, label: str) -> rx.Component:
    return rx.hstack(
        rx.box(width="0.9rem", height="0.9rem", background=colour, border_radius="2px", flex_shrink="0"),
        rx.text(label, size="2", color=INK),
        align="center",
        spacing="1",
    )


def _month_column(m: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.box(height=m["paper"], background=GREY, width="100%"),
            rx.box(height=m["virtual"], background=BRAND, width="100%"),
            display="flex",
            flex_direction="column",
            justify_content="flex-end",
            height=f"{MONTH_BOX}px",
            width="100%",
            title=m["title"],
        ),
        rx.text(m["label"], color=MUTED, text_align="center", font_size="0.7rem", white_space="nowrap"),
        spacing="1",
        flex="1",
        min_width="0",
        align="center",
    )


def _months_chart() -> rx.Component:
    return rx.box(
        rx.hstack(_swatch(BRAND, "Virtual"), _swatch(GREY, "Presencial (papel)"), spacing="4", margin_y="0.5rem"),
        rx.hstack(
            rx.foreach(MiradorState.months, _month_column),
            align="end",
            spacing="1",
            width="100%",
            min_height=f"{MONTH_BOX + 24}px",
            border_bottom="1px solid #98a2ad",
        ),
    )


def _procedure_bar(b: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(b["label"], size="2", color=INK, line_height="1.25"),
        rx.hstack(
            rx.box(  # the track: the bar is a share of it, the count stays beside it
                rx.box(
                    width=b["width"],
                    height="0.9rem",
                    background=BRAND,
                    border_radius="0 3px 3px 0",
                    min_width="2px",
                    class_name="barra",
                ),
                flex="1",
                min_width="0",
            ),
            rx.text(b["value"], size="2", weight="bold", color=INK, white_space="nowrap", min_width="2.5rem"),
            align="center",
            spacing="2",
            width="100%",
        ),
        min_height=f"{ROW}px",
        width="100%",
    )


def _procedures_chart() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.foreach(MiradorState.procedures, _procedure_bar),
            spacing="2",
            width="100%",
            min_height=f"{(TOP + 1) * (ROW + 8)}px",
        ),
    )


def _channel_chart() -> rx.Component:
    return rx.box(
        rx.hstack(_swatch(BRAND, "Virtual"), _swatch(GREY, "Presencial (papel)"), spacing="4", margin_y="0.5rem"),
        rx.box(
            rx.box(width=MiradorState.virtual_share, background=BRAND, height="100%", id="canal-virtual"),
            display="flex",
            background=GREY,
            height="2.5rem",
            width="100%",
            border_radius="4px",
            overflow="hidden",
            id="canal-barra",
        ),
    )


def _chart(
    key: str, title: str, chart: rx.Component, summary: rx.Var, headers: list[str], rows: rx.Var
) -> rx.Component:
    """One chart (drawn in HTML: its labels are text, nothing is cut and nothing loads after the
    page), its one-sentence summary, and its figures in a table under <details>."""
    return card(
        rx.heading(title, as_="h2", size="4", margin_bottom="0.5rem"),
        # The sentence below says what the chart shows; the drawing itself is not read out twice.
        rx.box(chart, id=f"grafico-{key}", aria_hidden="true", width="100%", min_width="0"),
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
            "Trámites por mes",
            _months_chart(),
            MiradorState.month_summary,
            ["Mes", "Virtual", "Presencial", "Total"],
            MiradorState.month_rows,
        ),
        rx.grid(
            _chart(
                "tipos",
                "Trámites por tipo",
                _procedures_chart(),
                MiradorState.procedure_summary,
                ["Trámite", "Expedientes"],
                MiradorState.procedure_rows,
            ),
            _chart(
                "canal",
                "Virtual frente a papel",
                _channel_chart(),
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
