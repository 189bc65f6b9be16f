"""GET /api/v1/verificacion/{codigo} and POST /api/v1/verificacion: the public verification of
/verificar as JSON, on the app's own database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.api import BodyLimit, api
from sgd_app.domain import intake, signing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Document
from tests.conftest import make_pdf

FILER = intake.FilerInput(
    doc_type="DNI", doc_number="45678912", name="María Ñahui Quispe", email="maria@example.pe", phone="987654321"
)


def _client() -> TestClient:
    return TestClient(BodyLimit(api), follow_redirects=False)


def _sealed_receipt() -> tuple[str, str, bytes]:
    """(case number, verification code, sealed bytes) of a freshly filed case's receipt."""
    with db.write_session() as s:
        number = intake.file_case(
            s,
            FileStore(settings.files_dir()),
            procedure_code="CONST-AF",
            filer=FILER,
            subject="Constancia de no afiliación",
            files=[intake.IncomingFile("solicitud.pdf", make_pdf(1), "principal")],
        ).case.number
    sealed = intake.seal_and_file(number)
    with db.session() as s:
        code = s.exec(select(Document.verify_code).where(Document.kind == "cargo", Document.signed == True)).one()  # noqa: E712
    return number, code, sealed


def _upload(client: TestClient, data: bytes, name: str = "documento.pdf"):
    return client.post("/api/v1/verificacion", files={"archivo": (name, data, "application/pdf")})


def _assert_public_json(resp) -> dict:
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.headers["cache-control"] == "no-store"
    return resp.json()


def test_a_sealed_receipt_verifies_by_code_and_by_bytes(app_db):
    number, code, sealed = _sealed_receipt()
    client = _client()
    resp = client.get(f"/api/v1/verificacion/{code}")
    assert resp.status_code == 200, resp.text
    body = _assert_public_json(resp)
    assert body["veredicto"] == "VÁLIDO", body["motivos"]
    assert body["documento"]["tipo"] == "cargo" and body["documento"]["tipo_texto"] == "Cargo de recepción"
    assert body["documento"]["expediente"] == number
    (firma,) = body["firmas"]
    assert firma["firmante"].startswith("Sello electrónico") and firma["veredicto"] == "VÁLIDO"
    assert firma["nivel"] == "B-T" and firma["sello_de_tiempo"] is True
    resp = _upload(client, sealed)
    assert resp.status_code == 200, resp.text
    by_bytes = _assert_public_json(resp)
    assert by_bytes["veredicto"] == "VÁLIDO" and by_bytes["documento"] == body["documento"]
    assert by_bytes["sha256"] == body["sha256"] == body["documento"]["sha256"]


def test_tampered_bytes_are_not_valid_and_not_the_registered_document(app_db):
    _, _, sealed = _sealed_receipt()
    i = sealed.index(b"stream", 200) + 40
    tampered = sealed[:i] + bytes([sealed[i] ^ 0x01]) + sealed[i + 1 :]
    resp = _upload(_client(), tampered)
    assert resp.status_code == 200, resp.text
    body = _assert_public_json(resp)
    assert body["veredicto"] == "NO VÁLIDO"
    assert body["documento"] is None
    assert "modificado después de la firma" in body["motivo"]


def test_unknown_code_is_404_with_a_spanish_detail(app_db):
    client = _client()
    resp = client.get("/api/v1/verificacion/ABCDEF0123456789")
    assert resp.status_code == 404
    assert _assert_public_json(resp)["detail"] == "No hay ningún documento con ese código de verificación."
    assert client.get("/api/v1/verificacion/no-hay-codigo").status_code == 404


def test_a_non_pdf_or_no_file_is_422_with_a_spanish_detail(app_db):
    client = _client()
    resp = _upload(client, b"hola, no soy un PDF", "nota.txt")
    assert resp.status_code == 422
    body = _assert_public_json(resp)
    assert body == {"detail": "El archivo no es un PDF válido.", "code": "dato_invalido", "campo": "archivo"}
    resp = client.post("/api/v1/verificacion", data={"otra": "cosa"})
    assert resp.status_code == 422
    assert "archivo" in _assert_public_json(resp)["detail"]


def test_the_upload_has_the_page_size_limit(app_db):
    resp = _upload(_client(), b"%PDF-1.7\n" + b"0" * signing.MAX_VERIFY_BYTES)
    assert resp.status_code == 422
    assert _assert_public_json(resp)["detail"] == "El archivo supera el tamaño máximo de 20 MB."


def test_an_html_pdf_polyglot_is_422_and_never_validated(app_db):
    _, _, sealed = _sealed_receipt()
    resp = _upload(_client(), b"<html><script>alert(1)</script><!--\n" + sealed, "cargo.html")
    assert resp.status_code == 422
    assert _assert_public_json(resp) == {
        "detail": "El archivo no es un PDF: debe empezar con la firma %PDF-.",
        "code": "dato_invalido",
        "campo": "archivo",
    }


def test_content_added_after_the_last_signature_is_a_warning_in_the_answer(app_db):
    _, _, sealed = _sealed_receipt()
    client = _client()
    as_issued = _assert_public_json(_upload(client, sealed))
    assert as_issued["veredicto"] == "VÁLIDO" and as_issued["advertencias"] == []

    # Raw bytes after %%EOF: the seal still verifies, the answer says the file carries more.
    appended = _assert_public_json(_upload(client, sealed + b"\n<script>alert(1)</script>\n"))
    assert appended["veredicto"] == "VÁLIDO"
    assert appended["advertencias"] == ["El documento tiene contenido añadido después de la última firma."]
    assert appended["documento"] is None  # not the bytes the institution registered

    # An incremental update (a comment on the page): not valid, and the same warning.
    w = IncrementalPdfFileWriter(io.BytesIO(sealed))
    page_ref, _ = w.find_page_for_modification(0)
    note = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Text"),
            generic.pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (40, 700, 60, 720)]),
            generic.pdf_name("/Contents"): generic.TextStringObject("Añadido después del sello"),
        }
    )
    w.register_annotation(page_ref, w.add_object(note))
    out = io.BytesIO()
    w.write(out)
    edited = _assert_public_json(_upload(client, out.getvalue()))
    assert edited["veredicto"] == "NO VÁLIDO"
    assert edited["advertencias"] == ["El documento tiene contenido añadido después de la última firma."]
