"""Download names in Content-Disposition (api/responses.py): built from stored or case data, so
nothing of it may break the header: no CR/LF, quotes, ``;`` or path parts; PDFs end in ``.pdf``;
an ASCII fallback plus RFC 5987 ``filename*`` for the real (UTF-8) name."""

from __future__ import annotations

from email.message import Message
from urllib.parse import unquote

import pytest

from sgd_app.api.responses import MAX_FILENAME, content_disposition, file_headers, header_filename

HOSTILE = '..\\..//etc/evil"; filename=x.exe\r\nSet-Cookie: a=1 — Núñez 名前 ' + "a" * 300 + ".exe"


def _params(header: str) -> tuple[str, str | None]:
    """(the quoted filename, the decoded filename* or None), read as a mail/HTTP parser would."""
    msg = Message()
    msg["Content-Disposition"] = header
    plain = msg.get_param("filename", header="Content-Disposition")
    assert isinstance(plain, str)
    star = header.split("filename*=UTF-8''", 1)[1] if "filename*=" in header else None
    return plain, unquote(star, errors="strict") if star else None


def test_a_hostile_name_cannot_break_the_header():
    name = header_filename(HOSTILE)
    assert name.endswith(".pdf") and len(name) <= MAX_FILENAME + 4
    assert not any(c in name for c in '"\\/;\r\n') and not name.startswith(".")
    assert "Núñez" in name and "名前" in name
    header = content_disposition(name)
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.count('filename="') == 1 and header.count("filename*=") == 1 and header.count('"') == 2
    plain, real = _params(header)
    assert real == name
    assert plain.endswith(".pdf") and plain.isascii() and "Nunez" in plain
    assert not any(c in plain for c in '"\\/;')


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("cargo-2026-000123.pdf", "cargo-2026-000123.pdf"),
        ("Informe final.PDF", "Informe final.pdf"),
        ("escaneo", "escaneo.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\x\\solicitud.pdf", "solicitud.pdf"),
        ("..", "documento.pdf"),
        ("", "documento.pdf"),
        ("\r\n", "documento.pdf"),
        ('a"b;c.pdf', "a_b_c.pdf"),
        ("%2e%2e%2f.pdf", "2e_2e_2f.pdf"),
        ("\u202etxt.exe", "txt.exe.pdf"),  # a right-to-left override is not printable: dropped
    ],
)
def test_pdf_names(given, expected):
    assert header_filename(given) == expected


def test_plain_names_keep_the_simple_header_and_others_get_both_forms():
    assert content_disposition("cargo-2026-000123.pdf") == 'attachment; filename="cargo-2026-000123.pdf"'
    assert content_disposition("expedientes-2026-03-02.csv", inline=True) == (
        'inline; filename="expedientes-2026-03-02.csv"'
    )
    assert content_disposition("Resolución Ñ.pdf") == (
        "attachment; filename=\"Resolucion N.pdf\"; filename*=UTF-8''Resoluci%C3%B3n%20%C3%91.pdf"
    )
    assert _params(content_disposition("名前.pdf")) == ("descarga.pdf", "名前.pdf")
    # file_headers cleans a name even when a caller forgot to: the header stays one line.
    headers = file_headers('x"\r\nSet-Cookie: a=1.xlsx')
    assert headers["Content-Disposition"] == 'attachment; filename="x_Set-Cookie_ a_1.xlsx"'
    assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"
