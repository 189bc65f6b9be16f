"""The one-page PDF summary of a report (A4): title, filters, KPIs and the aggregates as small
tables, in the institution's fonts."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from sgd_app import settings
from sgd_app.domain import reports
from sgd_app.domain.drafting import _fonts


def render_summary(agg: dict[str, Any], described: list[str], *, user: str, generated: str) -> bytes:
    """One A4 page: title, filters, KPIs, and the aggregates as small tables."""
    pdf = FPDF(format="A4")
    for style, path in _fonts().items():
        pdf.add_font("Source", style, path)
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 15, 15)
    pdf.set_title("Resumen de expedientes")
    pdf.set_author(settings.INSTITUTION_NAME)
    pdf.set_lang("es-PE")
    pdf.set_creator("Trámite Digital")
    pdf.add_page()
    pdf.set_font("Source", "B", 10)
    pdf.set_text_color(138, 21, 56)
    pdf.cell(0, 5, settings.INSTITUTION_NAME.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Source", "B", 17)
    pdf.set_text_color(31, 35, 40)
    pdf.cell(0, 9, "Resumen de expedientes", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Source", "", 9)
    pdf.set_text_color(80, 90, 100)
    pdf.cell(0, 4.5, f"Generado el {generated} por {user}", new_x="LMARGIN", new_y="NEXT")
    for line in described[:5]:
        pdf.cell(0, 4.5, _fit(pdf, line, 180), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    # KPI boxes
    y = pdf.get_y()
    w = 43.5
    for i, (label, value) in enumerate(reports.kpis(agg)):
        x = 15 + i * (w + 2)
        pdf.set_draw_color(216, 221, 227)
        pdf.rect(x, y, w, 20)
        pdf.set_xy(x + 2, y + 2)
        pdf.set_font("Source", "B", 15)
        pdf.set_text_color(138, 21, 56)
        pdf.cell(w - 4, 8, value)
        pdf.set_xy(x + 2, y + 10.5)
        pdf.set_font("Source", "", 8)
        pdf.set_text_color(80, 90, 100)
        pdf.multi_cell(w - 4, 3.6, label, align="L")
    pdf.set_y(y + 25)
    # tables: two columns
    top = pdf.get_y()
    left = [
        ("Por estado", agg["by_status"], 10),
        ("Por categoría", agg["by_category"], 4),
        ("Por canal", agg["by_channel"], 4),
    ]
    right = [("Por unidad", agg["by_unit"], 14), ("Por trámite", agg["by_procedure"], 12)]
    for col, tables in ((15, left), (107, right)):
        pdf.set_y(top)
        for title, rows, limit in tables:
            _table(pdf, col, 88, title, rows, limit, agg["total"])
    pdf.set_xy(15, 282)
    pdf.set_font("Source", "", 7.5)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(
        0,
        4,
        "Trámite Digital · Documento de uso interno. Cifras según el estado de los expedientes al "
        "momento de generarlo.",
        align="C",
    )
    return bytes(pdf.output())


def _fit(pdf, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _table(pdf, x: float, width: float, title: str, rows: list, limit: int, total: int) -> None:
    pdf.set_x(x)
    pdf.set_font("Source", "B", 10)
    pdf.set_text_color(31, 35, 40)
    pdf.cell(width, 6, title, new_x="LEFT", new_y="NEXT")
    pdf.set_draw_color(138, 21, 56)
    pdf.line(x, pdf.get_y(), x + width, pdf.get_y())
    pdf.set_font("Source", "", 8.5)
    shown = rows[:limit]
    if len(rows) > limit:
        rest = sum(n for _, n in rows[limit - 1 :])
        shown = [*rows[: limit - 1], ["Otros", rest]]
    if not shown:
        pdf.set_x(x)
        pdf.cell(width, 5, "Sin expedientes", new_x="LEFT", new_y="NEXT")
    for label, n in shown:
        pdf.set_x(x)
        pct = reports.format_pct(100.0 * n / total if total else None)
        pdf.cell(width - 34, 4.8, _fit(pdf, str(label), width - 36))
        pdf.cell(16, 4.8, reports.format_int(n), align="R")
        pdf.cell(18, 4.8, pct, align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_x(x)
    pdf.ln(3)
