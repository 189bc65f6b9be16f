"""The visible stamp of a PAdES signature: QR code to the verification page and the legend.

On ``stamp_page`` (default last page): QR code to ``verify_url`` and the text "Firmado digitalmente
por <name> en el marco de la Ley N° 27269 — Verificable en <URL>", the reason ("Motivo") and the
date (Lima time). ``role="firma"``: 280×100 pt; ``role="visto_bueno"``: 230×80 pt, smaller type.
Without an explicit box the stamp goes to the first free slot from the bottom-right corner
leftwards, then one row up, avoiding every existing annotation on the page, so successive stamps
never overlap. Page rotation is not taken into account. The field name defaults to "Firma-<n>" /
"VistoBueno-<n>" (n = signature fields + 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import qrcode
import qrcode.constants
from pyhanko.pdf_utils import content, generic, layout
from pyhanko.pdf_utils.font.api import ShapeResult
from pyhanko.pdf_utils.font.basic import COURIER_META, SimpleFontEngine, SimpleFontEngineFactory
from pyhanko.pdf_utils.qr import PdfStreamQRImage
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import init_xobject_dictionary
from pyhanko.sign import fields
from pyhanko.stamp import BaseStamp, BaseStampStyle

from sgd_app.domain.signing.terms import LEGAL_BASIS, PERU_TZ, SIGNATURE_ROLES

__all__ = ["STYLES", "auto_box", "next_field_name", "stamp_text"]


class _WinAnsiCourier(SimpleFontEngine):
    """Courier (standard 14 font, WinAnsiEncoding) that encodes text as cp1252, so "°", "—", "ñ"
    and accents render and extract correctly (pyhanko's default writes PDFDocEncoding / UTF-16)."""

    def shape(self, txt: str) -> ShapeResult:
        raw = txt.encode("cp1252", errors="replace")
        esc = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        return ShapeResult(graphics_ops=b"(" + esc + b") Tj", x_advance=len(txt) * self.avg_width, y_advance=0)


class _WinAnsiCourierFactory(SimpleFontEngineFactory):
    def __init__(self):
        super().__init__("Courier", 0.6, COURIER_META)

    def create_font_engine(self, writer, obj_stream=None):
        return _WinAnsiCourier(writer, self.name, self.avg_width, self.meta)


@dataclass(frozen=True)
class _StampGeometry:
    width: float
    height: float
    font_size: int  # nominal; the text block shrinks to fit, the QR code never does
    chars: int  # wrap width of the text column


_GEOMETRY = {
    "firma": _StampGeometry(280, 100, 7, 40),
    "visto_bueno": _StampGeometry(230, 80, 6, 38),
}
_MARGIN = 18.0  # from the page edges
# From the bottom edge: stamps start above the page footer ("… — página 1 de 1" sits 9–14 mm
# from the bottom on our documents and on most others).
_BOTTOM = 48.0
_GAP = 6.0  # between stamps
_PAD = 6.0  # inside a stamp: the text never touches the frame
_QR_BORDER = 2  # quiet zone in modules (the stamp's padding adds to it)
_QR_MASK = 0


def _qr_xobject(writer, url: str):
    """The QR code as a form XObject. A fixed mask pattern (any of the 8 is valid per
    ISO/IEC 18004) skips qrcode's best-mask search: 8 trial renderings, ~6 ms per signature."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=_QR_MASK, border=_QR_BORDER)
    qr.add_data(url)
    qr.make()
    img = qr.make_image(image_factory=PdfStreamQRImage)
    size = (qr.modules_count + 2 * qr.border) * qr.box_size
    xobj = init_xobject_dictionary(img.render_command_stream(), size, size)
    xobj.compress()
    return writer.add_object(xobj), size


class _SignatureStamp(BaseStamp):
    """QR code as tall as the stamp on the left, text block on the right. Unlike pyhanko's
    QRStamp (which shrinks QR and text together when the text is wide, e.g. a long URL), only the
    text shrinks here: the QR code keeps its size so it stays scannable."""

    def __init__(self, writer, style, box, url: str, text: str):
        super().__init__(writer=writer, style=style, box=box)
        self.url, self.text = url, text

    def _render_inner_content(self):
        box = self.box
        qr_ref, natural = _qr_xobject(self.writer, self.url)
        self.set_resource(category=content.ResourceType.XOBJECT, name=generic.pdf_name("/QR"), value=qr_ref)
        qr_size = box.height - 2 * _PAD
        scale = qr_size / natural
        commands = [b"q %g 0 0 %g %g %g cm /QR Do Q" % (scale, scale, _PAD, _PAD)]
        tb = TextBox(self.style.text_box_style, writer=self.writer, resources=self.resources, box=None)
        tb.content = self.text
        text_commands = tb.render()
        avail_w = box.width - qr_size - 3 * _PAD
        avail_h = box.height - 2 * _PAD
        s = min(1.0, avail_w / tb.box.width, avail_h / tb.box.height)
        x = qr_size + 2 * _PAD
        y = _PAD + (avail_h - tb.box.height * s) / 2
        commands += [b"q %g 0 0 %g %g %g cm" % (s, s, x, y), text_commands, b"Q"]
        return commands


@dataclass(frozen=True)
class _StampStyle(BaseStampStyle):
    text_box_style: TextBoxStyle = field(default_factory=TextBoxStyle)

    def create_stamp(self, writer, box, text_params):
        return _SignatureStamp(writer, self, box, url=text_params["url"], text=text_params["legend"])


def _style(role: str) -> _StampStyle:
    g = _GEOMETRY[role]
    return _StampStyle(
        text_box_style=TextBoxStyle(
            font=_WinAnsiCourierFactory(),
            font_size=g.font_size,
            leading=g.font_size + 1,
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins.uniform(0),
                inner_content_scaling=layout.InnerScaling.NO_SCALING,
            ),
        ),
        border_width=1,
        border_color=(0.35, 0.35, 0.35),
        background=None,
    )


STYLES = {role: _style(role) for role in SIGNATURE_ROLES}


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap that never breaks a word (URLs stay on one line and shrink the stamp)."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines


def stamp_text(*, signer_name: str, reason: str, verify_url: str, when: datetime, role: str = "firma") -> str:
    """The text of the visible stamp. Read with whitespace collapsed, it starts with the legend
    "Firmado digitalmente por <name> en el marco de la Ley N° 27269 — Verificable en <URL>"."""
    g = _GEOMETRY[role]
    lines = ["Firmado digitalmente por"]
    lines += _wrap(signer_name, g.chars)
    lines.append(f"en el marco de la {LEGAL_BASIS} —")
    lines.append("Verificable en")
    lines.append(verify_url)  # never wrapped: a long URL shrinks the stamp's content instead
    if reason:
        lines += _wrap(f"Motivo: {reason}", g.chars)
    lines.append("Fecha: " + when.astimezone(PERU_TZ).strftime("%d/%m/%Y %H:%M:%S") + " (UTC-05:00)")
    return "\n".join(lines)


def _rect(obj) -> tuple[float, float, float, float] | None:
    try:
        x1, y1, x2, y2 = (float(v) for v in obj)
    except (TypeError, ValueError):
        return None
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def auto_box(reader: PdfFileReader, page_ix: int, role: str) -> tuple[int, int, int, int]:
    page_ref, _ = reader.find_page_for_modification(page_ix)
    page = page_ref.get_object()
    node, box = page, None
    while node is not None and box is None:
        box = node.get("/CropBox") or node.get("/MediaBox")
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    px1, py1, px2, py2 = _rect(box) or (0.0, 0.0, 595.0, 842.0)
    taken = []
    for annot in page.get("/Annots", generic.ArrayObject()) or ():
        r = _rect(annot.get_object().get("/Rect"))
        if r is not None:
            taken.append(r)
    g = _GEOMETRY[role]
    y = py1 + _BOTTOM
    first = None
    while y + g.height <= py2 - _MARGIN:
        x = px2 - _MARGIN - g.width
        while x >= px1 + _MARGIN:
            cand = (x, y, x + g.width, y + g.height)
            first = first or cand
            if not any(_overlaps(cand, t) for t in taken):
                return tuple(round(v) for v in cand)  # type: ignore[return-value]
            x -= g.width + _GAP
        y += g.height + _GAP
    # page full of stamps: fall back to the bottom-right slot
    cand = first or (px1, py1, px1 + g.width, py1 + g.height)
    return tuple(round(v) for v in cand)  # type: ignore[return-value]


def next_field_name(reader: PdfFileReader, role: str) -> tuple[str, set[str]]:
    existing = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    prefix = "Firma" if role == "firma" else "VistoBueno"
    n = len(existing) + 1
    while f"{prefix}-{n}" in existing:
        n += 1
    return f"{prefix}-{n}", existing
