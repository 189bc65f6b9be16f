"""The headers every answer of the API carries, and the PDF/file answers built on them."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

MAX_FILENAME = 120  # characters of the stem kept in a download's name
# What may stay in a file name sent in a header: letters, digits, space and ``._-()``; every other
# character (quotes, ``;``, ``\``, ``/``, ``%``, controls) becomes ``_``.
_UNSAFE = re.compile(r"[^\w .\-()]", re.UNICODE)
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 .\-()_]")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_RFC5987_SAFE = "!#$&+-.^_`|~"  # attr-char besides ALPHA / DIGIT (RFC 5987 section 3.2.1)


def header_filename(name: str, default: str = "documento.pdf", *, suffix: str = ".pdf") -> str:
    """A download name built from ``name`` (stored or case data) that is safe in a header: its last
    path segment, printable, no quotes / ``;`` / ``\\`` / CR / LF, not starting with a dot, at most
    ``MAX_FILENAME`` characters before ``suffix``, and always ending in ``suffix``."""
    base = re.split(r"[\\/]", name or "")[-1]  # the last path segment (as documents.safe_filename)
    base = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable())
    base = _UNSAFE.sub("_", base).strip(" ._")
    if suffix and base.lower().endswith(suffix.lower()):
        base = base[: -len(suffix)].rstrip(" ._")
    if not base:
        return default
    return base[:MAX_FILENAME].rstrip(" ._") + suffix


def _ascii_fallback(filename: str) -> str:
    """``filename`` in plain ASCII for old clients: accents dropped, other characters ``_``, and
    ``descarga`` when no letter or digit is left of its stem."""
    plain = "".join(
        c if c.isascii() else "_" for c in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(c)
    )
    plain = _ASCII_UNSAFE.sub("_", plain)
    stem, dot, ext = plain.rpartition(".")
    if not dot:
        stem, ext = plain, ""
    if not any(c.isalnum() for c in stem):
        stem = "descarga"
    return stem + dot + ext


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="…"`` with an ASCII fallback, plus ``filename*=UTF-8''…`` (RFC 5987 /
    6266) whenever the name is not plain ASCII. ``filename`` should come from
    :func:`header_filename` or be a fixed name; it is cleaned again here all the same."""
    disposition = "inline" if inline else "attachment"
    ext = m.group(0).lower() if (m := _EXTENSION.search(filename)) else ""
    name = header_filename(filename, suffix=ext, default="descarga" + ext)
    fallback = _ascii_fallback(name)
    if fallback == name:
        return f'{disposition}; filename="{fallback}"'
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe=_RFC5987_SAFE)}"


def file_headers(filename: str, *, inline: bool = False) -> dict[str, str]:
    """No-store headers naming the file, as a download or (``inline``) for the viewer."""
    return {**NO_STORE, "Content-Disposition": content_disposition(filename, inline=inline)}


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    return Response(data, media_type="application/pdf", headers=file_headers(filename, inline=inline))


def open_file_response(
    file: BinaryIO, *, media_type: str, filename: str, chunk_size: int = 256 * 1024
) -> StreamingResponse:
    """Send an already open file, from its first byte, then close it.

    Not ``FileResponse``: it hands the server only the file's *path* (granian implements the ASGI
    ``http.response.pathsend`` extension and opens the path after the app returned), so a file
    removed meanwhile (a temp file unlinked by a background task, an export swept) answered 404.
    An open descriptor keeps the data readable whatever happens to the name."""
    size = os.fstat(file.fileno()).st_size
    file.seek(0)

    def chunks() -> Iterator[bytes]:
        try:
            while data := file.read(chunk_size):
                yield data
        finally:
            file.close()

    headers = {**file_headers(filename), "Content-Length": str(size)}
    return StreamingResponse(chunks(), media_type=media_type, headers=headers, background=BackgroundTask(file.close))
