"""The headers every answer of the API carries, and the PDF/file answers built on them."""

from __future__ import annotations

from fastapi.responses import Response

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def header_filename(name: str, default: str = "documento.pdf") -> str:
    """``name`` with only letters, digits and ``._- `` kept (a header value, Latin-1)."""
    return "".join(c for c in name if (c.isalnum() and ord(c) < 256) or c in "._- ") or default


def file_headers(filename: str, *, inline: bool = False) -> dict[str, str]:
    """No-store headers naming the file, as a download or (``inline``) for the viewer."""
    disposition = "inline" if inline else "attachment"
    return {**NO_STORE, "Content-Disposition": f'{disposition}; filename="{filename}"'}


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    return Response(data, media_type="application/pdf", headers=file_headers(filename, inline=inline))
