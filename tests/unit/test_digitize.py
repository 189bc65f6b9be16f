"""Digitisation (sgd_app/domain/digitize/): scans to PDF, text extraction, real OCR with
ocrmypdf + tesseract (Spanish), signed PDFs left untouched, and the durable queue (leases,
crashes, retries, shutdown), on SQLite and on PostgreSQL when SGD_TEST_DATABASE_URL is set.

The OCR tests render their own Spanish text with Pillow (Source Sans Pro, the font the project
already ships) and are kept to one or two small pages."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import functools
import hashlib
import io
import shutil
import struct
import threading
import time
import unicodedata
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import font_source_sans_pro
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import delete
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import digitize, intake, search, signing
from sgd_app.domain.digitize import lease, ocr, pdftext, scans
from sgd_app.domain.digitize import worker as digitize_worker
from sgd_app.domain.digitize.failures import Retryable
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Document, DocumentText
from sgd_app.domain.signing import DevPKI
from tests.conftest import make_pdf, run_async

# `make test` installs tesseract-ocr + tesseract-ocr-spa (Makefile `sysdeps`): a missing one fails.
HAVE_OCR = shutil.which("tesseract") is not None


def needs_ocr(fn):
    def check(*args, **kwargs):
        assert HAVE_OCR, "tesseract-ocr is missing (make sysdeps / apt-get install tesseract-ocr tesseract-ocr-spa)"
        return fn(*args, **kwargs)

    return functools.wraps(fn)(check)


FILED_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday
# The queue's clock in these tests: after the real time the jobs are enqueued at (also when the
# whole suite runs for a long while after this module was imported).
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=6)
FILER = intake.FilerInput(
    doc_type="DNI",
    doc_number="45678912",
    name="María Ñahui Quispe",
    kind="ciudadano",
    email="maria@example.pe",
    phone="987654321",
)
URL = "https://tramite.jne.gob.pe/verificar/EXP-2026-000001"


# ---------------------------------------------------------------- helpers
def _font(size: int = 52) -> ImageFont.FreeTypeFont:
    path = Path(font_source_sans_pro.__file__).parent / "files" / "SourceSansPro-Regular.ttf"
    return ImageFont.truetype(str(path), size)


def render(
    lines: list[str], *, size: tuple[int, int] = (2480, 1200), mode: str = "L", font_size: int = 52
) -> Image.Image:
    """A scanned page at 300 ppp: black text on white."""
    img = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(img)
    font = _font(font_size)
    for i, line in enumerate(lines):
        draw.text((150, 150 + i * int(font_size * 1.9)), line, font=font, fill="black")
    return img


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, dpi=(300, 300), **kw)
    return buf.getvalue()


def fold(text: str) -> str:
    """Lower case without accents (tesseract now and then drops one)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def new_case(engine, store) -> int:
    files = [intake.IncomingFile("solicitud.pdf", make_pdf(1, "Solicitud registrada en mesa de partes"), "principal")]
    with db.write_session(engine) as s:
        result = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=FILER,
            subject="Constancia",
            files=files,
            channel="presencial",
            received_at=FILED_AT,
        )
    mine = select(Document.id).where(Document.expediente_id == result.case.id)
    with db.session(engine) as s:  # the filing queues its own document for text extraction
        assert len(s.exec(select(digitize.DigitizeJob.id).where(digitize.DigitizeJob.document_id.in_(mine))).all()) == 1
    with db.write_session(engine) as s:  # these tests follow the documents they add themselves
        s.execute(delete(digitize.DigitizeJob).where(digitize.DigitizeJob.document_id.in_(mine)))
    return result.case.id


def add_document(engine, store, case_id: int, data: bytes, *, signed: bool = False, queue: bool = True) -> int:
    """Store a document the way the desk does (original in the store, row, job in one transaction)."""
    sha, _ = store.put(data)
    with db.write_session(engine) as s:
        with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
        doc = Document(
            expediente_id=case_id,
            kind="anexo",
            role="anexo",
            filename="escaneo.pdf",
            sha256=sha,
            size=len(data),
            pages=pages,
            signed=signed,
        )
        s.add(doc)
        s.flush()
        if queue:
            assert digitize.enqueue(s, doc.id) is not None
        return doc.id


def job_of(engine, document_id: int) -> digitize.DigitizeJob:
    with db.session(engine) as s:
        return s.exec(select(digitize.DigitizeJob).where(digitize.DigitizeJob.document_id == document_id)).one()


def text_of(engine, document_id: int) -> DocumentText | None:
    with db.session(engine) as s:
        return s.get(DocumentText, document_id)


def store_files(store) -> set[str]:
    return {p.name for p in Path(store.root).rglob("*") if p.is_file()}


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def no_ocr(monkeypatch) -> list:
    calls: list = []

    def forbidden(*args, **kwargs):
        calls.append(args)
        raise AssertionError("no debía ejecutarse OCR")

    monkeypatch.setattr(ocr, "run_ocr", forbidden)
    return calls


def run_all(engine, store, now=None) -> int:
    n = 0
    while digitize.run_next(engine, store, now):
        n += 1
    return n


def png_header_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image (nothing valid behind it)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> DevPKI:
    return DevPKI.ensure(tmp_path_factory.mktemp("pki") / "dev-pki")


def sign(pki: DevPKI, data: bytes) -> bytes:
    return signing.sign_pdf(
        data,
        signer=pki.staff_signer("jperez", "Juana Pérez Quispe"),
        timestamper=pki.timestamper(),
        reason="Soy el autor del documento",
        verify_url=URL,
    )


# ---------------------------------------------------------------- scans → PDF
def test_assemble_images_into_one_pdf():
    page = render(["Solicitud de constancia"])
    jpeg = encode(page.convert("RGB"), "JPEG", quality=85)
    rgba = render(["Con transparencia"], mode="RGBA")
    rgba.putalpha(Image.new("L", rgba.size, 200))  # semi-transparent everywhere
    tiff = io.BytesIO()
    frames = [render([f"Hoja {i}"]) for i in range(3)]
    frames[0].save(
        tiff,
        "TIFF",
        dpi=(300, 300),
        save_all=True,
        append_images=[frames[1], frames[2].convert("1")],
        compression="tiff_lzw",
    )
    photo = Image.new("RGB", (3000, 4000), "white")  # a phone photo: 72 ppp would be a 1 m page

    pdf = digitize.assemble_pdf([encode(rgba, "PNG"), jpeg, tiff.getvalue(), _jpeg_72dpi(photo)])
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 6
        boxes = [tuple(round(float(v)) for v in p.mediabox) for p in doc.pages]
        assert boxes[:5] == [(0, 0, 595, 288)] * 5  # 2480 × 1200 px at 300 ppp
        assert boxes[5] == (0, 0, 595, 842)  # fitted into A4
        images = [next(iter(p.images.values())) for p in doc.pages]
        assert "/SMask" not in images[0]  # transparency flattened on white
        assert images[1].read_raw_bytes() == jpeg  # the JPEG is embedded byte for byte
        assert str(images[1].Filter) == "/DCTDecode"
        assert digitize.classify(pdf) == digitize.SCANNED


def _jpeg_72dpi(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", dpi=(72, 72), quality=50)
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, words",
    [
        (b"<html><body>no soy una imagen</body></html>", "no es una imagen JPG, PNG o TIFF"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "no es una imagen JPG, PNG o TIFF"),
        (make_pdf(1), "es un PDF"),
        (b"", "está vacío"),
    ],
)
def test_assemble_refuses_what_is_not_a_scan(data, words):
    good = encode(render(["Hoja uno"]), "PNG")
    with pytest.raises(InvalidInput) as exc:
        digitize.assemble_pdf([good, data])
    assert exc.value.field == "archivo"
    assert words in exc.value.message
    assert "archivo 2" in exc.value.message


def test_assemble_refuses_damaged_and_oversized_images(monkeypatch):
    jpeg = encode(render(["Hoja uno"]).convert("RGB"), "JPEG")
    with pytest.raises(InvalidInput, match="dañada o incompleta"):
        digitize.assemble_pdf([jpeg[: len(jpeg) // 3]])
    # A header announcing 40 000 × 40 000 pixels is refused before anything is decoded.
    started = time.monotonic()
    with pytest.raises(InvalidInput, match="demasiados píxeles"):
        digitize.assemble_pdf([png_header_bomb(40_000, 40_000)])
    assert time.monotonic() - started < 2
    with pytest.raises(InvalidInput, match="más de 2 páginas"):
        digitize.assemble_pdf([jpeg, jpeg, jpeg], max_pages=2)
    with pytest.raises(InvalidInput, match="tamaño máximo"):
        digitize.assemble_pdf([jpeg, jpeg], max_bytes=len(jpeg) + 10)
    with pytest.raises(InvalidInput, match="al menos una imagen"):
        digitize.assemble_pdf([])
    monkeypatch.setattr(scans, "MAX_TOTAL_PIXELS", 2480 * 1200 * 2)
    with pytest.raises(InvalidInput, match="suman demasiados píxeles"):
        digitize.assemble_pdf([jpeg, jpeg, jpeg])


# ---------------------------------------------------------------- classification
def test_classify(pki):
    scan = digitize.assemble_pdf([encode(render(["Hoja escaneada"]), "PNG")])
    assert digitize.classify(make_pdf(2)) == digitize.DIGITAL
    assert digitize.classify(scan) == digitize.SCANNED
    assert digitize.classify(_mixed(scan)) == digitize.SCANNED
    assert digitize.classify(sign(pki, make_pdf(1))) == digitize.SIGNED
    assert digitize.classify(sign(pki, scan)) == digitize.SIGNED
    with pytest.raises(InvalidInput, match="no es un PDF válido"):
        digitize.classify(b"%PDF-1.7 esto no es un PDF")


def _mixed(scan: bytes, text: str = "Informe técnico sobre la solicitud presentada por el administrado") -> bytes:
    """A born-digital page followed by a scanned one."""
    with pikepdf.Pdf.open(io.BytesIO(make_pdf(1, text))) as first, pikepdf.Pdf.open(io.BytesIO(scan)) as second:
        first.pages.append(second.pages[0])
        out = io.BytesIO()
        first.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- processing
def test_born_digital_pdf_gets_its_text_without_ocr(seeded, store, monkeypatch):
    calls = no_ocr(monkeypatch)
    case_id = new_case(seeded, store)
    data = make_pdf(2, "Informe N° 0042-2026 sobre la renuncia del señor Núñez")
    doc_id = add_document(seeded, store, case_id, data)
    before = store_files(store)
    assert digitize.run_next(seeded, store, T0) is True
    assert calls == []
    row = text_of(seeded, doc_id)
    assert row.method == "texto"
    assert "renuncia del señor Núñez (página 1)" in row.text and "(página 2)" in row.text
    assert row.searchable_sha256 == ""  # the original is already searchable
    assert store_files(store) == before
    job = job_of(seeded, doc_id)
    assert (job.status, job.progress, job.kind, job.method, job.attempts) == ("listo", 100, "digital", "texto", 1)
    with db.session(seeded) as s:
        assert digitize.progress(s, [doc_id, 999_999]) == {
            doc_id: {"status": "listo", "percent": 100, "stage": "Listo", "method": "texto", "error": ""}
        }
    assert digitize.run_next(seeded, store, T0) is False


@needs_ocr
def test_scan_is_ocred_in_spanish_with_progress_and_found(seeded, store, monkeypatch):
    pages = [
        render(
            [
                "RESOLUCIÓN N° 0456-2026-JNE",
                "Lima, doce de marzo de dos mil veintiséis",
                "Visto el recurso de apelación interpuesto por",
                "doña María Núñez Peña.",
            ]
        ),
        render(["SE RESUELVE declarar fundada la apelación", "y disponer la inscripción solicitada."]),
    ]
    original = digitize.assemble_pdf([encode(pages[0], "PNG"), encode(pages[1].convert("RGB"), "JPEG", quality=90)])
    case_id = new_case(seeded, store)
    doc_id = add_document(seeded, store, case_id, original)
    original_sha = hashlib.sha256(original).hexdigest()

    written: list[dict] = []
    real_update = lease.update_job

    def spy(engine, job, values):
        written.append(dict(values))
        return real_update(engine, job, values)

    monkeypatch.setattr(lease, "update_job", spy)
    started = time.monotonic()
    assert digitize.run_next(seeded, store) is True
    elapsed = time.monotonic() - started
    print(f"\nOCR de 2 páginas: {elapsed:.2f} s")

    row = text_of(seeded, doc_id)
    assert row.method == "ocr", job_of(seeded, doc_id).last_error
    folded = fold(row.text)
    for word in ("resolucion", "apelacion", "nunez", "pena", "veintiseis", "fundada", "inscripcion"):
        assert word in folded, (word, row.text)
    assert "Lima" in row.text and "JNE" in row.text
    # The original is untouched; the OCRed copy is a separate file with a text layer.
    assert store.read(original_sha) == original
    assert row.searchable_sha256 and row.searchable_sha256 != original_sha
    derivative = store.read(row.searchable_sha256)
    assert hashlib.sha256(derivative).hexdigest() == row.searchable_sha256
    with pikepdf.Pdf.open(io.BytesIO(derivative)) as pdf:
        assert len(pdf.pages) == 2
    assert "nunez" in fold(digitize.extract_text(derivative))
    assert digitize.extract_text(original).strip() == ""
    with db.session(seeded) as s:
        doc = s.get(Document, doc_id)
        assert doc.sha256 == original_sha and doc.size == len(original)
        # Found by its words (accent-insensitively) among the documents' text.
        hits = [
            d
            for d, text in s.exec(select(DocumentText.document_id, DocumentText.text)).all()
            if "maria nunez" in fold(text)
        ]
        assert hits == [doc_id]

    stages = [w["stage"] for w in written if "stage" in w]
    assert "Analizando las páginas" in stages
    assert "Reconociendo texto (página 1 de 2)" in stages
    assert "Reconociendo texto (página 2 de 2)" in stages
    assert stages[-1] == "Guardando"
    percents = [w["progress"] for w in written if "progress" in w]
    assert percents == sorted(percents) and percents[-1] < 100
    assert all(utc(w["lease_until"]) > utc(w["updated_at"]) for w in written if "lease_until" in w)
    job = job_of(seeded, doc_id)
    assert (job.status, job.progress, job.stage, job.kind, job.method) == ("listo", 100, "Listo", "escaneado", "ocr")


@needs_ocr
def test_mixed_pdf_keeps_its_digital_page_and_ocrs_the_scan(seeded, store):
    scan = digitize.assemble_pdf([encode(render(["Declaración jurada de doña Rosa Quispe"]), "PNG")])
    data = _mixed(scan)
    case_id = new_case(seeded, store)
    doc_id = add_document(seeded, store, case_id, data)
    assert digitize.run_next(seeded, store) is True
    row = text_of(seeded, doc_id)
    assert row.method == "ocr", job_of(seeded, doc_id).last_error
    assert "Informe técnico sobre la solicitud presentada por el administrado" in row.text  # not re-OCRed
    assert "quispe" in fold(row.text) and "declaracion jurada" in fold(row.text)


def test_signed_pdfs_are_never_rewritten_nor_ocred(seeded, store, pki, monkeypatch):
    calls = no_ocr(monkeypatch)
    signed = sign(pki, make_pdf(1, "Resolución N° 0123-2026-JNE. Se resuelve declarar fundado el recurso."))
    signed_scan = sign(pki, digitize.assemble_pdf([encode(render(["Oficio escaneado y firmado"]), "PNG")]))
    case_id = new_case(seeded, store)
    ids = [add_document(seeded, store, case_id, data, signed=True) for data in (signed, signed_scan)]
    before = store_files(store)
    assert run_all(seeded, store) >= 2
    assert calls == []
    assert store_files(store) == before  # no derivative, nothing written
    for doc_id, data in zip(ids, (signed, signed_scan), strict=True):
        with db.session(seeded) as s:
            doc = s.get(Document, doc_id)
        stored = store.read(doc.sha256)
        assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest() == doc.sha256
        report = signing.validate_pdf(stored, trust_roots=pki.trust_roots(), crls=pki.crls())
        assert report.verdict == signing.VALIDO, report.reasons
        assert job_of(seeded, doc_id).kind == "firmado"
    first, second = (text_of(seeded, i) for i in ids)
    assert first.method == "texto" and "Resolución N° 0123-2026-JNE" in first.text and first.searchable_sha256 == ""
    # A signed scan has no text of its own; it is not OCRed (that would break the signature).
    assert job_of(seeded, ids[1]).method in ("texto", "ninguno")
    assert "oficio escaneado" not in fold(second.text) and second.searchable_sha256 == ""


def test_same_bytes_are_processed_once(seeded, store, monkeypatch):
    case_id = new_case(seeded, store)
    data = make_pdf(1, "Copia idéntica presentada dos veces")
    first = add_document(seeded, store, case_id, data)
    assert digitize.run_next(seeded, store) is True
    second = add_document(seeded, store, case_id, data)

    def boom(*args, **kwargs):
        raise AssertionError("no debía procesarse otra vez")

    monkeypatch.setattr(digitize_worker, "_process", boom)
    assert digitize.run_next(seeded, store) is True
    assert text_of(seeded, second).text == text_of(seeded, first).text
    assert job_of(seeded, second).status == "listo"


def test_search_hook_runs_in_the_same_transaction(seeded, store, monkeypatch):
    seen: list[tuple[int, str]] = []

    def index_document(session, document_id):
        row = session.get(DocumentText, document_id)  # already written, not yet committed
        seen.append((document_id, row.method))

    monkeypatch.setattr(search, "index_document", index_document, raising=False)
    doc_id = add_document(seeded, store, new_case(seeded, store), make_pdf(1, "Texto para el índice"))
    assert digitize.run_next(seeded, store) is True
    assert seen == [(doc_id, "texto")]

    def broken(session, document_id):
        raise RuntimeError("índice caído")

    monkeypatch.setattr(search, "index_document", broken, raising=False)
    other = add_document(seeded, store, new_case(seeded, store), make_pdf(1, "Otro texto"))
    assert digitize.run_next(seeded, store, T0) is True
    assert text_of(seeded, other) is None  # all or nothing: retried later
    job = job_of(seeded, other)
    assert (job.status, job.attempts) == ("pendiente", 1)
    assert "índice caído" in job.last_error


# ---------------------------------------------------------------- the queue
def test_enqueue_is_idempotent_and_in_the_callers_transaction(seeded, store):
    case_id = new_case(seeded, store)
    extra = [add_document(seeded, store, case_id, make_pdf(1, f"Anexo {i}"), queue=False) for i in range(2)]
    with db.write_session(seeded) as s:
        assert digitize.enqueue_case(s, case_id) == 3  # the filing's own document and two annexes
        assert digitize.enqueue_case(s, case_id) == 0
        states = digitize.progress(s, extra)
    assert [states[i]["status"] for i in extra] == ["pendiente", "pendiente"]
    assert run_all(seeded, store) == 3
    with db.session(seeded) as s:
        assert {v["method"] for v in digitize.progress(s, extra).values()} == {"texto"}
    doc_id = add_document(seeded, store, case_id, make_pdf(1, "Anexo"), queue=False)
    with pytest.raises(RuntimeError), db.write_session(seeded) as s:
        digitize.enqueue(s, doc_id)
        raise RuntimeError("la transacción del llamador falla")
    with db.session(seeded) as s:
        assert digitize.progress(s, [doc_id]) == {}
    with db.write_session(seeded) as s:
        assert digitize.enqueue(s, doc_id) is not None
        assert digitize.enqueue(s, doc_id) is None
    with db.write_session(seeded) as s:
        assert digitize.enqueue(s, doc_id) is None
        assert digitize.enqueue_missing(s) == 0
        state = digitize.progress(s, [doc_id])[doc_id]
    assert state == {"status": "pendiente", "percent": 0, "stage": "En cola", "method": "", "error": ""}


def test_a_job_is_processed_by_one_worker_only(seeded, store, monkeypatch):
    doc_id = add_document(seeded, store, new_case(seeded, store), make_pdf(1, "Una sola vez"))
    processed: list[int] = []
    real = digitize_worker._process

    def counting(job, *args):
        processed.append(job.document_id)
        return real(job, *args)

    monkeypatch.setattr(digitize_worker, "_process", counting)
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def worker():
        barrier.wait()
        results.append(digitize.run_next(seeded, store))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [False, False, False, True]
    assert processed == [doc_id]
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts) == ("listo", 1)


def test_a_job_left_by_a_crash_is_taken_over_after_its_lease(seeded, store):
    doc_id = add_document(seeded, store, new_case(seeded, store), make_pdf(1, "Sobrevive al reinicio"))
    claimed = lease.claim(seeded, T0, digitize.LEASE_SECONDS)  # ... and the worker dies here
    assert claimed.document_id == doc_id
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts, job.stage) == ("procesando", 1, "Leyendo el documento")
    assert digitize.run_next(seeded, store, T0 + timedelta(seconds=30)) is False  # lease still held

    # The app restarts: a new engine (a new process) on the same database.
    url = seeded.url.render_as_string(hide_password=False)
    restarted = db.make_engine(url)
    try:
        later = T0 + timedelta(seconds=digitize.LEASE_SECONDS + 1)
        assert digitize.run_next(restarted, store, later) is True
    finally:
        restarted.dispose()
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts, job.claim_token) == ("listo", 2, "")
    assert text_of(seeded, doc_id).text.startswith("Sobrevive al reinicio")
    # The dead worker's token no longer works: it can't overwrite anything.
    assert lease.update_job(seeded, claimed, {"stage": "zombi"}) is False


def test_repeated_crashes_end_in_error(seeded, store):
    doc_id = add_document(seeded, store, new_case(seeded, store), make_pdf(1, "Siempre se cae"))
    at = T0
    for attempt in range(1, digitize.MAX_ATTEMPTS + 1):
        claimed = lease.claim(seeded, at, 60)
        assert claimed is not None and claimed.attempts == attempt
        at += timedelta(seconds=61)
    assert digitize.run_next(seeded, store, at) is False
    job = job_of(seeded, doc_id)
    assert job.status == "error"
    assert (
        job.last_error
        == f"El procesamiento se interrumpió {digitize.MAX_ATTEMPTS} veces (reinicio o falta de memoria del servidor)."
    )


def test_failures_are_retried_with_backoff_then_error(seeded, store):
    data = make_pdf(1, "El archivo aparece tarde")
    doc_id = add_document(seeded, store, new_case(seeded, store), data)
    sha = hashlib.sha256(data).hexdigest()
    store.remove(sha)

    assert digitize.run_next(seeded, store, T0) is True
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts) == ("pendiente", 1)
    assert job.last_error == digitize.ERR_MISSING_FILE
    assert job.stage == f"Se reintentará (intento 2 de {digitize.MAX_ATTEMPTS})"
    assert utc(job.next_attempt_at) - T0 >= timedelta(seconds=60)
    assert digitize.run_next(seeded, store, T0 + timedelta(seconds=30)) is False  # backing off

    at = T0 + timedelta(seconds=61)
    assert digitize.run_next(seeded, store, at) is True
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts) == ("pendiente", 2)
    assert utc(job.next_attempt_at) - at >= timedelta(seconds=120)  # exponential
    at += timedelta(seconds=121)
    assert digitize.run_next(seeded, store, at) is True
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts, job.stage) == ("error", digitize.MAX_ATTEMPTS, "No se pudo procesar")
    with db.session(seeded) as s:
        assert (
            digitize.progress(s, [doc_id])[doc_id]["error"]
            == "El archivo del documento no se encuentra en el almacén de originales."
        )
    assert digitize.run_next(seeded, store, at + timedelta(days=1)) is False  # given up

    # Someone fixes it and presses "Reintentar".
    store.put(data)
    with db.write_session(seeded) as s:
        assert digitize.retry(s, doc_id) is True
        assert digitize.retry(s, doc_id) is False
    assert digitize.run_next(seeded, store) is True
    assert job_of(seeded, doc_id).status == "listo"
    assert text_of(seeded, doc_id).method == "texto"


def test_a_file_that_is_not_a_pdf_fails_at_once(seeded, store):
    case_id = new_case(seeded, store)
    sha, _ = store.put(b"esto no es un PDF")
    with db.write_session(seeded) as s:
        doc = Document(expediente_id=case_id, kind="anexo", filename="x.pdf", sha256=sha, size=17, pages=1)
        s.add(doc)
        s.flush()
        digitize.enqueue(s, doc.id)
        doc_id = doc.id
    assert digitize.run_next(seeded, store, T0) is True
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts, job.last_error) == ("error", 1, "El archivo no es un PDF válido.")


@needs_ocr
def test_shutdown_kills_the_ocr_and_gives_the_job_back(seeded, store, monkeypatch):
    scan = digitize.assemble_pdf([encode(render(["Se apaga el servidor"]), "PNG")])
    doc_id = add_document(seeded, store, new_case(seeded, store), scan)
    stop = threading.Event()
    real_update = lease.update_job
    killed: list = []
    real_kill = ocr.kill

    def spy(engine, job, values):
        if str(values.get("stage", "")).startswith("Reconociendo texto"):
            stop.set()  # the app is shutting down while tesseract works
        return real_update(engine, job, values)

    def kill(proc):
        killed.append(proc.pid)
        real_kill(proc)

    monkeypatch.setattr(lease, "update_job", spy)
    monkeypatch.setattr(ocr, "kill", kill)
    assert digitize.run_next(seeded, store, stop=stop) is True
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts, job.stage, job.lease_until) == ("pendiente", 0, "En cola", None)
    assert text_of(seeded, doc_id) is None
    assert len(killed) == 1


def test_worker_loop_processes_the_queue(seeded, store):
    doc_id = add_document(seeded, store, new_case(seeded, store), make_pdf(1, "Trabajador en segundo plano"))

    async def scenario():
        task = asyncio.create_task(digitize.worker_loop(seeded, store, idle_seconds=0.05))
        try:
            for _ in range(200):
                await asyncio.sleep(0.05)
                if job_of(seeded, doc_id).status == "listo":
                    break
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    run_async(scenario())
    assert job_of(seeded, doc_id).status == "listo"
    assert text_of(seeded, doc_id).text.startswith("Trabajador en segundo plano")


def test_text_extraction_without_poppler(monkeypatch):
    data = make_pdf(2, "Extracción con pdfium: señor Núñez, año 2026")
    with_poppler = digitize.extract_text(data)
    real_which = shutil.which
    monkeypatch.setattr(pdftext.shutil, "which", lambda name: None if name == "pdftotext" else real_which(name))
    without = digitize.extract_text(data)
    assert "señor Núñez, año 2026 (página 2)" in without
    assert fold(" ".join(without.split())) == fold(" ".join(with_poppler.split()))
    assert digitize.classify(data) == digitize.DIGITAL


@needs_ocr
def test_ocr_past_its_time_limit_is_killed_and_retried(seeded, store, monkeypatch):
    scan = digitize.assemble_pdf([encode(render(["Demasiado lento"]), "PNG")] * 3)
    doc_id = add_document(seeded, store, new_case(seeded, store), scan)
    monkeypatch.setattr(ocr, "ocr_timeout", lambda pages: 0.3)
    killed: list = []
    real_kill = ocr.kill
    monkeypatch.setattr(ocr, "kill", lambda proc: (killed.append(proc.pid), real_kill(proc)))
    before = store_files(store)
    assert digitize.run_next(seeded, store, T0) is True
    job = job_of(seeded, doc_id)
    assert (job.status, job.attempts) == ("pendiente", 1)
    assert job.last_error.startswith("El reconocimiento de texto (OCR) superó el tiempo máximo")
    assert len(killed) == 1 and store_files(store) == before and text_of(seeded, doc_id) is None


@needs_ocr
def test_the_ocr_child_is_a_program_of_its_own(tmp_path):
    """ocr_child.py runs by file name in a bare interpreter: it needs ocrmypdf, nothing of sgd_app,
    and reports a failure as a JSON line the parent turns into a Spanish, retryable error."""
    tree = ast.parse(ocr.CHILD.read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in imported if m.split(".")[0] == "sgd_app"}
    src = tmp_path / "no-es-pdf.pdf"
    src.write_bytes(b"esto no es un PDF")
    events: list[dict] = []
    with pytest.raises(Retryable) as failed:
        ocr.run_ocr(
            src,
            tmp_path / "salida.pdf",
            mode="skip",
            timeout=60,
            workdir=tmp_path,
            on_event=events.append,
            tick=lambda: None,
        )
    assert failed.value.message.startswith("El reconocimiento de texto (OCR) falló: ")
    assert not (tmp_path / "salida.pdf").exists()
