"""What a stored PDF needs.

* ``"firmado"``: it has a digital signature (a signature field with a value). Its text is only
  extracted; it is never OCRed nor rewritten, so it stays valid.
* ``"digital"``: every page either has extractable text or no picture at all: text extraction.
* ``"escaneado"``: at least one page is a picture without text: OCR. Pages that already have text
  are left as they are (``--skip-text``), or, when the scanned pages carry a little text of their
  own (a scanner's stamp, an old OCR layer), their text layer is redone (``--redo-ocr``).
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from sgd_app.domain.digitize.failures import Permanent
from sgd_app.domain.digitize.pdftext import extract_pages
from sgd_app.domain.digitize.vocabulary import DIGITAL, ERR_NOT_PDF, SCANNED, SIGNED
from sgd_app.domain.errors import InvalidInput

MIN_TEXT_CHARS = 32  # a page with fewer visible characters and a picture is a scan


@dataclass(frozen=True)
class Analysis:
    """What a PDF is, with its text per page (read once, reused when it needs no OCR)."""

    kind: str  # firmado / digital / escaneado
    pages: int
    page_texts: tuple[str, ...]
    needs_ocr: tuple[bool, ...]  # per page: a picture without text


def _visible_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def _has_signature(pdf: pikepdf.Pdf) -> bool:
    """A signature field (/FT /Sig, possibly inherited) with a value (/V): a signature or a
    document timestamp. The field tree is walked with a cap and a guard against cycles."""
    acro = pdf.Root.get("/AcroForm")
    if acro is None or not isinstance(acro, pikepdf.Dictionary):
        return False
    fields = acro.get("/Fields")
    if fields is None or not isinstance(fields, pikepdf.Array):
        return False
    pending: list[tuple[object, str | None]] = [(f, None) for f in fields]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while pending and visited < 10_000:
        node, inherited_ft = pending.pop()
        visited += 1
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        ft = node.get("/FT")
        ft_name = str(ft) if isinstance(ft, pikepdf.Name) else inherited_ft
        if ft_name == "/Sig" and node.get("/V") is not None:
            return True
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            pending.extend((k, ft_name) for k in kids)
    return False


def _xobject_has_image(resources, depth: int = 0) -> bool:
    if not isinstance(resources, pikepdf.Dictionary) or depth > 3:
        return False
    xobjects = resources.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary):
        return False
    for key in list(xobjects.keys())[:500]:
        xo = xobjects.get(key)
        if not isinstance(xo, pikepdf.Stream):
            continue
        subtype = xo.get("/Subtype")
        if subtype == pikepdf.Name.Image:
            return True
        if subtype == pikepdf.Name.Form and _xobject_has_image(xo.get("/Resources"), depth + 1):
            return True
    return False


def _page_images(pdf: pikepdf.Pdf) -> list[bool]:
    return [_xobject_has_image(page.obj.get("/Resources")) for page in pdf.pages]


def analyse(data: bytes, workdir: Path) -> Analysis:
    """Raises ``Permanent`` when the bytes are not a readable PDF."""
    try:
        pdf = pikepdf.Pdf.open(io.BytesIO(data))
    except Exception:
        raise Permanent(ERR_NOT_PDF) from None
    with pdf:
        signed = _has_signature(pdf)
        images = _page_images(pdf)
    pages = len(images)
    texts = extract_pages(data, workdir, pages=pages)
    needs = tuple(img and _visible_chars(txt) < MIN_TEXT_CHARS for txt, img in zip(texts, images, strict=False))
    if signed:
        kind = SIGNED
    elif any(needs):
        kind = SCANNED
    else:
        kind = DIGITAL
    return Analysis(kind=kind, pages=pages, page_texts=tuple(texts), needs_ocr=needs)


def classify(pdf_bytes: bytes) -> str:
    """``"firmado"`` (a signature or document timestamp), ``"digital"`` (every page has text or
    no picture) or ``"escaneado"`` (some page is a picture without text). Raises ``InvalidInput``
    when the bytes are not a readable PDF."""
    with tempfile.TemporaryDirectory(prefix="sgd-clasificar-") as tmp:
        try:
            return analyse(pdf_bytes, Path(tmp)).kind
        except Permanent as exc:
            raise InvalidInput("archivo", exc.message) from None


def ocr_mode(analysis: Analysis) -> str:
    """--skip-text leaves pages that have text alone; when a page to OCR already carries some
    text (a scanner's stamp, a poor OCR layer), --redo-ocr replaces that layer instead."""
    partial = any(
        need and _visible_chars(txt) > 0 for need, txt in zip(analysis.needs_ocr, analysis.page_texts, strict=False)
    )
    return "redo" if partial else "skip"
