"""Helpers shared by the benchmarks."""
from __future__ import annotations

import statistics

from fpdf import FPDF


def one_page_pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]
