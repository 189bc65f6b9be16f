"""/reportes: filters, the aggregates on screen, a preview, and the CSV / XLSX / PDF downloads
(plain HTTP links to /api/v1/reportes/*: the browser streams the file and shows its progress)."""

from __future__ import annotations

import reflex as rx

from sgd_app import routes
from sgd_app.components.page import staff_page
from sgd_app.components.ui import BRAND, ERROR, INK, MUTED, SMALL_INPUT, card, primary_button, secondary_button
from sgd_app.domain.reports import HEADERS
from sgd_app.state.reportes import ReportesState

_LABEL = {"font_size": "0.9rem", "font_weight": "600", "display": "block", "margin_bottom": "0.2rem"}
_SELECT = {**SMALL_INPUT, "padding": "0 0.5rem"}
API = "/api/v1/reportes"


def _field(label: str, control: rx.Component, fid: str) -> rx.Component:
    return rx.box(rx.el.label(label, html_for=fid, style=_LABEL), control, min_width="0")


def _filters() -> rx.Component:
    return card(
        rx.form(
            rx.grid(
                _field(
                    "Presentado desde",
                    rx.el.input(
                        type="date",
                        id="r-from",
                        name="date_from",
                        default_value=ReportesState.filters["date_from"],
                        style=SMALL_INPUT,
                    ),
                    "r-from",
                ),
                _field(
                    "Presentado hasta",
                    rx.el.input(
                        type="date",
                        id="r-to",
                        name="date_to",
                        default_value=ReportesState.filters["date_to"],
                        style=SMALL_INPUT,
                    ),
                    "r-to",
                ),
                _field(
                    "Unidad",
                    rx.el.select(
                        rx.el.option("Todas mis unidades", value=""),
                        rx.foreach(ReportesState.unit_options, lambda u: rx.el.option(u[1], value=u[0])),
                        id="r-unit",
                        name="unit_id",
                        default_value=ReportesState.filters["unit_id"],
                        style=_SELECT,
                    ),
                    "r-unit",
                ),
                _field(
                    "Trámite",
                    rx.el.select(
                        rx.el.option("Todos", value=""),
                        rx.foreach(ReportesState.procedure_options, lambda p: rx.el.option(p[1], value=p[0])),
                        id="r-procedure",
                        name="procedure_id",
                        default_value=ReportesState.filters["procedure_id"],
                        style=_SELECT,
                    ),
                    "r-procedure",
                ),
                _field(
                    "Categoría",
                    rx.el.select(
                        rx.el.option("Todas", value=""),
                        rx.el.option("Administrativo", value="administrativo"),
                        rx.el.option("Jurisdiccional", value="jurisdiccional"),
                        id="r-category",
                        name="category",
                        default_value=ReportesState.filters["category"],
                        style=_SELECT,
                    ),
                    "r-category",
                ),
                _field(
                    "Estado",
                    rx.el.select(
                        rx.el.option("Todos", value=""),
                        rx.foreach(ReportesState.status_options, lambda s: rx.el.option(s[1], value=s[0])),
                        id="r-status",
                        name="status",
                        default_value=ReportesState.filters["status"],
                        style=_SELECT,
                    ),
                    "r-status",
                ),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                gap="0.75rem",
                width="100%",
            ),
            rx.cond(
                ReportesState.error != "",
                rx.text(
                    ReportesState.error, color=ERROR, role="alert", size="2", margin_top="0.5rem", id="reporte-error"
                ),
            ),
            rx.flex(
                primary_button("Aplicar filtros", type="submit", style={"min_height": "44px"}),
                secondary_button(
                    "Limpiar", type="button", on_click=ReportesState.clear_filters, style={"min_height": "44px"}
                ),
                gap="0.75rem",
                margin_top="0.75rem",
                wrap="wrap",
            ),
            on_submit=ReportesState.apply_filters,
            reset_on_submit=False,
            key=ReportesState.form_version,
            aria_label="Filtros del reporte",
        ),
        style={"margin_bottom": "1rem"},
    )


def _download(label: str, icon: str, path: str, fid: str, hint: str) -> rx.Component:
    return rx.el.a(
        rx.icon(icon, size=18, aria_hidden="true"),
        rx.box(rx.text(label, weight="bold"), rx.text(hint, size="1", color=MUTED)),
        href=API + path + ReportesState.query_string,
        download="",
        reload_document=True,
        id=fid,
        style={
            "display": "flex",
            "align_items": "center",
            "gap": "0.6rem",
            "min_height": "52px",
            "padding": "0.4rem 1rem",
            "border": f"2px solid {BRAND}",
            "border_radius": "10px",
            "color": BRAND,
            "background": "white",
            "text_decoration": "none",
            "flex": "1 1 200px",
        },
    )


def _downloads() -> rx.Component:
    return card(
        rx.heading("Descargar", as_="h2", size="4", margin_bottom="0.25rem"),
        rx.text(
            "Se exportarán ",
            rx.text.strong(ReportesState.total_text, id="filas-a-exportar"),
            " expediente(s) con los filtros aplicados. El CSV se descarga por partes (el navegador muestra "
            "el avance); el Excel se prepara aquí, con una barra de avance, y luego se descarga.",
            size="2",
            color=MUTED,
            margin_bottom="0.75rem",
        ),
        rx.flex(
            _download(
                "Expedientes (CSV)",
                "file-text",
                "/expedientes.csv",
                "descargar-csv",
                "Separado por punto y coma; se abre en Excel",
            ),
            rx.el.button(
                rx.icon("file-spreadsheet", size=18, aria_hidden="true"),
                rx.box(
                    rx.text("Expedientes (Excel)", weight="bold"),
                    rx.text("Hojas «Expedientes» y «Resumen»", size="1", color=MUTED),
                    text_align="left",
                ),
                on_click=ReportesState.export_xlsx,
                disabled=ReportesState.export_running,
                id="preparar-xlsx",
                type="button",
                style={
                    "display": "flex",
                    "align_items": "center",
                    "gap": "0.6rem",
                    "min_height": "52px",
                    "padding": "0.4rem 1rem",
                    "border": f"2px solid {BRAND}",
                    "border_radius": "10px",
                    "color": BRAND,
                    "background": "white",
                    "cursor": "pointer",
                    "flex": "1 1 200px",
                    "font": "inherit",
                },
            ),
            _download(
                "Resumen (PDF)", "file-chart-column", "/resumen.pdf", "descargar-pdf", "Una página con las cifras"
            ),
            gap="0.75rem",
            wrap="wrap",
        ),
        rx.cond(
            (ReportesState.export_text != "") | (ReportesState.export_error != ""),
            rx.box(
                rx.text(ReportesState.export_text, size="2", id="avance-xlsx", aria_live="polite"),
                rx.cond(
                    ReportesState.export_running,
                    rx.progress(
                        value=ReportesState.export_pct, max=100, color_scheme="ruby", aria_label="Avance del Excel"
                    ),
                ),
                rx.cond(
                    ReportesState.export_url != "",
                    rx.el.a(
                        "Descargar el Excel",
                        href=ReportesState.export_url,
                        download="",
                        reload_document=True,
                        id="descargar-xlsx",
                        style={
                            "font_weight": "bold",
                            "color": BRAND,
                            "display": "inline-block",
                            "min_height": "44px",
                            "padding_top": "0.6rem",
                        },
                    ),
                ),
                rx.cond(ReportesState.export_error != "", rx.text(ReportesState.export_error, color=ERROR, size="2")),
                margin_top="0.75rem",
            ),
        ),
        style={"margin_bottom": "1rem"},
    )


def _kpi(k: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(k[1], size="7", weight="bold", color=BRAND, style={"line_height": "1.1"}),
        rx.text(k[0], size="2", color=MUTED),
        style={"background": "white", "border": "1px solid #d8dde3", "border_radius": "12px", "padding": "0.9rem 1rem"},
    )


def _agg_table(title: str, rows, tid: str) -> rx.Component:
    cell = {"padding": "0.3rem 0.4rem", "border_bottom": "1px solid #eceff2", "text_align": "left"}
    num = {**cell, "text_align": "right", "white_space": "nowrap"}
    return card(
        rx.el.table(
            rx.el.caption(
                title, style={"text_align": "left", "font_weight": "700", "padding_bottom": "0.4rem", "color": INK}
            ),
            rx.el.thead(
                rx.el.tr(
                    rx.el.th("", scope="col", style=cell, aria_label="Valor"),
                    rx.el.th("Expedientes", scope="col", style=num),
                    rx.el.th("%", scope="col", style=num),
                )
            ),
            rx.el.tbody(
                rx.foreach(
                    rows,
                    lambda r: rx.el.tr(
                        rx.el.th(r[0], scope="row", style={**cell, "font_weight": "400", "overflow_wrap": "anywhere"}),
                        rx.el.td(r[1], style=num),
                        rx.el.td(r[2], style=num),
                    ),
                )
            ),
            id=tid,
            style={"width": "100%", "border_collapse": "collapse", "font_size": "0.92rem"},
        ),
    )


def _preview() -> rx.Component:
    cell = {
        "padding": "0.35rem 0.5rem",
        "border_bottom": "1px solid #eceff2",
        "text_align": "left",
        "vertical_align": "top",
        "white_space": "nowrap",
    }
    return card(
        rx.heading("Vista previa", as_="h2", size="4", margin_bottom="0.25rem"),
        rx.cond(ReportesState.preview_note != "", rx.text(ReportesState.preview_note, size="2", color=MUTED)),
        rx.cond(
            ReportesState.preview.length() == 0,
            rx.text("No hay expedientes con estos filtros.", color=MUTED, padding_y="0.5rem"),
            rx.box(
                rx.el.table(
                    rx.el.thead(
                        rx.el.tr(*[rx.el.th(h, scope="col", style={**cell, "background": "#f6f7f9"}) for h in HEADERS])
                    ),
                    rx.el.tbody(
                        rx.foreach(
                            ReportesState.preview,
                            lambda row: rx.el.tr(*[rx.el.td(row[i], style=cell) for i in range(len(HEADERS))]),
                        )
                    ),
                    style={"border_collapse": "collapse", "font_size": "0.88rem"},
                    id="vista-previa",
                ),
                role="region",
                aria_label="Vista previa de los expedientes (desplazable)",
                tab_index=0,
                style={"overflow_x": "auto", "max_width": "100%", "margin_top": "0.5rem"},
            ),
        ),
        style={"margin_top": "1rem"},
    )


@staff_page(routes.REPORTES, title="Reportes", on_load=ReportesState.load)
def reportes() -> rx.Component:
    return rx.fragment(
        rx.text(
            "Expedientes de sus unidades",
            rx.cond(ReportesState.unit_options.length() > 1, " y de las que dependen de ellas", ""),
            ": cifras, vista previa y descargas.",
            size="2",
            color=MUTED,
            margin_bottom="0.75rem",
        ),
        _filters(),
        rx.text(
            rx.foreach(ReportesState.described, lambda d: rx.text.span(d, ". ")),
            size="2",
            color=INK,
            margin_bottom="0.5rem",
            id="filtros-aplicados",
        ),
        rx.grid(
            rx.foreach(ReportesState.kpis, _kpi),
            columns=rx.breakpoints(initial="2", md="4"),
            gap="0.75rem",
            margin_bottom="1rem",
            id="indicadores",
        ),
        _downloads(),
        rx.grid(
            _agg_table("Por estado", ReportesState.by_status, "tabla-estado"),
            _agg_table("Por unidad", ReportesState.by_unit, "tabla-unidad"),
            _agg_table("Por trámite", ReportesState.by_procedure, "tabla-tramite"),
            rx.flex(
                _agg_table("Por categoría", ReportesState.by_category, "tabla-categoria"),
                _agg_table("Por canal", ReportesState.by_channel, "tabla-canal"),
                direction="column",
                gap="0.75rem",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            gap="0.75rem",
        ),
        _preview(),
    )
