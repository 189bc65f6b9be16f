"""Filing receipt PDF ("cargo de recepción", sgd_app/domain/intake/receipt.py).

Text is read back from the content streams with pikepdf (the receipt uses the PDF core fonts
with WinAnsi = cp1252 strings), so no poppler is needed; one extra check runs `pdftotext`
when it is installed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import shutil
import subprocess
import sys
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

# The project has no packaging/pytest config yet; make `sgd_app` importable when pytest is run
# from the repository root as `.venv/bin/pytest tests/unit/...`.
_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import pikepdf  # noqa: E402
import qrcode  # noqa: E402
import qrcode.constants  # noqa: E402
from fpdf.fonts import CORE_FONTS, CORE_FONTS_CHARWIDTHS  # noqa: E402
from pikepdf import PdfImage  # noqa: E402

from sgd_app.domain.intake.receipt import (  # noqa: E402
    HOLIDAY_NOTE,
    LEGAL_NOTE,
    QR_CAPTION,
    ReceiptData,
    ReceiptFile,
    format_size,
    pdf_safe,
    render_receipt_pdf,
)

ACCESS_KEY = "K7QX-93PL-ZW2M"  # what the filer got on screen; must never reach the PDF
A4_PT = (595.28, 841.89)
MARGIN_PT = 18 * 72 / 25.4


def _sha(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def _file(i: int, **kw) -> ReceiptFile:
    base = dict(
        label=f"Anexo {i}: Constancia de inscripción N° {i}",
        filename=f"anexo_{i}_constancia.pdf",
        pages=i + 1,
        size=10_000 * i,
        sha256=_sha(f"anexo {i}"),
    )
    base.update(kw)
    return ReceiptFile(**base)


MAIN = ReceiptFile(
    label="Documento principal",
    filename="escrito_apelación_Ñañez_Peña.pdf",
    pages=12,
    size=250_880,  # 245,0 KB
    sha256=_sha("principal"),
)
POWER = ReceiptFile(
    label="Anexo 1: Poder notarial",
    filename="poder_notarial.pdf",
    pages=3,
    size=3_500_000,  # 3,3 MB
    sha256=_sha("poder"),
)


def make_data(**kw) -> ReceiptData:
    base = dict(
        institution="Jurado Nacional de Elecciones",
        number="2026-0000123",
        # Saturday 28/11/2026 10:15:03 in Lima (UTC-5); filed on Monday 30/11/2026.
        received_at=datetime(2026, 11, 28, 15, 15, 3, tzinfo=UTC),
        filed_on=date(2026, 11, 30),
        place="Mesa de Partes Virtual — Lima, Perú",
        channel="virtual",
        procedure="Recurso de apelación contra resolución del Jurado Electoral Especial",
        category="jurisdiccional",
        unit="Secretaría General — Mesa de Partes Jurisdiccional",
        filer_name="María José Ñañez Güimaraes",
        filer_doc="DNI 12345678",
        filer_kind="Organización política",
        subject="Apelación contra la Resolución N° 0045-2026-JEE-LIMA sobre la inscripción de la lista de candidatos",
        folios=15,
        due_on=date(2026, 12, 18),
        files=(MAIN, POWER),
        tracking_url="https://tramite.jne.gob.pe/seguimiento?numero=2026-0000123",
    )
    base.update(kw)
    return ReceiptData(**base)


# ---------------------------------------------------------------------------- PDF reading
def open_pdf(data: bytes) -> pikepdf.Pdf:
    """Open with pikepdf, failing on any warning qpdf or pikepdf reports."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdf = pikepdf.open(io.BytesIO(data))
        assert pdf.get_warnings() == []
        assert pdf.check_pdf_syntax() == []
    return pdf


def text_runs(pdf: pikepdf.Pdf) -> list[list[dict]]:
    """Per page, every shown string with its font, size and start position (pt)."""
    pages = []
    for page in pdf.pages:
        fonts = {str(name): str(font.BaseFont).lstrip("/") for name, font in page.Resources.get("/Font", {}).items()}
        runs: list[dict] = []
        state = {"font": None, "size": 0.0}
        stack: list[dict] = []
        x = y = 0.0
        for operands, op in pikepdf.parse_content_stream(page):
            op = str(op)
            if op == "q":
                stack.append(dict(state))
            elif op == "Q":
                state = stack.pop()
            elif op == "Tf":
                state["font"], state["size"] = fonts[str(operands[0])], float(operands[1])
            elif op == "BT":
                x = y = 0.0
            elif op == "Td":
                x, y = x + float(operands[0]), y + float(operands[1])
            elif op in ("Tj", "TJ"):
                items = operands[0] if op == "TJ" else [operands[0]]
                raw = b"".join(bytes(s) for s in items if isinstance(s, pikepdf.String))
                runs.append(dict(text=raw.decode("cp1252"), raw=raw, x=x, y=y, **state))
        pages.append(runs)
    return pages


def pdf_text(data: bytes) -> str:
    """All shown text, one space between strings (wrapped lines join back into phrases)."""
    runs = text_runs(open_pdf(data))
    return re.sub(r"\s+", " ", " ".join(r["text"] for page in runs for r in page))


def all_bytes(data: bytes) -> bytes:
    """The file plus every stream decompressed: where a leaked secret would show up."""
    pdf = open_pdf(data)
    chunks = [data]
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            try:
                chunks.append(obj.read_bytes())
            except pikepdf.PdfError:  # e.g. the CCITT-encoded QR image: raw bytes then
                chunks.append(obj.read_raw_bytes())
    for value in pdf.docinfo.values():
        chunks.append(str(value).encode("utf-8"))
    return b"\n".join(chunks)


def _string_width_pt(run: dict) -> float:
    key = next(k for k, v in CORE_FONTS.items() if v == run["font"])
    widths = CORE_FONTS_CHARWIDTHS[key]
    return sum(widths[chr(b)] for b in run["raw"]) * run["size"] / 1000


# ---------------------------------------------------------------------------- document
def test_is_a4_portrait_with_metadata_and_opens_cleanly():
    data = render_receipt_pdf(make_data())
    assert data.startswith(b"%PDF-")
    pdf = open_pdf(data)
    assert len(pdf.pages) == 1
    for page in pdf.pages:
        box = [float(v) for v in page.MediaBox]
        assert box[2] - box[0] == pytest.approx(A4_PT[0], abs=0.5)
        assert box[3] - box[1] == pytest.approx(A4_PT[1], abs=0.5)
    assert str(pdf.docinfo["/Title"]) == "Cargo de recepción 2026-0000123"
    assert str(pdf.docinfo["/Author"]) == "Jurado Nacional de Elecciones"
    assert str(pdf.Root.Lang) == "es-PE"
    # the creation date is the reception moment, not the render time: same data, same bytes
    assert str(pdf.docinfo["/CreationDate"]).startswith("D:20261128151503")


def test_header_and_case_number():
    text = pdf_text(render_receipt_pdf(make_data()))
    assert "JURADO NACIONAL DE ELECCIONES" in text
    assert "CARGO DE RECEPCIÓN" in text
    assert "Expediente N° 2026-0000123" in text


def test_case_number_is_the_biggest_text():
    runs = text_runs(open_pdf(render_receipt_pdf(make_data())))[0]
    biggest = max(runs, key=lambda r: r["size"])
    assert "2026-0000123" in biggest["text"]
    assert biggest["size"] >= 16


def test_reception_time_is_shown_in_lima_local_time():
    text = pdf_text(render_receipt_pdf(make_data()))
    assert "28/11/2026 10:15:03 (hora de Lima)" in text
    assert "15:15:03" not in text  # the UTC clock time must not be shown


def test_naive_received_at_is_taken_as_utc():
    naive = make_data(received_at=datetime(2026, 11, 28, 15, 15, 3))
    assert "28/11/2026 10:15:03 (hora de Lima)" in pdf_text(render_receipt_pdf(naive))


def test_saturday_filing_shows_next_business_day_and_the_note():
    text = pdf_text(render_receipt_pdf(make_data()))
    assert "Fecha legal de presentación lunes 30/11/2026" in text
    assert HOLIDAY_NOTE in text
    assert "Ley N° 31465" in text


def test_business_day_filing_has_no_note_and_compares_lima_dates():
    # 02/12/2026 03:00 UTC is still Tuesday 01/12/2026 (22:00) in Lima.
    data = make_data(
        received_at=datetime(2026, 12, 2, 3, 0, 0, tzinfo=UTC),
        filed_on=date(2026, 12, 1),
    )
    text = pdf_text(render_receipt_pdf(data))
    assert "01/12/2026 22:00:00 (hora de Lima)" in text
    assert "martes 01/12/2026" in text
    assert "día inhábil" not in text


def test_all_fields_are_listed():
    text = pdf_text(render_receipt_pdf(make_data()))
    for expected in (
        "Lugar de presentación Mesa de Partes Virtual — Lima, Perú",
        "Canal Virtual",
        "Procedimiento Recurso de apelación contra resolución del Jurado Electoral Especial",
        "Categoría Jurisdiccional",
        "Unidad de destino Secretaría General — Mesa de Partes Jurisdiccional",
        "Remitente María José Ñañez Güimaraes DNI 12345678 · Organización política",
        "Asunto Apelación contra la Resolución N° 0045-2026-JEE-LIMA",
        "Plazo de atención viernes 18/12/2026",
        "Folios 15",
    ):
        assert expected in text


def test_no_due_date():
    text = pdf_text(render_receipt_pdf(make_data(due_on=None)))
    assert "Plazo de atención No aplica" in text


def test_every_file_with_pages_size_and_full_sha256():
    text = pdf_text(render_receipt_pdf(make_data()))
    assert "Documentos presentados (2 archivos)".upper() in text
    assert "1. Documento principal 12 páginas · 245,0 KB escrito_apelación_Ñañez_Peña.pdf" in text
    assert "2. Anexo 1: Poder notarial 3 páginas · 3,3 MB poder_notarial.pdf" in text
    for f in (MAIN, POWER):
        assert f"SHA-256: {f.sha256}" in text


def test_six_files_all_listed_with_page_breaks_allowed():
    files = (MAIN, POWER, *tuple(_file(i) for i in range(2, 6)))
    data = render_receipt_pdf(make_data(files=files, subject="Asunto extenso. " * 40))
    pdf = open_pdf(data)
    text = pdf_text(data)
    for i, f in enumerate(files, start=1):
        assert f"{i}. {f.label}" in text
        assert f.filename in text
        assert f.sha256 in text
        assert f"{f.pages} páginas" in text
    n = len(pdf.pages)
    assert n >= 2
    for p in range(1, n + 1):
        assert f"Página {p} de {n}" in text
    assert text.count("Expediente N° 2026-0000123") >= n  # footer on every page


def test_text_stays_inside_the_page_margins():
    long_name = "poder_notarial_firmado_digitalmente_por_el_notario_" + "x" * 150 + ".pdf"
    data = make_data(
        subject="Solicitud de nulidad del proceso electoral " * 12 + "https://example.org/" + "a" * 200,
        files=(MAIN, dataclasses.replace(POWER, filename=long_name)),
        institution="Jurado Nacional de Elecciones " * 4,
    )
    pdf_bytes = render_receipt_pdf(data)
    runs = [r for page in text_runs(open_pdf(pdf_bytes)) for r in page]
    right = A4_PT[0] - MARGIN_PT + 0.5
    for r in runs:
        assert r["x"] >= MARGIN_PT - 0.5, r["text"]
        assert r["x"] + _string_width_pt(r) <= right, r["text"]
    # the long subject and the long filename did wrap onto several lines
    assert sum("Solicitud de nulidad" in r["text"] for r in runs) >= 2
    name_lines = [r["text"] for r in runs if "x" * 20 in r["text"] or "poder_notarial" in r["text"]]
    assert len(name_lines) >= 2
    assert long_name in pdf_text(pdf_bytes).replace(" ", "")


def test_characters_outside_the_font_do_not_crash_and_accents_survive():
    data = make_data(
        subject="Pedido urgente 🗳️ 選挙 — revisión de actas ✓ ≤ 3 días",
        filer_name="José Ñuñez 😀 Łukasz",
        files=(dataclasses.replace(MAIN, filename="acta_選挙_😀_año.pdf"), POWER),
        unit="Dirección\u200b Nacional\x07 de Fiscalización \ud800",
    )
    text = pdf_text(render_receipt_pdf(data))
    assert "Pedido urgente ? ?? — revisión de actas v <= 3 días" in text
    assert "José Ñuñez ? Lukasz" in text
    assert "acta_??_?_año.pdf" in text
    assert "Dirección Nacional de Fiscalización ?" in text  # ZWSP dropped, BEL -> space


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Peña — año ° ü “ok” …", "Peña — año ° ü “ok” …"),  # all of cp1252: kept as is
        ("e\u0301", "é"),  # decomposed accent composed
        ("😀", "?"),
        ("ﬁ №", "fi N°"),
        ("a\tb\x00c\r\nd", "a b c\nd"),
        ("\ud800", "?"),
    ],
)
def test_pdf_safe(raw, safe):
    assert pdf_safe(raw) == safe


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0,0 KB"),
        (512, "0,5 KB"),
        (250_880, "245,0 KB"),
        (1_023_948, "999,9 KB"),
        (1_023_999, "1,0 MB"),
        (3_500_000, "3,3 MB"),
        (5 * 1024**3, "5,0 GB"),
    ],
)
def test_format_size(size, text):
    assert format_size(size) == text


# ---------------------------------------------------------------------------- QR code
def _qr_modules(image) -> list[list[bool]]:
    """Sample a QR image back into its module matrix (quiet zone stripped)."""
    img = image.convert("L")
    w, h = img.size
    px = img.load()
    dark = [(x, y) for y in range(h) for x in range(w) if px[x, y] < 128]
    x0, y0 = min(x for x, _ in dark), min(y for _, y in dark)
    x1, y1 = max(x for x, _ in dark), max(y for _, y in dark)
    # the top-left finder pattern is 7 modules wide: measure one module from it
    run = 0
    while px[x0 + run, y0] < 128:
        run += 1
    module = run / 7
    n = round((x1 - x0 + 1) / module)
    assert n == round((y1 - y0 + 1) / module)
    return [[px[int(x0 + (c + 0.5) * module), int(y0 + (r + 0.5) * module)] < 128 for c in range(n)] for r in range(n)]


def _reference_matrices(text: str):
    for ec in (
        qrcode.constants.ERROR_CORRECT_L,
        qrcode.constants.ERROR_CORRECT_M,
        qrcode.constants.ERROR_CORRECT_Q,
        qrcode.constants.ERROR_CORRECT_H,
    ):
        for mask in range(8):
            qr = qrcode.QRCode(error_correction=ec, border=0, mask_pattern=mask)
            qr.add_data(text)
            qr.make(fit=True)
            yield qr.get_matrix()


def _decode_with_any_decoder(image) -> str | None:
    try:
        import zxingcpp  # type: ignore

        results = zxingcpp.read_barcodes(image)
        return results[0].text if results else ""
    except ImportError:
        pass
    try:
        from pyzbar.pyzbar import decode  # type: ignore

        results = decode(image)
        return results[0].data.decode() if results else ""
    except ImportError:
        return None


def _qr_image(pdf_bytes: bytes):
    pdf = open_pdf(pdf_bytes)
    images = [
        PdfImage(xobj)
        for page in pdf.pages
        for xobj in page.Resources.get("/XObject", {}).values()
        if xobj.get("/Subtype") == "/Image"
    ]
    assert len(images) == 1
    return images[0].as_pil_image()


def test_qr_code_encodes_the_tracking_url():
    url = "https://tramite.jne.gob.pe/seguimiento?numero=2026-0000999"
    image = _qr_image(render_receipt_pdf(make_data(tracking_url=url, number="2026-0000999")))
    decoded = _decode_with_any_decoder(image)
    if decoded is not None:  # a real decoder is installed
        assert decoded == url
    modules = _qr_modules(image)
    assert any(modules == ref for ref in _reference_matrices(url))
    other = "https://tramite.jne.gob.pe/seguimiento?numero=2026-0000998"
    assert not any(modules == ref for ref in _reference_matrices(other))


def test_qr_caption_and_legal_note():
    url = "https://tramite.jne.gob.pe/seguimiento?numero=2026-0000123"
    text = pdf_text(render_receipt_pdf(make_data(tracking_url=url)))
    assert f"{QR_CAPTION} {url}" in text
    assert LEGAL_NOTE in text


# ---------------------------------------------------------------------------- secrets
def test_access_key_never_in_the_pdf():
    data = make_data(subject="Recurso presentado por la personera legal")
    blob = all_bytes(render_receipt_pdf(data))
    assert b"2026-0000123" in blob  # the search does see the content ...
    assert b"personera legal" in blob
    assert ACCESS_KEY.encode() not in blob  # ... and the key is not there
    assert b"clave=" not in blob.lower()


@pytest.mark.parametrize("param", ["clave", "CLAVE", "key", "token", "access_key"])
def test_tracking_url_carrying_a_key_is_refused(param):
    url = f"https://tramite.jne.gob.pe/seguimiento?numero=2026-0000123&{param}={ACCESS_KEY}"
    with pytest.raises(ValueError, match="secret"):
        render_receipt_pdf(make_data(tracking_url=url))


# ---------------------------------------------------------------------------- behaviour
def test_output_is_deterministic():
    assert render_receipt_pdf(make_data()) == render_receipt_pdf(make_data())
    assert render_receipt_pdf(make_data()) != render_receipt_pdf(make_data(folios=16))


def test_module_does_not_import_reflex():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import sgd_app.domain.intake.receipt; "
        "assert 'reflex' not in sys.modules, 'reflex imported'"
    )
    subprocess.run([sys.executable, "-c", code, str(_ROOT)], check=True)
    for name in ("receipt.py", "pdf_text.py"):
        source = (_ROOT / "sgd_app/domain/intake" / name).read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+reflex\b", source, re.M)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_spanish_text(tmp_path):
    path = tmp_path / "cargo.pdf"
    path.write_bytes(render_receipt_pdf(make_data()))
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    assert out.stderr == b""
    text = re.sub(r"\s+", " ", out.stdout.decode("utf-8"))
    for expected in (
        "CARGO DE RECEPCIÓN",
        "Expediente N° 2026-0000123",
        "28/11/2026 10:15:03 (hora de Lima)",
        "Mesa de Partes Virtual — Lima, Perú",
        "María José Ñañez Güimaraes",
        "escrito_apelación_Ñañez_Peña.pdf",
        MAIN.sha256,
        POWER.sha256,
    ):
        assert expected in text
    assert ACCESS_KEY not in text
