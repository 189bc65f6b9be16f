"""A case's originals are served as PDFs whatever name they came with: GET
/api/v1/documentos/{id} answers application/pdf, nosniff and a file name ending in .pdf, also for
a document recorded before names were normalised (an ``informe.html`` in the database)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col, select

from sgd_app import db, settings
from sgd_app.api import api
from sgd_app.domain import intake
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Document, Expediente
from tests.conftest import make_pdf

PASSWORD = "clave-demo-123"


def _staff(username: str = "rop") -> TestClient:
    client = TestClient(api, follow_redirects=False)
    assert client.post("/api/v1/sesion", data={"usuario": username, "clave": PASSWORD}).status_code == 303
    return client


def _main_document(filename: str) -> Document:
    with db.write_session() as s:
        number = intake.file_case(
            s,
            FileStore(settings.files_dir()),
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="María Ñahui", email="maria@example.pe", phone="987654321"
            ),
            subject="Constancia de no afiliación",
            files=[intake.IncomingFile(filename, make_pdf(), "principal")],
        ).case.number
    with db.session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        return s.exec(select(Document).where(Document.expediente_id == case.id, Document.role == "principal")).one()


def _assert_served_as_pdf(resp, disposition: str) -> None:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["content-disposition"] == disposition
    assert resp.content.startswith(b"%PDF-")


def test_a_pdf_uploaded_as_informe_html_is_stored_and_served_as_informe_pdf(app_db):
    doc = _main_document("informe.html")
    assert doc.filename == "informe.pdf" and doc.mime == "application/pdf"
    client = _staff()
    _assert_served_as_pdf(client.get(f"/api/v1/documentos/{doc.id}"), 'inline; filename="informe.pdf"')
    _assert_served_as_pdf(
        client.get(f"/api/v1/documentos/{doc.id}", params={"descargar": "true"}), 'attachment; filename="informe.pdf"'
    )


def test_an_old_record_named_html_is_still_served_with_a_pdf_name(app_db):
    doc = _main_document("solicitud.pdf")
    with db.write_session() as s:  # as written before the upload paths normalised names
        s.exec(update(Document).where(col(Document.id) == doc.id).values(filename="informe.html"))
    resp = _staff().get(f"/api/v1/documentos/{doc.id}", params={"descargar": "true"})
    _assert_served_as_pdf(resp, 'attachment; filename="informe.pdf"')
