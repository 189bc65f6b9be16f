"""Scans at the desk: JPG / PNG / TIFF images (multi-page TIFF too) to one PDF with img2pdf.

Lossless: a JPEG is embedded as it is; a PNG with transparency is first flattened on white with
Pillow. The type is sniffed from the magic bytes, never from the file name; sizes, page counts and
pixel counts are bounded (decompression bombs are refused before decoding). The result is screened
like any other PDF (``documents.screen_pdf``) and becomes the original.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import img2pdf
from PIL import Image, ImageOps

from sgd_app.domain.documents import LATE_SIGNATURE_WINDOW, MSG_NO_SIGNATURE, PDF_SIGNATURE, screen_pdf
from sgd_app.domain.errors import InvalidInput

# ---------------------------------------------------------------- messages (es-PE)
MSG_NO_IMAGES = "Adjunte al menos una imagen escaneada."
MSG_NOT_IMAGE = "El archivo {n} no es una imagen JPG, PNG o TIFF."
MSG_PDF_AMONG_IMAGES = (
    "El archivo {n} es un PDF: súbalo directamente como documento; aquí solo se reúnen imágenes JPG, PNG o TIFF."
)
MSG_BAD_IMAGE = "La imagen {n} está dañada o incompleta; vuelva a escanearla."
MSG_IMAGE_TOO_LARGE = "La imagen {n} tiene demasiados píxeles ({mpx} megapíxeles); escanee a 300 ppp."
MSG_TOO_MANY_PAGES = "Las imágenes suman más de {limit} páginas."
MSG_TOO_MANY_PIXELS = "Las imágenes suman demasiados píxeles; escanee a 300 ppp o en escala de grises."
MSG_IMAGES_TOO_BIG = "Las imágenes superan el tamaño máximo de {limit}."
MSG_EMPTY_IMAGE = "El archivo {n} está vacío."

# ---------------------------------------------------------------- limits
MAX_SCAN_BYTES = 20 * 1024 * 1024  # the desk's main-file limit (intake.MAX_MAIN_BYTES)
MAX_SCAN_PAGES = 300
_DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's default Image.MAX_IMAGE_PIXELS
MAX_TOTAL_PIXELS = 2_000_000_000  # across the pages of one assembly (≈ 230 A4 pages at 300 ppp)
_A4 = (595.28, 841.89)  # points
_MAX_PAGE_PT = 1190.55  # A3's long side: larger pages at the stated resolution are fitted to A4
_MIN_PAGE_PT = 144.0  # two inches


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"II*\x00") or data.startswith(b"MM\x00*"):
        return "tiff"
    if data.startswith(PDF_SIGNATURE):
        return "pdf"
    if PDF_SIGNATURE in data[:LATE_SIGNATURE_WINDOW]:
        return "late-pdf"  # a PDF behind something else (e.g. an HTML page): a polyglot
    return None


def _mb(n: int) -> str:
    mib = 1024 * 1024
    return f"{n // mib} MB" if n % mib == 0 else f"{n / mib:.1f} MB"


def _layout(imgwidthpx: int, imgheightpx: int, ndpi: tuple[float, float]):
    """img2pdf layout: the page has the image's physical size at its stated resolution, unless
    that is absurd (no resolution in the file, a phone photo at 72 ppp): then fit into A4."""
    xdpi, ydpi = (ndpi[0] or 96), (ndpi[1] or 96)
    w, h = imgwidthpx * 72.0 / xdpi, imgheightpx * 72.0 / ydpi
    if min(w, h) >= _MIN_PAGE_PT and max(w, h) <= _MAX_PAGE_PT:
        return w, h, w, h
    page_w, page_h = _A4 if imgheightpx >= imgwidthpx else (_A4[1], _A4[0])
    scale = min(page_w / imgwidthpx, page_h / imgheightpx)
    iw, ih = imgwidthpx * scale, imgheightpx * scale
    return page_w, page_h, iw, ih


def assemble_pdf(
    images: Sequence[bytes], *, max_bytes: int = MAX_SCAN_BYTES, max_pages: int | None = None, field: str = "archivo"
) -> bytes:
    """JPG / PNG / TIFF scans, in order, as one PDF (one page per image or TIFF frame).

    Raises ``InvalidInput(field, <Spanish message>)`` for anything else (the type is sniffed,
    never taken from the name), for damaged images, too many pages (``MAX_SCAN_PAGES``), too many
    pixels (Pillow's ``MAX_IMAGE_PIXELS`` per page, ``MAX_TOTAL_PIXELS`` in all) or more than
    ``max_bytes`` in or out. The PDF returned has passed ``documents.screen_pdf``.
    """
    max_pages = MAX_SCAN_PAGES if max_pages is None else max_pages
    if not images:
        raise InvalidInput(field, MSG_NO_IMAGES)
    if sum(len(b) for b in images) > max_bytes:
        raise InvalidInput(field, MSG_IMAGES_TOO_BIG.format(limit=_mb(max_bytes)))
    page_limit_px = Image.MAX_IMAGE_PIXELS or _DEFAULT_MAX_PIXELS
    pages = 0
    total_px = 0
    parts: list[bytes] = []
    for n, data in enumerate(images, start=1):
        if not data:
            raise InvalidInput(field, MSG_EMPTY_IMAGE.format(n=n))
        kind = _sniff(data)
        if kind == "pdf":
            raise InvalidInput(field, MSG_PDF_AMONG_IMAGES.format(n=n))
        if kind == "late-pdf":
            raise InvalidInput(field, MSG_NO_SIGNATURE)
        if kind is None:
            raise InvalidInput(field, MSG_NOT_IMAGE.format(n=n))
        frames: list[tuple[int, int, str, bool]] = []  # width, height, mode, transparency
        try:
            # Pillow only reads the header here (and refuses beyond 2 × MAX_IMAGE_PIXELS itself).
            with Image.open(io.BytesIO(data), formats=[kind.upper()]) as im:
                count = getattr(im, "n_frames", 1) if kind == "tiff" else 1
                if pages + count > max_pages:
                    raise InvalidInput(field, MSG_TOO_MANY_PAGES.format(limit=max_pages))
                for i in range(count):  # headers only: nothing is decoded yet
                    im.seek(i)
                    w, h = im.size
                    if w <= 0 or h <= 0:
                        raise InvalidInput(field, MSG_BAD_IMAGE.format(n=n))
                    if w * h > page_limit_px:
                        raise InvalidInput(field, MSG_IMAGE_TOO_LARGE.format(n=n, mpx=round(w * h / 1e6)))
                    total_px += w * h
                    if total_px > MAX_TOTAL_PIXELS:
                        raise InvalidInput(field, MSG_TOO_MANY_PIXELS)
                    frames.append((w, h, im.mode, "transparency" in im.info))
                for i in range(count):  # then decode every frame once: damaged data shows here
                    im.seek(i)
                    im.load()
        except InvalidInput:
            raise
        except Image.DecompressionBombError:
            raise InvalidInput(
                field, MSG_IMAGE_TOO_LARGE.format(n=n, mpx=f"más de {page_limit_px // 1_000_000}")
            ) from None
        except Exception:
            raise InvalidInput(field, MSG_BAD_IMAGE.format(n=n)) from None
        pages += len(frames)
        direct = kind == "jpeg" and frames[0][2] in ("L", "RGB", "CMYK")
        if kind in ("png", "tiff"):
            direct = all(mode in ("1", "L", "P", "RGB") and not transparent for _, _, mode, transparent in frames)
        converted = False
        if direct:
            try:  # validate this one image through img2pdf as it is (lossless embedding)
                img2pdf.convert(data, layout_fun=_layout, rotation=img2pdf.Rotation.ifvalid)
                parts.append(data)
                converted = True
            except Exception:
                converted = False
        if not converted:
            try:
                parts.extend(_flatten_frames(data, kind))
            except Exception:
                raise InvalidInput(field, MSG_BAD_IMAGE.format(n=n)) from None
    try:
        pdf = img2pdf.convert(*parts, layout_fun=_layout, rotation=img2pdf.Rotation.ifvalid)
    except Exception:
        raise InvalidInput(field, MSG_BAD_IMAGE.format(n=1 if len(images) == 1 else "reunida")) from None
    if len(pdf) > max_bytes:
        raise InvalidInput(field, MSG_IMAGES_TOO_BIG.format(limit=_mb(max_bytes)))
    screen_pdf(pdf, max_bytes=max_bytes, field=field)
    return pdf


def _flatten_frames(data: bytes, kind: str) -> list[bytes]:
    """Every frame as a lossless PNG img2pdf accepts: transparency flattened on white, 16-bit
    and float greys to 8 bits, CMYK and palettes with alpha to RGB. The resolution is kept."""
    out: list[bytes] = []
    with Image.open(io.BytesIO(data), formats=[kind.upper()]) as im:
        count = getattr(im, "n_frames", 1) if kind == "tiff" else 1
        for i in range(count):
            im.seek(i)
            frame = ImageOps.exif_transpose(im) if kind == "jpeg" else im.copy()
            dpi = im.info.get("dpi")
            if frame.mode == "P":
                frame = frame.convert("RGBA" if "transparency" in frame.info else "RGB")
            if frame.mode in ("LA", "PA", "RGBA", "La", "RGBa"):
                rgba = frame.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                frame = flat
            elif frame.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
                frame = (
                    frame.convert("I").point(lambda v: v / 256).convert("L")
                    if frame.mode != "F"
                    else frame.convert("L")
                )
            elif frame.mode not in ("1", "L", "RGB"):
                frame = frame.convert("RGB")
            buf = io.BytesIO()
            kwargs = {"dpi": tuple(float(d) for d in dpi)} if dpi else {}
            frame.save(buf, "PNG", **kwargs)
            out.append(buf.getvalue())
    return out
