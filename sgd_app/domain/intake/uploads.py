"""What the filer is told when the browser refuses a file, or when an upload fails on the way.

The browser (react-dropzone) refuses a file before sending it and reports one or more error
codes per file: ``file-invalid-type``, ``file-too-large``, ``too-many-files``. The wizard sends
only the name, the size and those codes; this module says in Spanish why the file was refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sgd_app.domain.intake.validation import PRINCIPAL, upload_limit

INVALID_TYPE = "file-invalid-type"
TOO_LARGE = "file-too-large"
TOO_MANY = "too-many-files"
# At the desk the clerk may send the scanned pages of one document at once.
MAX_SCAN_FILES = 60


def _mb(size: int) -> str:
    """Bytes as megabytes with a Spanish decimal comma (20 MB, 21,5 MB)."""
    value = round(max(0, int(size)) / (1024 * 1024), 1)
    return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB".replace(".", ",")


def _name(raw: Any) -> str:
    name = str(raw or "").strip().replace("\n", " ")
    return f"«{name[:80]}»" if name else "El archivo"


def rejection_message(rejections: Sequence[Mapping[str, Any]], *, role: str, desk: bool = False) -> str:
    """Why the browser refused the file(s): not a PDF, too big (with the limit), or too many.

    ``rejections``: ``[{"name": "foto.png", "size": 12345, "codes": ["file-invalid-type"]}]``.
    Too many files wins (the browser refuses every file then); then the type; then the size.
    """
    items = [r for r in rejections or [] if isinstance(r, Mapping)]
    codes = [{str(c) for c in (r.get("codes") or [])} for r in items]
    if any(TOO_MANY in c for c in codes):
        if desk:
            return f"Puede subir como máximo {MAX_SCAN_FILES} páginas a la vez."
        return "Elija un solo archivo: los archivos se suben uno por uno."
    for r, c in zip(items, codes, strict=True):
        if INVALID_TYPE in c:
            if desk:
                return f"{_name(r.get('name'))} no es un PDF ni una imagen JPG, PNG o TIFF."
            return f"{_name(r.get('name'))} no es un PDF. Solo se aceptan archivos PDF."
    limit = _mb(upload_limit(role))
    for r, c in zip(items, codes, strict=True):
        if TOO_LARGE in c:
            try:
                size = f" ({_mb(int(r.get('size') or 0))})" if int(r.get("size") or 0) > 0 else ""
            except (TypeError, ValueError):
                size = ""
            what = "El documento principal" if role == PRINCIPAL else "Cada anexo"
            return f"{_name(r.get('name'))} pesa demasiado{size}. {what} puede pesar hasta {limit}."
    return "No se pudo aceptar el archivo. Elija un archivo PDF."


UPLOAD_FAILED = "No se pudo subir el archivo: se interrumpió la conexión. Revise su señal y toque «Reintentar»."
