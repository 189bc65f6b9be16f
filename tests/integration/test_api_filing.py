"""POST /api/v1/ext/expedientes over HTTP on the app's database (SQLite, and PostgreSQL when
configured): an API client files a case as the channel "api" through the Mesa de Partes' own
flow (number, access key, sealed receipt behind a signed link, audit with the client), in JSON
and in multipart; a resend under the same Idempotency-Key gets the same case; every bad input is
a 4xx with a Spanish detail and a stable code, and writes nothing."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import col, select

from sgd_app import db, settings
from sgd_app.api import BodyLimit, api
from sgd_app.domain import intake
from sgd_app.domain.models import AuditEvent, Document, Expediente
from tests.conftest import make_pdf
from tests.integration import api_clients as ac
from tests.security.snapshot import pdf_text

URL = "/api/v1/ext/expedientes"
PDF = make_pdf(2)  # once: a PDF made later may carry another creation time


def _client() -> TestClient:
    return TestClient(BodyLimit(api), follow_redirects=False)


def _setup(scopes: str = "expedientes:crear expedientes:leer") -> tuple[TestClient, dict[str, str], str]:
    key = ac.new_key("EC")
    cid, _ = ac.register("rop", scopes, key=key)
    c = _client()
    return c, {"Authorization": f"Bearer {ac.token(c, cid, key)}"}, cid


def _body(pdf: bytes | None = None, **over) -> dict:
    body = {
        "tramite": "CONST-AF",
        "asunto": "Constancia de no afiliación pedida por el SGD del ONPE",
        "remitente": {
            "tipo_documento": "DNI",
            "numero_documento": "45678912",
            "nombre": "María Ñahui Quispe",
            "correo": "maria@example.pe",
            "telefono": "987654321",
        },
        "archivos": [
            {
                "nombre": "solicitud.pdf",
                "rol": "principal",
                "contenido_base64": base64.b64encode(pdf or PDF).decode(),
            }
        ],
    }
    body.update(over)
    return body


def _counts() -> tuple[int, int, int]:
    with db.session() as s:
        cases = s.exec(select(func.count()).select_from(Expediente)).one()
        docs = s.exec(select(func.count()).select_from(Document)).one()
    files = sum(1 for p in settings.files_dir().rglob("*") if p.is_file()) if settings.files_dir().exists() else 0
    return cases, docs, files


def test_a_client_files_a_case_through_the_front_desk_flow(app_db):
    c, auth, cid = _setup()
    resp = c.post(URL, json=_body(), headers={**auth, "Idempotency-Key": "presentacion-0001"})
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert resp.headers["cache-control"] == "no-store"
    number, key = out["numero"], out["clave"]
    assert key and out["cargo_sellado"] is True and out["documentos"][0]["folios"] == 2
    with db.session() as s:
        case = s.exec(select(Expediente).where(col(Expediente.number) == number)).one()
        assert case.channel == "api" and case.folios == 2
        assert intake.find_by_key(s, number, key).id == case.id  # the filer tracks it with the key
        (event,) = s.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "registrar", col(AuditEvent.object_id) == number)
        ).all()
        assert event.actor == f"cliente:{cid}" and json.loads(event.data)["canal"] == "api"
    # the signed receipt link serves the sealed cargo
    path = out["cargo"].removeprefix(settings.PUBLIC_URL)
    pdf = c.get(path)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = " ".join(pdf_text(pdf.content).split())
    assert number in text and "Canal API" in text and "María Ñahui Quispe" in text
    # the report figures of the client's account answer (found by schemathesis: they were a 500)
    summary = c.get("/api/v1/ext/reportes/resumen", headers=auth)
    assert summary.status_code == 200 and "Expedientes" in summary.json()["indicadores"]

    # a resend under the same key: the same case, the access key not shown again
    before = _counts()
    again = c.post(URL, json=_body(), headers={**auth, "Idempotency-Key": "presentacion-0001"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["numero"] == number and again.json()["clave"] is None
    assert _counts() == before
    # another request under the same key is refused
    other = c.post(
        URL, json=_body(asunto="Otro asunto distinto"), headers={**auth, "Idempotency-Key": "presentacion-0001"}
    )
    assert other.status_code == 422 and other.json()["campo"] == "Idempotency-Key"
    assert other.json()["code"] == "dato_invalido" and _counts() == before


def test_multipart_filing_with_an_annex(app_db):
    c, auth, _ = _setup()
    datos = {k: v for k, v in _body().items() if k != "archivos"}
    files = [
        ("principal", ("solicitud.pdf", make_pdf(1), "application/pdf")),
        ("anexo", ("dni.pdf", make_pdf(1, "Copia de DNI"), "application/pdf")),
    ]
    resp = c.post(
        URL, data={"datos": json.dumps(datos)}, files=files, headers={**auth, "Idempotency-Key": "multi-00001"}
    )
    assert resp.status_code == 201, resp.text
    assert [d["rol"] for d in resp.json()["documentos"]] == ["principal", "anexo"]
    again = c.post(
        URL, data={"datos": json.dumps(datos)}, files=files, headers={**auth, "Idempotency-Key": "multi-00001"}
    )
    assert again.json()["numero"] == resp.json()["numero"] and again.headers["idempotent-replayed"] == "true"


def test_every_bad_filing_is_a_4xx_in_spanish_and_writes_nothing(app_db):
    c, auth, _ = _setup()
    before = _counts()
    n = iter(range(100))

    def post(body=None, *, status: int, code: str, campo: str | None = None, **kw) -> dict:
        headers = {**auth, "Idempotency-Key": f"malo-{next(n):06d}", **kw.pop("headers", {})}
        resp = c.post(URL, json=body, headers=headers, **kw) if body is not None else c.post(URL, headers=headers, **kw)
        assert resp.status_code == status, resp.text
        got = resp.json()
        assert got["code"] == code and got["detail"], got
        if campo is not None:
            assert got.get("campo") == campo or campo in got.get("campos", {}), got
        return got

    post(_body(remitente={**_body()["remitente"], "numero_documento": "123"}), status=422, code="dato_invalido",
         campo="remitente.numero_documento")  # fmt: skip
    post(_body(remitente={**_body()["remitente"], "correo": "no-es-correo"}), status=422, code="dato_invalido",
         campo="remitente.correo")  # fmt: skip
    post(_body(asunto=""), status=422, code="dato_invalido", campo="asunto")
    got = post(_body(tramite="NO-EXISTE"), status=422, code="dato_invalido", campo="tramite")
    assert "trámite" in got["detail"]
    post(_body(pdf=b"esto no es un PDF"), status=422, code="dato_invalido", campo="principal")
    bad64 = _body()
    bad64["archivos"][0]["contenido_base64"] = "%%%no-base64%%%"
    post(bad64, status=422, code="dato_invalido", campo="archivos.0.contenido_base64")
    post({"tramite": "CONST-AF"}, status=422, code="dato_invalido", campo="asunto")
    post(_body(archivos=[]), status=422, code="dato_invalido", campo="archivos")
    post(status=422, code="dato_invalido", content=b"{no json", headers={"Content-Type": "application/json"})
    post(status=415, code="tipo_no_admitido", content=b"tramite=x", headers={"Content-Type": "text/plain"})
    # the Idempotency-Key is required, and checked
    resp = c.post(URL, json=_body(), headers=auth)
    assert resp.status_code == 422 and resp.json()["campo"] == "Idempotency-Key"
    resp = c.post(URL, json=_body(), headers={**auth, "Idempotency-Key": "corta"})
    assert resp.status_code == 422 and "Idempotency-Key" in resp.json()["detail"]
    assert _counts() == before


def test_filing_needs_the_scope_and_a_token(app_db):
    c, auth, _ = _setup("expedientes:leer")
    resp = c.post(URL, json=_body(), headers={**auth, "Idempotency-Key": "sin-alcance-01"})
    assert resp.status_code == 403 and resp.json()["code"] == "alcance_insuficiente"
    resp = c.post(URL, json=_body(), headers={"Idempotency-Key": "sin-token-0001"})
    assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith("Bearer")
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(Expediente)).one() == 0
