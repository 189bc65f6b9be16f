"""Filing receipt ("cargo de recepción") rendered as a PDF.

Plain Python: no reflex import here. The receipt has the legal value of the stamped paper
original (Ley N° 31465), so it states the real moment of reception (in Lima local time), the
legal filing date, every file with its SHA-256, and a QR code pointing to the public tracking
page. It never carries the access key ("clave de acceso"): the key is shown on the confirmation
screen and sent in the confirmation e-mail (which carries this PDF attached), as LEGAL_NOTE says.

Fonts: the PDF core fonts (Helvetica / Courier) with the WinAnsi (cp1252) encoding. They need
no font file on the machine (a fresh Debian image may not have DejaVu), cover every Spanish
character plus "—", "“”", "€", "…", and keep rendering fast. Any character they cannot show
(emoji, CJK, ...) is folded to an ASCII look-alike when there is one, else replaced by "?":
user text never makes rendering fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlsplit

import qrcode
import qrcode.constants
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image

from sgd_app.domain.calendar import LIMA
from sgd_app.domain.intake.pdf_text import ENCODING, fit_text, meta_safe, pdf_safe, wrap_text
from sgd_app.domain.vocabulary import CHANNEL_SHORT_LABELS

__all__ = [
    "ReceiptData",
    "ReceiptFile",
    "format_size",
    "pdf_safe",
    "qr_image",
    "render_receipt_pdf",
    "wrap_text",
]

WEEKDAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")

HOLIDAY_NOTE = "Presentado en día inhábil: se considera presentado el siguiente día hábil (Ley N° 31465)."
QR_CAPTION = "Consulte el estado de su trámite en"
LEGAL_NOTE = (
    "Este cargo tiene el mismo valor que el cargo de recepción en papel. "
    "Su clave de acceso no figura en este documento: se muestra al presentar y se envía al "
    "correo registrado."
)

# The clerk's printed copy for a citizen at the desk (``access_key`` given): the key is printed
# on it, since it is only known at that moment (the database keeps its hash).
DESK_COPY_TITLE = "Copia impresa para el administrado"
DESK_KEY_NOTE = (
    "Con su número de expediente y esta clave consulta el estado de su trámite. Guárdela: no se "
    "vuelve a mostrar. El cargo sellado digitalmente se descarga en Seguimiento."
)

# Query parameter names that would mean a secret is being put in the QR code / the PDF.
_SECRET_PARAMS = frozenset({"clave", "clave_acceso", "key", "access_key", "token", "password", "pass", "pwd", "secret"})


# ---------------------------------------------------------------------------- data
@dataclass(frozen=True)
class ReceiptFile:
    label: str  # "Documento principal" / "Anexo 1: Poder notarial" ...
    filename: str
    pages: int
    size: int  # bytes
    sha256: str


@dataclass(frozen=True)
class ReceiptData:
    institution: str  # "Jurado Nacional de Elecciones"
    number: str  # "2026-0000123"
    received_at: datetime  # timezone-aware UTC (naive is taken as UTC): the real arrival moment
    filed_on: date  # legal filing date (next business day if received on a non-working day)
    place: str  # "Mesa de Partes Virtual — Lima, Perú"
    channel: str  # "virtual" / "presencial" / "api"
    procedure: str
    category: str  # "administrativo" / "jurisdiccional"
    unit: str  # unit the case was routed to
    filer_name: str
    filer_doc: str  # "DNI 12345678"
    filer_kind: str  # "Ciudadano", "Organización política", ...
    subject: str
    folios: int  # total pages
    due_on: date | None
    files: tuple[ReceiptFile, ...]
    tracking_url: str  # encoded in the QR code; must not carry the access key


def _decimal_es(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def format_size(size: int) -> str:
    """Bytes as KB/MB/GB (base 1024) with a Spanish decimal comma: 250880 -> "245,0 KB"."""
    value = max(0, int(size)) / 1024
    for unit in ("KB", "MB"):
        if round(value, 1) < 1000:
            return f"{_decimal_es(value)} {unit}"
        value /= 1024
    return f"{_decimal_es(value)} GB"


def _pages_text(pages: int) -> str:
    return "1 página" if pages == 1 else f"{pages} páginas"


def _date_es(d: date) -> str:
    return f"{WEEKDAYS_ES[d.weekday()]} {d:%d/%m/%Y}"


def _lima(dt: datetime) -> datetime:
    if dt.tzinfo is None:  # SQLite hands back naive datetimes: they are stored as UTC
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(LIMA)


_CHANNELS: dict[str, str] = {str(k): v for k, v in CHANNEL_SHORT_LABELS.items()}  # "api" -> "API"


def _cap(s: str) -> str:
    s = s.strip()
    return s[:1].upper() + s[1:] if s else s


def _check_tracking_url(url: str) -> None:
    for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name.strip().lower() in _SECRET_PARAMS:
            raise ValueError(
                f"tracking_url must not carry a secret (parameter {name!r}): the access key never goes into the receipt"
            )


# ---------------------------------------------------------------------------- QR code
_QR_BOX = 8  # pixels per module in the embedded image (crisp when printed / zoomed)
_QR_BORDER = 4  # quiet zone, in modules
# A fixed mask pattern: any of the 8 is valid per ISO/IEC 18004 (the reader takes it from the
# format information); letting qrcode score all 8 costs ~12 ms, most of the render time.
_QR_MASK = 2


def _qr_image(url: str) -> Image.Image:
    """QR code for ``url`` as a 1-bit PIL image (quiet zone included)."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=_QR_BORDER,
        mask_pattern=_QR_MASK,
    )
    qr.add_data(url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    raw = bytes(0 if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (n, n), raw)
    return small.resize((n * _QR_BOX, n * _QR_BOX), Image.Resampling.NEAREST).convert("1")


qr_image = _qr_image  # for the other printed pieces (label, hoja de ruta)


# ---------------------------------------------------------------------------- layout
_INK = (33, 37, 41)
_BRAND = (31, 58, 95)  # dark institutional blue
_MUTED = (96, 104, 112)
_RULE = (200, 205, 212)
_SHADE = (241, 244, 248)
_LINK = (20, 70, 160)

_MARGIN = 18.0
_LABEL_W = 50.0


@dataclass
class _Para:
    """A wrapped paragraph ready to draw."""

    lines: list[str]
    family: str
    style: str
    size: float
    lh: float  # line height, mm
    color: tuple[int, int, int] = _INK
    link: str = ""

    @property
    def height(self) -> float:
        return len(self.lines) * self.lh


class _ReceiptPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text
        self.core_fonts_encoding = ENCODING

    def footer(self) -> None:
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        y = self.h - 13
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_y(-11.5)
        self.set_font("Helvetica", "", 7.5)
        self.set_text_color(*_MUTED)
        w = self.epw
        left = fit_text(self._footer_text, "Helvetica", "", 7.5, w * 0.75 - 2 * self.c_margin)
        self.cell(w * 0.75, 4, left, align="L")
        self.cell(w * 0.25, 4, f"Página {self.page_no()} de {{nb}}", align="R")

    # -- helpers ---------------------------------------------------------------
    def para(
        self,
        text: str,
        w: float,
        size: float,
        style: str = "",
        *,
        lh: float = 0,
        family: str = "Helvetica",
        color=_INK,
        link: str = "",
    ) -> _Para:
        lines = wrap_text(text, family, style, size, w - 2 * self.c_margin - 0.01)
        return _Para(lines, family, style, size, lh or size * 0.48, color, link)

    def draw(self, p: _Para, x: float, w: float, align: str = "L") -> None:
        """Draw ``p`` from the current y at ``x``; y ends below it (page breaks if needed)."""
        self.set_font(p.family, p.style, p.size)
        self.set_text_color(*p.color)
        for line in p.lines:
            self.set_x(x)
            self.cell(w, p.lh, line, align=align, link=p.link, new_x=XPos.LEFT, new_y=YPos.NEXT)

    def ensure_space(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit on this one (if they fit on any page)."""
        usable = self.page_break_trigger - self.t_margin
        if self.get_y() + height > self.page_break_trigger and height <= usable:
            self.add_page()

    def rule(self, color=_RULE, width: float = 0.2) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)

    def section_title(self, text: str) -> None:
        self.ensure_space(8 + 14)  # keep the title with the first row after it
        self.ln(4)
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(*_BRAND)
        self.cell(self.epw, 5, text.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.rule(_BRAND, 0.4)
        self.ln(0.6)

    def field(self, label: str, parts: list[tuple[str, str, float]]) -> None:
        """A label / value row; ``parts`` are (text, style, size) paragraphs of the value."""
        value_w = self.epw - _LABEL_W
        pad = 1.4
        lab = self.para(label, _LABEL_W - 2, 8.5, "B", lh=4.6, color=_MUTED)
        vals = [self.para(t, value_w, sz, st, lh=sz * 0.484) for t, st, sz in parts]
        height = max(sum(v.height for v in vals), lab.height) + 2 * pad
        self.ensure_space(height)
        top = self.get_y() + pad
        page = self.page
        self.set_y(top)
        self.draw(lab, self.l_margin, _LABEL_W - 2)
        label_bottom = self.get_y()
        self.set_y(top)
        for v in vals:
            self.draw(v, self.l_margin + _LABEL_W, value_w)
        bottom = self.get_y() if self.page != page else max(self.get_y(), label_bottom)
        self.set_y(bottom + pad)
        self.rule()


def _details(data: ReceiptData) -> list[tuple[str, list[tuple[str, str, float]]]]:
    received = _lima(data.received_at)
    filed_parts = [(_date_es(data.filed_on), "B", 9.5)]
    if data.filed_on != received.date():
        filed_parts.append((HOLIDAY_NOTE, "I", 8.5))
    s = pdf_safe
    return [
        (
            "Fecha y hora de recepción",
            [(f"{received:%d/%m/%Y %H:%M:%S} (hora de Lima)", "B", 9.5)],
        ),
        ("Fecha legal de presentación", filed_parts),
        ("Lugar de presentación", [(s(data.place), "", 9.5)]),
        ("Canal", [(s(_CHANNELS.get(data.channel, _cap(data.channel))), "", 9.5)]),
        ("Procedimiento", [(s(data.procedure), "", 9.5)]),
        ("Categoría", [(s(_cap(data.category)), "", 9.5)]),
        ("Unidad de destino", [(s(data.unit), "", 9.5)]),
        (
            "Remitente",
            [
                (s(data.filer_name), "B", 9.5),
                (s(f"{data.filer_doc} · {data.filer_kind}", multiline=False), "", 9),
            ],
        ),
        ("Asunto", [(s(data.subject), "", 9.5)]),
        (
            "Plazo de atención",
            [(_date_es(data.due_on) if data.due_on else "No aplica", "", 9.5)],
        ),
        ("Folios", [(str(data.folios), "", 9.5)]),
    ]


def _file_block(pdf: _ReceiptPDF, index: int, f: ReceiptFile) -> None:
    num_w, meta_w, hash_label_w = 8.0, 42.0, 17.0
    body_w = pdf.epw - num_w
    x0 = pdf.l_margin
    pad = 1.6
    label = pdf.para(pdf_safe(f.label, multiline=False), body_w - meta_w, 9, "B", lh=4.4)
    name = pdf.para(pdf_safe(f.filename, multiline=False), body_w, 8.5, lh=4.2)
    digest = pdf.para(
        pdf_safe(f.sha256, multiline=False).strip(),
        body_w - hash_label_w,
        7.5,
        family="Courier",
        lh=3.6,
    )
    height = label.height + name.height + digest.height + 2 * pad + 0.6
    pdf.ensure_space(height)

    top = pdf.get_y() + pad
    pdf.set_xy(x0, top)
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_text_color(*_BRAND)
    pdf.cell(num_w, 4.4, f"{index}.")
    pdf.set_y(top)
    pdf.draw(label, x0 + num_w, body_w - meta_w)
    after_label = pdf.get_y()
    pdf.set_font("Helvetica", "", 8.5)
    pdf.set_text_color(*_MUTED)
    pdf.set_xy(x0 + num_w + body_w - meta_w, top)
    pdf.cell(meta_w, 4.4, f"{_pages_text(f.pages)} · {format_size(f.size)}", align="R")
    pdf.set_y(after_label)
    pdf.draw(name, x0 + num_w, body_w)
    pdf.ln(0.6)
    hash_top = pdf.get_y()
    pdf.set_x(x0 + num_w)
    pdf.set_font("Helvetica", "B", 7)
    pdf.set_text_color(*_MUTED)
    pdf.cell(hash_label_w, 3.6, "SHA-256:")
    pdf.set_y(hash_top)
    pdf.draw(digest, x0 + num_w + hash_label_w, body_w - hash_label_w)
    pdf.set_y(pdf.get_y() + pad)
    pdf.rule()


def _key_block(pdf: _ReceiptPDF, key: str) -> None:
    """The access key, large, in a framed box (the desk's printed copy only)."""
    note = pdf.para(DESK_KEY_NOTE, pdf.epw - 8, 8.5, lh=4.2)
    height = 6 + 11 + note.height + 5
    pdf.ensure_space(4 + height)
    pdf.ln(4)
    top = pdf.get_y()
    pdf.set_draw_color(*_BRAND)
    pdf.set_line_width(0.6)
    pdf.rect(pdf.l_margin, top, pdf.epw, height)
    pdf.set_xy(pdf.l_margin + 4, top + 3)
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_text_color(*_MUTED)
    pdf.cell(40, 5, "CLAVE DE ACCESO")
    pdf.set_xy(pdf.l_margin + 4, top + 8)
    pdf.set_font("Courier", "B", 20)
    pdf.set_text_color(*_INK)
    pdf.cell(pdf.epw - 8, 9, pdf_safe(key, multiline=False))
    pdf.set_y(top + 19)
    pdf.draw(note, pdf.l_margin + 4, pdf.epw - 8)
    pdf.set_y(top + height)


def _qr_block(pdf: _ReceiptPDF, url: str, *, desk_copy: bool = False) -> None:
    qr_size, gap = 34.0, 6.0
    text_w = pdf.epw - qr_size - gap
    caption = pdf.para(QR_CAPTION, text_w, 9.5, "B", lh=4.8)
    link = pdf.para(pdf_safe(url, multiline=False), text_w, 9, lh=4.4, color=_LINK, link=url)
    legal = LEGAL_NOTE.split(" Su clave")[0] if desk_copy else LEGAL_NOTE
    note = pdf.para(legal, text_w - 6, 8.5, lh=4.2)
    note_h = note.height + 6
    pdf.ensure_space(6 + max(qr_size, 2 + caption.height + link.height + 3 + note_h))
    pdf.ln(6)
    top = pdf.get_y()
    x0 = pdf.l_margin
    pdf.image(_qr_image(url), x=x0, y=top, w=qr_size, h=qr_size)
    tx = x0 + qr_size + gap
    pdf.set_y(top + 2)
    pdf.draw(caption, tx, text_w)
    pdf.draw(link, tx, text_w)
    pdf.ln(3)
    note_top = pdf.get_y()
    pdf.set_fill_color(*_SHADE)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    pdf.rect(tx, note_top, text_w, note_h, style="DF")
    pdf.set_y(note_top + 3)
    pdf.draw(note, tx + 3, text_w - 6)
    pdf.set_y(max(top + qr_size, note_top + note_h))


SEAL_BAND_MM = 56.0


def render_receipt_pdf(data: ReceiptData, *, access_key: str = "") -> bytes:
    """Render the filing receipt of ``data`` as PDF bytes (A4 portrait, Spanish). With
    ``access_key``: the copy the desk prints for the citizen, the key in a box (never sealed nor
    filed: the sealed original carries no key)."""
    _check_tracking_url(data.tracking_url)
    number = pdf_safe(data.number, multiline=False)
    institution = pdf_safe(data.institution, multiline=False)

    pdf = _ReceiptPDF(footer_text=f"Cargo de recepción · Expediente N° {number}")
    pdf.set_margins(_MARGIN, 16, _MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(meta_safe(f"Cargo de recepción {data.number}"))
    pdf.set_author(meta_safe(data.institution))
    pdf.set_subject(meta_safe(f"Cargo de recepción del expediente N° {data.number}"))
    pdf.set_creator("Trámite Digital")
    pdf.set_lang("es-PE")
    received_utc = data.received_at
    if received_utc.tzinfo is None:
        received_utc = received_utc.replace(tzinfo=UTC)
    pdf.set_creation_date(received_utc)  # same data -> same bytes
    pdf.add_page()

    # Header: institution, document title, case number.
    pdf.set_fill_color(*_BRAND)
    pdf.rect(0, 0, pdf.w, 5, style="F")
    pdf.set_y(14)
    pdf.draw(pdf.para(institution.upper(), pdf.epw, 15, "B", lh=6.6, color=_BRAND), pdf.l_margin, pdf.epw)
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(*_MUTED)
    pdf.cell(pdf.epw, 5, "Trámite Digital · Mesa de Partes", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.rule(_BRAND, 0.6)
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.set_text_color(*_INK)
    title = "CARGO DE RECEPCIÓN" + (f" — {DESK_COPY_TITLE.upper()}" if access_key else "")
    pdf.cell(pdf.epw, 6, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.draw(pdf.para(f"Expediente N° {number}", pdf.epw, 20, "B", lh=9.5, color=_BRAND), pdf.l_margin, pdf.epw)
    pdf.ln(1)
    if access_key:
        _key_block(pdf, access_key)

    pdf.section_title("Datos de la presentación")
    for label, parts in _details(data):
        pdf.field(label, parts)

    n = len(data.files)
    pdf.section_title(f"Documentos presentados ({n} {'archivo' if n == 1 else 'archivos'})")
    for i, f in enumerate(data.files, start=1):
        _file_block(pdf, i, f)

    _qr_block(pdf, data.tracking_url, desk_copy=bool(access_key))
    # The bottom of the last page stays free for the institution's seal (placed by the signing
    # code 48 pt from the bottom, 100 pt high: see signing/stamp.py), above the footer.
    # The desk's copy is printed, never sealed: no band to keep.
    if not access_key and pdf.get_y() > pdf.h - SEAL_BAND_MM:
        pdf.add_page()
    return bytes(pdf.output())
