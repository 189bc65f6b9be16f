"""GET /api/v1/buscar: the page's search as JSON, scoped to the user; 401/422 with a reason."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sgd_app import db, settings
from sgd_app.api import api
from sgd_app.domain import intake
from sgd_app.domain.documents import FileStore
from tests.conftest import make_pdf

PASSWORD = "clave-demo-123"


def _client(username: str | None = None) -> TestClient:
    client = TestClient(api, follow_redirects=False)
    if username:
        resp = client.post("/api/v1/sesion", data={"usuario": username, "clave": PASSWORD})
        assert resp.status_code == 303
    return client


def _file(code: str, subject: str, fields=None) -> str:
    with db.write_session() as s:
        return intake.file_case(
            s,
            FileStore(settings.files_dir()),
            procedure_code=code,
            subject=subject,
            fields=fields or {},
            filer=intake.FilerInput(
                doc_type="DNI",
                doc_number="45678912",
                name="María Ñahui Quispe",
                email="maria@example.pe",
                phone="987654321",
            ),
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        ).case.number


def test_search_api_is_scoped_and_explains_refusals(app_db):
    rop_case = _file("CONST-AF", "Constancia de afiliación para la resolución de inscripción")
    _file("SUSP-MUL", "Suspensión de la resolución de multa", {"multa": "M-1"})
    assert _client().get("/api/v1/buscar", params={"q": "resolucion"}).status_code == 401
    rop = _client("rop")
    got = rop.get("/api/v1/buscar", params={"q": "resolucion"})
    assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
    body = got.json()
    assert body["total"] == 1 and [r["numero"] for r in body["resultados"]] == [rop_case]  # not Tesorería's
    assert any(part["coincide"] for part in body["resultados"][0]["fragmento"])
    assert rop.get("/api/v1/buscar", params={"q": rop_case}).json()["ir_a"] == rop_case
    bad = rop.get("/api/v1/buscar", params={"q": "re*"})
    assert bad.status_code == 422 and bad.json()["detail"]
    bad_page = rop.get("/api/v1/buscar", params={"q": "x", "page": "-1"})
    assert bad_page.status_code == 422 and bad_page.json()["campo"] == "page"
    bad_date = rop.get("/api/v1/buscar", params={"q": "resolucion", "date_from": "30/11"})
    assert bad_date.status_code == 422 and bad_date.json()["campo"] == "date_from"
