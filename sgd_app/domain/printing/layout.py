"""The page furniture the printed pieces share (label, hoja de ruta): the PDF core fonts in the
WinAnsi encoding (no font file needed, as the receipt), the institution's colours, fixed metadata
and a footer that never runs into the content."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sgd_app.domain.calendar import LIMA
from sgd_app.domain.intake.pdf_text import ENCODING, fit_text, meta_safe, pdf_safe, wrap_text

__all__ = ["BRAND", "INK", "MUTED", "RULE", "SHADE", "Sheet", "lima", "pdf_safe", "stamp", "wrap_text"]

INK = (33, 37, 41)
BRAND = (31, 58, 95)
MUTED = (96, 104, 112)
RULE = (200, 205, 212)
SHADE = (241, 244, 248)


def lima(dt: datetime) -> datetime:
    """``dt`` in Lima time (SQLite hands back naive datetimes: they are stored as UTC)."""
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(LIMA)


def stamp(dt: datetime | None) -> str:
    """dd/mm/yyyy hh:mm in Lima time, or "—"."""
    return f"{lima(dt):%d/%m/%Y %H:%M}" if dt else "—"


class Sheet(FPDF):
    """A PDF in mm with the core fonts, titled, dated ``created`` (same data -> same bytes)."""

    def __init__(self, *, title: str, author: str, created: datetime, footer: str = "", **kwargs):
        super().__init__(unit="mm", **kwargs)
        self.core_fonts_encoding = ENCODING
        self._footer_text = footer
        self.set_title(meta_safe(title))
        self.set_author(meta_safe(author))
        self.set_creator("Trámite Digital")
        self.set_lang("es-PE")
        self.set_creation_date(created if created.tzinfo else created.replace(tzinfo=UTC))

    def footer(self) -> None:
        if not self._footer_text:
            return
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.h - 13, self.w - self.r_margin, self.h - 13)
        self.set_y(-11.5)
        self.set_font("Helvetica", "", 7.5)
        self.set_text_color(*MUTED)
        w = self.epw
        self.cell(w * 0.75, 4, fit_text(self._footer_text, "Helvetica", "", 7.5, w * 0.75 - 2 * self.c_margin))
        self.cell(w * 0.25, 4, f"Página {self.page_no()} de {{nb}}", align="R")

    def lines(self, text: str, w: float, size: float, style: str = "", family: str = "Helvetica") -> list[str]:
        return wrap_text(pdf_safe(text), family, style, size, w - 2 * self.c_margin - 0.01)

    def text_block(
        self, text: str, x: float, w: float, size: float, style: str = "", *, color=INK, lh: float = 0
    ) -> float:
        """Draw ``text`` wrapped in ``w`` from the current y at ``x``; returns the height used."""
        lh = lh or size * 0.46
        self.set_font("Helvetica", style, size)
        self.set_text_color(*color)
        rows = self.lines(text, w, size, style)
        for row in rows:
            self.set_x(x)
            self.cell(w, lh, row, new_x=XPos.LEFT, new_y=YPos.NEXT)
        return len(rows) * lh


def landscape_record(*, title: str, author: str, created: datetime, footer: str, kind: str, heading: str) -> Sheet:
    """An A4 landscape record sheet (the foliation index, the archive's inventories): the brand
    rule, the institution, the kind of record and its number, on a first page ready for sections."""
    pdf = Sheet(title=title, author=author, created=created, footer=footer, orientation="L", format="A4")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, pdf.w, 4, style="F")
    pdf.set_y(10)
    pdf.text_block(author.upper(), pdf.l_margin, pdf.epw, 12, "B", color=BRAND, lh=6)
    pdf.text_block(kind, pdf.l_margin, pdf.epw, 10.5, "B", lh=5.5)
    pdf.text_block(heading, pdf.l_margin, pdf.epw, 16, "B", color=BRAND, lh=8)
    return pdf
