"""The printing routes (issue 14, item 9) through the real ASGI app: the cargo with the access
key (a form post), the folder's label and the hoja de ruta — for signed-in staff who may see
the case, 404 for the others, 401 without a session; the key is checked against the case."""

from __future__ import annotations

import subprocess

from fastapi.testclient import TestClient

from sgd_app import db, settings
from sgd_app.api import api
from sgd_app.domain import intake
from sgd_app.domain.documents import FileStore
from tests.conftest import make_pdf

PASSWORD = "clave-demo-123"


def _client(username: str = "") -> TestClient:
    c = TestClient(api, follow_redirects=False)
    if username:
        resp = c.post("/api/v1/sesion", data={"usuario": username, "clave": PASSWORD})
        assert resp.status_code == 303 and c.cookies.get(settings.SESSION_COOKIE)
    return c


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _file_case() -> tuple[str, str]:
    with db.write_session() as s:
        r = intake.file_case(
            s,
            FileStore(settings.files_dir()),
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="María Ñahui", phone="987654321", email="m@example.pe"
            ),
            subject="Constancia pedida en la mesa",
            files=[intake.IncomingFile("escaneo.pdf", make_pdf(2), "principal")],
        )
    return r.case.number, r.access_key


def test_the_cargo_copy_is_posted_with_its_key_and_refused_with_another(app_db):
    number, key = _file_case()
    rop = _client("rop")
    resp = rop.post(f"/api/v1/cargo/{number}/copia.pdf", data={"clave": key})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["content-disposition"].startswith("inline;")
    text = _text(resp.content)
    assert number in text and key in text

    wrong = rop.post(f"/api/v1/cargo/{number}/copia.pdf", data={"clave": "AAAA-BBBB-CCCC"})
    assert 400 <= wrong.status_code < 500 and "no corresponde" in wrong.json()["detail"]
    assert rop.get(f"/api/v1/cargo/{number}/copia.pdf").status_code == 405  # never in a URL
    other = _client("tesoreria").post(f"/api/v1/cargo/{number}/copia.pdf", data={"clave": key})
    assert other.status_code == 404 and key not in other.text
    assert _client().post(f"/api/v1/cargo/{number}/copia.pdf", data={"clave": key}).status_code == 401


def test_label_and_route_sheet_for_staff_who_may_see_the_case(app_db):
    number, _ = _file_case()
    rop = _client("rop")
    for file, words in (("etiqueta.pdf", ["Folios: 2"]), ("hoja-de-ruta.pdf", ["HOJA DE RUTA", "Constancia pedida"])):
        resp = rop.get(f"/api/v1/expedientes/{number}/{file}")
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"] == "application/pdf"
        text = _text(resp.content)
        assert number in text and all(w in text for w in words), text
        assert _client("tesoreria").get(f"/api/v1/expedientes/{number}/{file}").status_code == 404
        assert _client().get(f"/api/v1/expedientes/{number}/{file}").status_code == 401
