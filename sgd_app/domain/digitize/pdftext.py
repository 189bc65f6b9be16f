"""The text a PDF already carries: poppler's ``pdftotext`` (a subprocess with a timeout) or, without
poppler, pypdfium2 (installed with ocrmypdf). Never OCR, never a change to the file."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pypdfium2 as pdfium

from sgd_app.domain.digitize.failures import Retryable, one_line
from sgd_app.domain.digitize.vocabulary import ERR_EXTRACT

MAX_TEXT_CHARS = 1_000_000  # stored text per document
EXTRACT_TIMEOUT = 120.0


def extract_text(pdf_bytes: bytes) -> str:
    """The text of a PDF, pages separated by a blank line, without OCR and without changing it."""
    with tempfile.TemporaryDirectory(prefix="sgd-texto-") as tmp:
        return join_pages(extract_pages(pdf_bytes, Path(tmp)))


def extract_pages(data: bytes, workdir: Path, *, pages: int | None = None) -> list[str]:
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
        raise Retryable(ERR_EXTRACT.format(detail=f"más de {int(EXTRACT_TIMEOUT)} s")) from None
    finally:
        src.unlink(missing_ok=True)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"código {proc.returncode}"
        raise Retryable(ERR_EXTRACT.format(detail=one_line(detail, 200)))
    chunks = proc.stdout.decode("utf-8", "replace").split("\f")
    if chunks and not chunks[-1].strip():
        chunks = chunks[:-1]  # pdftotext ends every page with a form feed
    if pages is not None:
        chunks = (chunks + [""] * pages)[:pages]
    return chunks


def _extract_pages_pdfium(data: bytes) -> list[str]:
    try:
        doc = pdfium.PdfDocument(data)
    except Exception as exc:
        raise Retryable(ERR_EXTRACT.format(detail=one_line(str(exc), 200))) from None
    try:
        out: list[str] = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()


_CONTROL: dict[int, str | None] = {c: None for c in range(32) if c not in (9, 10)}
_CONTROL[12] = "\n"


def _clean(text: str) -> str:
    """No NUL (PostgreSQL refuses it) nor other control characters; NFC; bounded length."""
    text = unicodedata.normalize("NFC", text.translate(_CONTROL).replace("\x7f", ""))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()[:MAX_TEXT_CHARS]


def join_pages(pages: Iterable[str]) -> str:
    return _clean("\n\n".join(p.strip() for p in pages))
