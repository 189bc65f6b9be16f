"""Digitisation (issue 7): scans to PDF, text extraction or OCR, and a durable background queue.

Plain Python: no reflex import here or anywhere in domain/.

Scans at the desk
=================
``assemble_pdf(images)`` turns JPG / PNG / TIFF scans (multi-page TIFF too) into one PDF with
img2pdf, losslessly (a JPEG is embedded as it is; a PNG with transparency is first flattened on
white with Pillow). The type is sniffed from the magic bytes, never from the file name; sizes,
page counts and pixel counts are bounded (decompression bombs are refused before decoding). The
result is screened like any other PDF (``documents.screen_pdf``) and becomes the original.

What a PDF needs
================
``classify(pdf)`` says what to do with a stored PDF:

* ``"firmado"``: it has a digital signature (a signature field with a value). Its text is only
  extracted (poppler's ``pdftotext``); it is never OCRed nor rewritten, so it stays valid.
* ``"digital"``: every page either has extractable text or no picture at all: text extraction.
* ``"escaneado"``: at least one page is a picture without text: OCR (ocrmypdf + tesseract,
  Spanish). Pages that already have text are left as they are (``--skip-text``), or, when the
  scanned pages carry a little text of their own (a scanner's stamp, an old OCR layer), their
  text layer is redone (``--redo-ocr``). The OCRed copy is a *derivative*, stored apart in the
  FileStore (``DocumentText.searchable_sha256``); the original file is never replaced.

The queue
=========
One :class:`DigitizeJob` per document (unique), statuses ``pendiente`` → ``procesando`` →
``listo`` | ``error``.

* ``enqueue(session, document_id)`` (or ``enqueue_case`` / ``enqueue_missing``) writes the job in
  the caller's transaction: it exists if and only if the document was committed.
* ``run_next(engine, store)`` claims one due job in a short write transaction with a conditional
  ``UPDATE ... WHERE id = ? AND <row still as read>`` and a random ``claim_token``: two workers
  (threads, processes, hosts; SQLite or PostgreSQL) never both get it. The work itself happens
  outside any transaction; progress and stage (Spanish, for the UI) are written as it goes, each
  write renewing the lease (``lease_until``), and a heartbeat renews it during long pages. Every
  write is guarded by the claim token, so a worker that lost its lease can never overwrite the
  result of the one that took over. The result (``DocumentText``, then
  ``search.index_document`` when that function exists) and the job's ``listo`` are written in one
  short transaction.
* A failure is retried after a back-off (1, 2, 4 ... ≤ 30 min) up to ``MAX_ATTEMPTS`` attempts,
  then the job is ``error`` with a Spanish ``last_error``; a broken file is ``error`` at once.
* A job left ``procesando`` by a crash (process killed, machine restarted) is taken over once its
  lease expires: the queue survives a restart. A job interrupted ``MAX_ATTEMPTS`` times is
  ``error``. When the app shuts down cleanly the running job is given back at once.
* ``progress(session, document_ids)`` gives the UI status, percentage and stage per document.
* ``worker_loop()`` is the background worker: register it once per app process with
  ``app.register_lifespan_task(digitize.worker_loop)``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
from sqlalchemy import and_, insert, literal, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from sgd_app import db
from sgd_app.domain.documents import FileStore, screen_pdf
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import DigitizeJob, Document, DocumentText, utcnow

log = logging.getLogger("sgd.digitize")

# ---------------------------------------------------------------- statuses and stages (es-PE)
PENDING = "pendiente"
PROCESSING = "procesando"
DONE = "listo"
ERROR = "error"
STATUSES = (PENDING, PROCESSING, DONE, ERROR)

SIGNED = "firmado"
DIGITAL = "digital"
SCANNED = "escaneado"

METHOD_TEXT = "texto"
METHOD_OCR = "ocr"
METHOD_NONE = "ninguno"

STAGE_QUEUED = "En cola"
STAGE_READING = "Leyendo el documento"
STAGE_ANALYSING = "Analizando las páginas"
STAGE_EXTRACTING = "Extrayendo el texto"
STAGE_OCR = "Reconociendo texto (página {page} de {pages})"
STAGE_FINISHING_OCR = "Preparando el PDF con texto"
STAGE_SAVING = "Guardando"
STAGE_DONE = "Listo"
STAGE_RETRY = "Se reintentará (intento {attempt} de {attempts})"
STAGE_ERROR = "No se pudo procesar"

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

ERR_MISSING_FILE = "El archivo del documento no se encuentra en el almacén de originales."
ERR_HASH = "El archivo almacenado no coincide con su huella SHA-256; no se procesó."
ERR_NOT_PDF = "El archivo no es un PDF válido."
ERR_OCR_TIMEOUT = "El reconocimiento de texto (OCR) superó el tiempo máximo de {seconds} s."
ERR_OCR_FAILED = "El reconocimiento de texto (OCR) falló: {detail}"
ERR_OCR_OUTPUT = "El reconocimiento de texto (OCR) produjo un PDF inválido."
ERR_EXTRACT = "No se pudo extraer el texto del PDF: {detail}"
ERR_TOOL = (
    "Falta un programa en el servidor ({detail}); instale tesseract-ocr, tesseract-ocr-spa, "
    "ghostscript y poppler-utils."
)
ERR_INTERRUPTED = "El procesamiento se interrumpió {n} veces (reinicio o falta de memoria del servidor)."
ERR_UNEXPECTED = "Error inesperado al procesar el documento: {detail}"

# ---------------------------------------------------------------- limits and timings
MAX_SCAN_BYTES = 20 * 1024 * 1024  # the desk's main-file limit (intake.MAX_MAIN_BYTES)
MAX_SCAN_PAGES = 300
_DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's default Image.MAX_IMAGE_PIXELS
MAX_TOTAL_PIXELS = 2_000_000_000  # across the pages of one assembly (≈ 230 A4 pages at 300 ppp)
MIN_TEXT_CHARS = 32  # a page with fewer visible characters and a picture is a scan
MAX_TEXT_CHARS = 1_000_000  # stored text per document

MAX_ATTEMPTS = 3
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 30 * 60
LEASE_SECONDS = 300.0  # renewed by every progress write and every HEARTBEAT_SECONDS
HEARTBEAT_SECONDS = 20.0
OCR_TIMEOUT_BASE = 60.0  # seconds, plus per page:
OCR_TIMEOUT_PER_PAGE = 90.0
OCR_TIMEOUT_MAX = 3 * 3600.0
TESSERACT_PAGE_TIMEOUT = 180.0
EXTRACT_TIMEOUT = 120.0
OCR_LANGUAGE = "spa"
IDLE_SECONDS = 5.0  # worker_loop: pause when the queue is empty

_CLAIM_SCAN = 20
_A4 = (595.28, 841.89)  # points
_MAX_PAGE_PT = 1190.55  # A3's long side: larger pages at the stated resolution are fitted to A4
_MIN_PAGE_PT = 144.0  # two inches


_t = DigitizeJob.__table__
_c = _t.c
_MAX_STAGE = _c.stage.type.length
_MAX_ERROR = _c.last_error.type.length


def _utc(dt: datetime | None) -> datetime | None:
    """Aware UTC (SQLite hands back naive datetimes: they are stored as UTC)."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _one_line(text: str, limit: int = _MAX_ERROR) -> str:
    return " ".join(str(text).split())[:limit]


# =============================================================================================
# Scans → PDF
# =============================================================================================
def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"II*\x00") or data.startswith(b"MM\x00*"):
        return "tiff"
    if b"%PDF-" in data[:1024]:
        return "pdf"
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
    import img2pdf
    from PIL import Image

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
    from PIL import Image, ImageOps

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


# =============================================================================================
# What a PDF is, and its text
# =============================================================================================
@dataclass(frozen=True)
class _Analysis:
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


def _analyse(data: bytes, workdir: Path) -> _Analysis:
    try:
        pdf = pikepdf.Pdf.open(io.BytesIO(data))
    except Exception:
        raise _Permanent(ERR_NOT_PDF) from None
    with pdf:
        signed = _has_signature(pdf)
        images = _page_images(pdf)
    pages = len(images)
    texts = _extract_pages(data, workdir, pages=pages)
    needs = tuple(img and _visible_chars(txt) < MIN_TEXT_CHARS for txt, img in zip(texts, images))
    if signed:
        kind = SIGNED
    elif any(needs):
        kind = SCANNED
    else:
        kind = DIGITAL
    return _Analysis(kind=kind, pages=pages, page_texts=tuple(texts), needs_ocr=needs)


def classify(pdf_bytes: bytes) -> str:
    """``"firmado"`` (a signature or document timestamp), ``"digital"`` (every page has text or
    no picture) or ``"escaneado"`` (some page is a picture without text). Raises ``InvalidInput``
    when the bytes are not a readable PDF."""
    with tempfile.TemporaryDirectory(prefix="sgd-clasificar-") as tmp:
        try:
            return _analyse(pdf_bytes, Path(tmp)).kind
        except _Permanent as exc:
            raise InvalidInput("archivo", exc.message) from None


def extract_text(pdf_bytes: bytes) -> str:
    """The text of a PDF, pages separated by a blank line, without OCR and without changing it."""
    with tempfile.TemporaryDirectory(prefix="sgd-texto-") as tmp:
        return _join_pages(_extract_pages(pdf_bytes, Path(tmp)))


def _extract_pages(data: bytes, workdir: Path, *, pages: int | None = None) -> list[str]:
    """Text per page: poppler's pdftotext (subprocess, with a timeout) or, without poppler,
    pypdfium2 (installed with ocrmypdf)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return _extract_pages_pdfium(data)
    src = workdir / f"texto-{secrets.token_hex(4)}.pdf"
    src.write_bytes(data)
    try:
        proc = subprocess.run(
            [exe, "-q", "-enc", "UTF-8", str(src), "-"],
            capture_output=True,
            timeout=EXTRACT_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise _Retryable(ERR_EXTRACT.format(detail=f"más de {int(EXTRACT_TIMEOUT)} s")) from None
    finally:
        src.unlink(missing_ok=True)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"código {proc.returncode}"
        raise _Retryable(ERR_EXTRACT.format(detail=_one_line(detail, 200)))
    chunks = proc.stdout.decode("utf-8", "replace").split("\f")
    if chunks and not chunks[-1].strip():
        chunks = chunks[:-1]  # pdftotext ends every page with a form feed
    if pages is not None:
        chunks = (chunks + [""] * pages)[:pages]
    return chunks


def _extract_pages_pdfium(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except Exception as exc:
        raise _Retryable(ERR_EXTRACT.format(detail=_one_line(exc, 200))) from None
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()


_CONTROL = {c: None for c in range(32) if c not in (9, 10)}
_CONTROL[12] = "\n"


def _clean(text: str) -> str:
    """No NUL (PostgreSQL refuses it) nor other control characters; NFC; bounded length."""
    text = unicodedata.normalize("NFC", text.translate(_CONTROL).replace("\x7f", ""))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()[:MAX_TEXT_CHARS]


def _join_pages(pages: Iterable[str]) -> str:
    return _clean("\n\n".join(p.strip() for p in pages))


# =============================================================================================
# OCR (ocrmypdf in a child process, so it can be timed out and killed)
# =============================================================================================
# The child both runs ocrmypdf and, loaded again by ocrmypdf as a plugin (by file name), gives
# it a "progress bar" that prints one JSON line per update on stdout for the parent to read.
_OCR_SCRIPT = r"""
import json, sys
from ocrmypdf import hookimpl


class _Report:
    def __init__(self, *, total=None, desc=None, unit=None, disable=False, **kwargs):
        self.total, self.desc, self.unit, self.done = total, desc, unit, 0

    def __enter__(self):
        self._emit()
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1, *, completed=None):
        self.done = completed if completed is not None else self.done + n
        self._emit()

    def _emit(self):
        sys.stdout.write(json.dumps({"desc": self.desc, "unit": self.unit,
                                     "total": self.total, "done": self.done}) + "\n")
        sys.stdout.flush()


@hookimpl
def get_progressbar_class():
    return _Report


def main():
    src, dst, mode, language, page_timeout = sys.argv[1:6]
    import ocrmypdf
    try:
        code = ocrmypdf.ocr(
            # output_type "pdf": no PDF/A, so no Ghostscript pass (Debian's 10.0 is refused for it)
            src, dst, language=[language], output_type="pdf", optimize=0, mode=mode,
            rotate_pages=True, jobs=1, use_threads=True, progress_bar=True, plugins=[__file__],
            tesseract_timeout=float(page_timeout), invalidate_digital_signatures=False,
        )
    except Exception as exc:
        sys.stdout.write(json.dumps({"error": type(exc).__name__, "message": str(exc)[:400]}) + "\n")
        sys.stdout.flush()
        sys.exit(3)
    sys.exit(int(code))


if __name__ == "__main__":
    main()
"""

_EOF = object()


def _pump(stream, lines: queue.Queue) -> None:
    try:
        for raw in iter(stream.readline, b""):
            lines.put(raw)
    finally:
        lines.put(_EOF)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # ocrmypdf and its tesseract / gs children
    except (ProcessLookupError, PermissionError, OSError):
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _ocr_timeout(pages: int) -> float:
    return min(OCR_TIMEOUT_MAX, OCR_TIMEOUT_BASE + OCR_TIMEOUT_PER_PAGE * max(1, pages))


def _run_ocr(
    src: Path,
    dst: Path,
    *,
    mode: str,
    timeout: float,
    workdir: Path,
    on_event: Callable[[dict], None],
    tick: Callable[[], None],
) -> None:
    """Run ocrmypdf on ``src`` into ``dst``; ``on_event`` gets each progress report, ``tick`` is
    called about every half second (heartbeat; it may raise to abort). Raises _Retryable."""
    script = workdir / "_sgd_ocr.py"
    script.write_text(_OCR_SCRIPT, encoding="utf-8")
    env = dict(os.environ, OMP_THREAD_LIMIT="1", PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(workdir))
    errors_path = workdir / "ocr-stderr.txt"
    failure: dict = {}
    with open(errors_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(src), str(dst), mode, OCR_LANGUAGE, str(TESSERACT_PAGE_TIMEOUT)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=workdir,
            env=env,
            start_new_session=True,
        )
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True, name="sgd-ocr-progreso")
        reader.start()
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    raw = lines.get(timeout=0.5)
                except queue.Empty:
                    raw = None
                if raw is _EOF:
                    break
                if raw:
                    try:
                        event = json.loads(raw)
                    except ValueError:
                        event = None
                    if isinstance(event, dict):
                        if "error" in event:
                            failure = event
                        else:
                            on_event(event)
                tick()
                if time.monotonic() > deadline:
                    raise _Retryable(ERR_OCR_TIMEOUT.format(seconds=int(timeout)))
            code = proc.wait(timeout=max(5.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise _Retryable(ERR_OCR_TIMEOUT.format(seconds=int(timeout))) from None
        except BaseException:
            _kill(proc)
            raise
        finally:
            reader.join(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
    if code == 0 and dst.is_file():
        return
    name = failure.get("error", "")
    detail = failure.get("message", "") or _tail(errors_path) or f"código de salida {code}"
    if name == "MissingDependencyError":
        raise _Retryable(ERR_TOOL.format(detail=_one_line(detail, 200)))
    raise _Retryable(ERR_OCR_FAILED.format(detail=_one_line(f"{name + ': ' if name else ''}{detail}", 300)))


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return " ".join(kept)


# =============================================================================================
# The queue
# =============================================================================================
class _Failure(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Retryable(_Failure):
    """Worth another attempt later (timeouts, a missing program, a file not there yet...)."""


class _Permanent(_Failure):
    """Will fail the same way every time (not a PDF, checksum mismatch): error at once."""


class _Abandon(Exception):
    """Stop working on the job: the lease was lost, or the worker is shutting down."""


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: 1, 2, 4 ... ≤ 30 minutes."""
    exponent = min(max(0, attempts - 1), 20)
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))


def enqueue(session: Session, document_id: int) -> DigitizeJob | None:
    """Queue the text extraction / OCR of a document inside the caller's transaction.

    Idempotent: when the document already has a job nothing is written and None is returned (a
    concurrent insert of the same job is tolerated through a savepoint, so the caller's
    transaction goes on either way)."""
    found = session.execute(select(_c.id).where(_c.document_id == document_id)).first()
    if found is not None:
        return None
    job = DigitizeJob(
        document_id=document_id, status=PENDING, stage=STAGE_QUEUED, progress=0, attempts=0, next_attempt_at=utcnow()
    )
    nested = session.begin_nested()
    try:
        session.add(job)
        session.flush()
        nested.commit()
    except IntegrityError:
        nested.rollback()
        return None
    return job


_ENQUEUE_CASE = []


def _enqueue_case_stmt():
    """INSERT ... SELECT of the jobs of a case's documents that have none (built once: this runs
    in every filing)."""
    if not _ENQUEUE_CASE:
        from sqlalchemy import bindparam

        def const(value, column):
            return literal(value, type_=column.type)

        now = bindparam("now", type_=_c.next_attempt_at.type)
        missing = (
            select(
                Document.id,
                const(PENDING, _c.status),
                const(0, _c.progress),
                const(STAGE_QUEUED, _c.stage),
                const("", _c.kind),
                const("", _c.method),
                const(0, _c.attempts),
                now,
                const("", _c.claim_token),
                const("", _c.last_error),
                now,
                now,
            )
            .where(Document.expediente_id == bindparam("case_id"))
            .where(~select(_c.id).where(_c.document_id == Document.id).exists())
            .order_by(Document.id)
        )
        columns = [
            "document_id",
            "status",
            "progress",
            "stage",
            "kind",
            "method",
            "attempts",
            "next_attempt_at",
            "claim_token",
            "last_error",
            "created_at",
            "updated_at",
        ]
        _ENQUEUE_CASE.append(insert(_t).from_select(columns, missing).execution_options(preserve_rowcount=True))
    return _ENQUEUE_CASE[0]


def enqueue_case(session: Session, expediente_id: int, *, fresh: bool = False) -> int:
    """Queue, inside the caller's transaction, every document of a case that has no job yet (e.g.
    right after a filing, whose documents are inserted in bulk without ids coming back): one
    ``INSERT ... SELECT``; returns how many were queued."""
    params = {"case_id": expediente_id, "now": utcnow()}
    if fresh:  # a case created in this very transaction: nobody else can have queued its documents
        return max(0, session.connection().execute(_enqueue_case_stmt(), params).rowcount or 0)
    nested = session.begin_nested()
    try:
        queued = session.connection().execute(_enqueue_case_stmt(), params).rowcount
        nested.commit()
        return max(0, queued or 0)
    except IntegrityError:  # a concurrent enqueue of one of them: go one by one
        nested.rollback()
    ids = (
        session.execute(
            select(Document.id)
            .where(Document.expediente_id == expediente_id)
            .where(~select(_c.id).where(_c.document_id == Document.id).exists())
        )
        .scalars()
        .all()
    )
    return sum(1 for doc_id in ids if enqueue(session, doc_id) is not None)


def enqueue_missing(session: Session, *, limit: int = 500) -> int:
    """Queue documents that never had a job (documents stored before digitisation existed, or by
    a path that does not enqueue); at most ``limit`` per call; returns how many."""
    ids = (
        session.execute(
            select(Document.id)
            .where(~select(_c.id).where(_c.document_id == Document.id).exists())
            .where(~select(DocumentText.document_id).where(DocumentText.document_id == Document.id).exists())
            .order_by(Document.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return sum(1 for doc_id in ids if enqueue(session, doc_id) is not None)


def retry(session: Session, document_id: int) -> bool:
    """Give a job in ``error`` a fresh set of attempts (a "Reintentar" button); False when the
    document has no job in error."""
    result = session.execute(
        update(_t)
        .where(_c.document_id == document_id, _c.status == ERROR)
        .values(
            status=PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            lease_until=None,
            claim_token="",
            stage=STAGE_QUEUED,
            progress=0,
            updated_at=utcnow(),
        )
    )
    return result.rowcount == 1


def progress(session: Session, document_ids: Iterable[int]) -> dict[int, dict]:
    """For the UI: ``{document_id: {"status", "percent", "stage", "method", "error"}}`` for the
    documents that have a job (documents without one are absent)."""
    ids = sorted({int(i) for i in document_ids})
    out: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(_c.document_id, _c.status, _c.progress, _c.stage, _c.method, _c.last_error).where(
                _c.document_id.in_(ids[start : start + 500])
            )
        ).all()
        for r in rows:
            out[r.document_id] = {
                "status": r.status,
                "percent": 100 if r.status == DONE else max(0, min(100, int(r.progress or 0))),
                "stage": r.stage,
                "method": r.method,
                "error": r.last_error if r.status == ERROR else "",
            }
    return out


@dataclass(frozen=True)
class _Claimed:
    id: int
    document_id: int
    token: str
    attempts: int  # including this one
    expediente_id: int
    sha256: str
    signed: bool


def _claim(engine: Engine, now: datetime, lease_seconds: float) -> _Claimed | None:
    """Take one due job: pendiente and due, or procesando with an expired lease (a crash)."""
    due = (
        select(_c.id, _c.document_id, _c.status, _c.attempts, _c.claim_token)
        .where(
            or_(
                and_(_c.status == PENDING, _c.next_attempt_at <= now),
                and_(_c.status == PROCESSING, _c.lease_until < now),
            )
        )
        .order_by(_c.next_attempt_at, _c.id)
        .limit(_CLAIM_SCAN)
    )
    with db.write_session(engine) as s:
        conn = s.connection()
        for r in conn.execute(due).all():
            still = and_(
                _c.id == r.id, _c.status == r.status, _c.attempts == r.attempts, _c.claim_token == r.claim_token
            )
            if r.status == PROCESSING and r.attempts >= MAX_ATTEMPTS:
                conn.execute(
                    update(_t)
                    .where(still)
                    .values(
                        status=ERROR,
                        stage=STAGE_ERROR,
                        lease_until=None,
                        claim_token="",
                        last_error=ERR_INTERRUPTED.format(n=r.attempts),
                        finished_at=now,
                        updated_at=now,
                    )
                )
                continue
            token = secrets.token_hex(16)
            taken = conn.execute(
                update(_t)
                .where(still)
                .values(
                    status=PROCESSING,
                    attempts=r.attempts + 1,
                    claim_token=token,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    stage=STAGE_READING,
                    progress=0,
                    updated_at=now,
                )
            )
            if taken.rowcount != 1:
                continue  # another worker got it first
            doc = conn.execute(
                select(Document.expediente_id, Document.sha256, Document.signed).where(Document.id == r.document_id)
            ).first()
            return _Claimed(
                id=r.id,
                document_id=r.document_id,
                token=token,
                attempts=r.attempts + 1,
                expediente_id=doc.expediente_id,
                sha256=doc.sha256,
                signed=bool(doc.signed),
            )
    return None


def _held(job: _Claimed):
    return and_(_c.id == job.id, _c.status == PROCESSING, _c.claim_token == job.token)


def _update_job(engine: Engine, job: _Claimed, values: dict) -> bool:
    """One guarded write to our job; False when the lease is no longer ours."""
    with db.write_session(engine) as s:
        result = s.connection().execute(update(_t).where(_held(job)).values(**values))
    return result.rowcount == 1


class _Progress:
    """Writes stage and percentage (renewing the lease) when they change, and a heartbeat when
    nothing changed for a while; raises _Abandon when the lease is lost or on shutdown."""

    def __init__(
        self,
        engine: Engine,
        job: _Claimed,
        clock: Callable[[], datetime],
        lease_seconds: float,
        stop: threading.Event | None,
    ):
        self.engine, self.job, self.clock = engine, job, clock
        self.lease_seconds, self.stop = lease_seconds, stop
        self.last: tuple[str, int] = (STAGE_READING, 0)
        self.last_write = time.monotonic()

    def report(self, stage: str, percent: int, **extra) -> None:
        self.check_stop()
        percent = max(self.last[1], min(99, int(percent)))  # never goes back
        if (stage, percent) == self.last and not extra:
            return
        self._write(stage=stage[:_MAX_STAGE], progress=percent, **extra)
        self.last = (stage, percent)

    def tick(self) -> None:
        self.check_stop()
        if time.monotonic() - self.last_write >= HEARTBEAT_SECONDS:
            self._write()

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise _Abandon("apagado")

    def _write(self, **values) -> None:
        now = self.clock()
        values.update(lease_until=now + timedelta(seconds=self.lease_seconds), updated_at=now)
        try:
            ours = _update_job(self.engine, self.job, values)
        except Exception:
            log.warning("No se pudo actualizar el avance del trabajo %s", self.job.id, exc_info=True)
            return
        self.last_write = time.monotonic()
        if not ours:
            raise _Abandon("lease perdido")


@dataclass(frozen=True)
class _Result:
    kind: str
    method: str
    text: str
    searchable_sha256: str = ""
    created_derivative: bool = False


def _ocr_mode(analysis: _Analysis) -> str:
    """--skip-text leaves pages that have text alone; when a page to OCR already carries some
    text (a scanner's stamp, a poor OCR layer), --redo-ocr replaces that layer instead."""
    partial = any(need and _visible_chars(txt) > 0 for need, txt in zip(analysis.needs_ocr, analysis.page_texts))
    return "redo" if partial else "skip"


def _process(job: _Claimed, data: bytes, store: FileStore, prog: _Progress, workdir: Path) -> _Result:
    prog.report(STAGE_ANALYSING, 3)
    analysis = _analyse(data, workdir)
    kind = SIGNED if job.signed else analysis.kind  # the database says signed: trust it too
    prog.report(STAGE_ANALYSING, 5, kind=kind)
    if kind in (SIGNED, DIGITAL):
        # Signed PDFs are never OCRed nor rewritten: only their existing text is read.
        prog.report(STAGE_EXTRACTING, 50)
        text = _join_pages(analysis.page_texts)
        return _Result(kind, METHOD_TEXT if text else METHOD_NONE, text)

    src = workdir / "original.pdf"
    dst = workdir / "con-texto.pdf"
    src.write_bytes(data)
    os.chmod(src, 0o400)
    pages = analysis.pages

    def on_event(event: dict) -> None:
        desc, total = event.get("desc") or "", event.get("total") or 0
        try:
            done = float(event.get("done") or 0)
        except (TypeError, ValueError):
            done = 0.0
        if desc == "OCR" and total:
            page = min(int(total), int(done) + 1)
            prog.report(STAGE_OCR.format(page=page, pages=int(total)), 10 + int(80 * done / total))
        elif desc == "Scanning contents" and total:
            prog.report(STAGE_ANALYSING, 5 + int(5 * done / total))
        elif desc and prog.last[1] >= 10:
            prog.report(STAGE_FINISHING_OCR, 92)

    _run_ocr(
        src,
        dst,
        mode=_ocr_mode(analysis),
        timeout=_ocr_timeout(pages),
        workdir=workdir,
        on_event=on_event,
        tick=prog.tick,
    )
    derivative = dst.read_bytes()
    try:
        with pikepdf.Pdf.open(io.BytesIO(derivative)) as out:
            if len(out.pages) != pages:
                raise _Retryable(ERR_OCR_OUTPUT)
    except _Retryable:
        raise
    except Exception:
        raise _Retryable(ERR_OCR_OUTPUT) from None
    prog.report(STAGE_EXTRACTING, 93)
    text = _join_pages(_extract_pages(derivative, workdir, pages=pages))
    if not text:
        return _Result(kind, METHOD_NONE, "")
    prog.report(STAGE_SAVING, 95)
    sha, created = store.put(derivative)
    return _Result(kind, METHOD_OCR, text, sha, created)


def _reuse(engine: Engine, job: _Claimed) -> _Result | None:
    """Same bytes already processed for another document (a file filed twice): reuse it."""
    with db.session(engine) as s:
        row = s.execute(
            select(DocumentText.method, DocumentText.text, DocumentText.searchable_sha256, _c.kind)
            .join(Document, Document.id == DocumentText.document_id)
            .join(_t, _c.document_id == Document.id, isouter=True)
            .where(Document.sha256 == job.sha256, Document.id != job.document_id)
            .limit(1)
        ).first()
    if row is None:
        return None
    return _Result(row.kind or "", row.method, row.text or "", row.searchable_sha256 or "")


def _save(engine: Engine, job: _Claimed, result: _Result, now: datetime) -> bool:
    """The result and the job's end, in one short transaction; False when the lease was lost."""
    with db.write_session(engine) as s:
        conn = s.connection()
        done = conn.execute(
            update(_t)
            .where(_held(job))
            .values(
                status=DONE,
                progress=100,
                stage=STAGE_DONE,
                kind=result.kind,
                method=result.method,
                lease_until=None,
                claim_token="",
                last_error="",
                finished_at=now,
                updated_at=now,
            )
        )
        if done.rowcount != 1:
            s.rollback()
            return False
        row = s.get(DocumentText, job.document_id)
        if row is None:
            row = DocumentText(document_id=job.document_id, expediente_id=job.expediente_id, method=result.method)
        row.method = result.method
        row.text = result.text
        row.searchable_sha256 = result.searchable_sha256
        row.updated_at = now
        s.add(row)
        s.flush()
        from sgd_app.domain import search  # another module (issue 7): may not index yet

        index = getattr(search, "index_document", None)
        if callable(index):
            index(s, job.document_id)
    return True


def _record_failure(engine: Engine, job: _Claimed, failure: _Failure, now: datetime) -> None:
    final = isinstance(failure, _Permanent) or job.attempts >= MAX_ATTEMPTS
    if final:
        values = dict(status=ERROR, stage=STAGE_ERROR, finished_at=now)
    else:
        values = dict(
            status=PENDING,
            progress=0,
            next_attempt_at=now + backoff(job.attempts),
            stage=STAGE_RETRY.format(attempt=job.attempts + 1, attempts=MAX_ATTEMPTS),
        )
    values.update(lease_until=None, claim_token="", last_error=_one_line(failure.message), updated_at=now)
    _update_job(engine, job, values)


def _give_back(engine: Engine, job: _Claimed, now: datetime) -> None:
    """Shutting down: the job goes back to the queue as it was (this attempt does not count)."""
    _update_job(
        engine,
        job,
        dict(
            status=PENDING,
            attempts=job.attempts - 1,
            next_attempt_at=now,
            lease_until=None,
            claim_token="",
            stage=STAGE_QUEUED,
            progress=0,
            updated_at=now,
        ),
    )


def run_next(
    engine: Engine,
    store: FileStore,
    now: datetime | None = None,
    *,
    lease_seconds: float = LEASE_SECONDS,
    stop: threading.Event | None = None,
) -> bool:
    """Claim one due job and do it; False when nothing was due.

    ``now`` (aware UTC; tests move time with it) is the claim time; later writes add the time
    elapsed since. ``stop`` (worker_loop's) makes a running job give itself back and return.
    Never raises for a failure of the job itself: it is recorded on the job.
    """
    start = _utc(now) or utcnow()
    started = time.monotonic()

    def clock() -> datetime:
        return start + timedelta(seconds=time.monotonic() - started)

    job = _claim(engine, start, lease_seconds)
    if job is None:
        return False
    prog = _Progress(engine, job, clock, lease_seconds, stop)
    result: _Result | None = None
    try:
        result = _reuse(engine, job)
        if result is None:
            try:
                data = store.read(job.sha256)
            except (FileNotFoundError, ValueError):
                raise _Retryable(ERR_MISSING_FILE) from None
            if hashlib.sha256(data).hexdigest() != job.sha256:
                raise _Permanent(ERR_HASH)
            with tempfile.TemporaryDirectory(prefix="sgd-ocr-") as tmp:
                result = _process(job, data, store, prog, Path(tmp))
        prog.report(STAGE_SAVING, 97)
        if not _save(engine, job, result, clock()):
            raise _Abandon("lease perdido")
        log.info("Documento %s procesado: %s (%s)", job.document_id, result.method, result.kind)
    except _Abandon as abandon:
        _drop_derivative(store, result)
        if str(abandon) == "apagado":
            _quietly(_give_back, engine, job, clock())
        else:
            log.warning("El trabajo %s pasó a otro proceso (lease vencido)", job.id)
    except _Failure as failure:
        _drop_derivative(store, result)
        log.warning("Documento %s: %s (intento %s)", job.document_id, failure.message, job.attempts)
        _quietly(_record_failure, engine, job, failure, clock())
    except Exception as exc:
        _drop_derivative(store, result)
        log.exception("Error inesperado al procesar el documento %s", job.document_id)
        _quietly(
            _record_failure,
            engine,
            job,
            _Retryable(ERR_UNEXPECTED.format(detail=_one_line(f"{type(exc).__name__}: {exc}", 200))),
            clock(),
        )
    return True


def _drop_derivative(store: FileStore, result: _Result | None) -> None:
    """An OCRed copy written by this attempt whose result was not saved: nothing refers to it."""
    if result is not None and result.created_derivative and result.searchable_sha256:
        try:
            store.remove(result.searchable_sha256)
        except OSError:
            log.warning("No se pudo borrar el derivado %s", result.searchable_sha256, exc_info=True)


def _quietly(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:
        log.exception("No se pudo registrar el estado del trabajo de digitalización")


async def worker_loop(
    engine: Engine | None = None, store: FileStore | None = None, *, idle_seconds: float = IDLE_SECONDS
) -> None:
    """Run forever: process due jobs one at a time in a thread, pausing ``idle_seconds`` when the
    queue is empty. Register once per app process with
    ``app.register_lifespan_task(digitize.worker_loop)``; on cancellation (shutdown) the running
    job is given back to the queue and its OCR process killed."""
    if store is None:
        from sgd_app import settings

        store = FileStore(settings.files_dir())
    stop = threading.Event()
    log.info("Digitalización: trabajador iniciado")
    try:
        while True:
            try:
                ran = await asyncio.to_thread(run_next, engine or db.engine(), store, stop=stop)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Error en el trabajador de digitalización")
                ran = False
            if not ran:
                await asyncio.sleep(idle_seconds)
    finally:
        stop.set()


__all__ = [
    "DIGITAL",
    "DONE",
    "ERROR",
    "MAX_ATTEMPTS",
    "METHOD_NONE",
    "METHOD_OCR",
    "METHOD_TEXT",
    "PENDING",
    "PROCESSING",
    "SCANNED",
    "SIGNED",
    "DigitizeJob",
    "assemble_pdf",
    "backoff",
    "classify",
    "enqueue",
    "enqueue_case",
    "enqueue_missing",
    "extract_text",
    "progress",
    "retry",
    "run_next",
    "worker_loop",
]
