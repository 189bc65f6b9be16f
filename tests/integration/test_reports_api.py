"""/api/v1/reportes/*: CSV (streamed, BOM, ';'), XLSX (two sheets, real dates) and the PDF
summary, through the real ASGI app, for a signed-in user and only over their visible units."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, update
from sqlmodel import select

from sgd_app import db, demo_data, settings
from sgd_app.api import api
from sgd_app.domain import auth, intake, reports, routing, summaries
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Expediente, Unit
from tests.conftest import make_pdf

PASSWORD = "clave-demo-123"
BASE = "/api/v1/reportes"


def _client(username: str | None = None) -> TestClient:
    client = TestClient(api, follow_redirects=False)
    if username:
        resp = client.post("/api/v1/sesion", data={"usuario": username, "clave": PASSWORD})
        assert resp.status_code == 303 and settings.SESSION_COOKIE in resp.cookies
    return client


def _file(code: str, subject: str, fields=None) -> str:
    store = FileStore(settings.files_dir())
    with db.write_session() as s:
        return intake.file_case(
            s,
            store,
            procedure_code=code,
            subject=subject,
            fields=fields or {},
            filer=intake.FilerInput(
                doc_type="DNI",
                doc_number="45678912",
                name="María Ñahui Quispe",
                kind="ciudadano",
                email="maria@example.pe",
                phone="987654321",
            ),
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        ).case.number


@pytest.fixture
def cases(app_db):
    """Tesorería: two cases filed on 2 March 2026 (one attended on time); ROP: one case."""
    tes_cases = [
        _file("SUSP-MUL", "Suspensión de cobranza — señor Núñez", {"multa": "M-1"}),
        _file("SUSP-MUL", "Segunda suspensión", {"multa": "M-2"}),
    ]
    rop_case = _file("CONST-AF", "Constancia de afiliación")
    with db.write_session() as s:
        token = auth.login(s, username="tesoreria", password=PASSWORD)
    with db.session() as s:
        tes = auth.resolve(s, token)
    for number in tes_cases:
        with db.session() as s:
            v = s.exec(select(Expediente.version).where(Expediente.number == number)).one()
        with db.write_session() as s:
            routing.receive(s, who=tes, number=number, version=v)
    with db.session() as s:
        v = s.exec(select(Expediente.version).where(Expediente.number == tes_cases[0])).one()
    with db.write_session() as s:
        routing.attend(s, who=tes, number=tes_cases[0], version=v, summary="Se suspendió la cobranza")
    with db.write_session() as s:
        s.execute(update(Expediente).values(filed_on=date(2026, 3, 2), due_on=date(2026, 3, 12)))
        s.execute(
            update(Expediente)
            .where(Expediente.number == tes_cases[0])
            .values(closed_at=datetime(2026, 3, 4, 20, 0, tzinfo=UTC))
        )
    summaries.rebuild(db.engine())  # dates set by hand: the summaries are recomputed from the cases
    return {"tes": tes_cases, "rop": rop_case}


def _csv(resp) -> list[list[str]]:
    assert resp.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig")), delimiter=";"))


def test_csv_for_the_manager_scope(cases):
    resp = _client("gerente").get(f"{BASE}/expedientes.csv")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["cache-control"] == "no-store" and resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="expedientes-{routing.today_lima().isoformat()}.csv"'
    )
    rows = _csv(resp)
    assert rows[0] == list(reports.HEADERS)
    assert [r[0] for r in rows[1:]] == cases["tes"]  # ROP's case is not in the manager's scope
    first = rows[1]
    assert first[1] == "02/03/2026" and first[6] == "Atendido" and first[7] == "Tesorería"
    assert first[8] == "María Ñahui Quispe" and first[10] == "Suspensión de cobranza — señor Núñez"
    assert first[9] == "DNI 45678912"


def test_csv_filters_and_errors(cases):
    client = _client("gerente")
    rows = _csv(client.get(f"{BASE}/expedientes.csv", params={"status": "en_tramite"}))
    assert [r[0] for r in rows[1:]] == cases["tes"][1:]
    assert len(_csv(client.get(f"{BASE}/expedientes.csv", params={"date_from": "2026-04-01"}))) == 1
    for params in ({"date_from": "02/03/2026"}, {"unit_id": "abc"}, {"status": "nada"}):
        for path in ("expedientes.csv", "expedientes.xlsx", "resumen.pdf"):
            resp = client.get(f"{BASE}/{path}", params=params)
            assert resp.status_code == 422, (path, params)
            assert "no es válid" in resp.json()["detail"]
            assert resp.json()["campo"] == next(iter(params))
    for path in ("expedientes.csv", "expedientes.xlsx", "resumen.pdf"):
        resp = _client().get(f"{BASE}/{path}")
        assert resp.status_code == 401 and resp.json()["detail"] == "Inicie sesión para continuar."
        forged = TestClient(api, cookies={settings.SESSION_COOKIE: "inventado"}).get(f"{BASE}/{path}")
        assert forged.status_code == 401 and forged.json()["detail"] == "Su sesión terminó. Vuelva a ingresar."
    # Another unit's officer gets the header only, even naming the unit.
    with db.session() as s:
        tes_id = s.exec(select(Unit.id).where(Unit.code == "TES")).one()
    rows = _csv(_client("enec").get(f"{BASE}/expedientes.csv", params={"unit_id": str(tes_id)}))
    assert rows == [list(reports.HEADERS)]


def test_xlsx_two_sheets_with_real_dates(cases):
    from openpyxl import load_workbook

    resp = _client("gerente").get(f"{BASE}/expedientes.xlsx")
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    assert resp.headers["content-disposition"].endswith('.xlsx"')
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["Expedientes", "Resumen"]
    rows = list(wb["Expedientes"].iter_rows(values_only=True))
    assert list(rows[0]) == list(reports.HEADERS)
    assert [r[0] for r in rows[1:]] == cases["tes"]
    assert isinstance(rows[1][1], datetime) and rows[1][1].date() == date(2026, 3, 2)
    assert isinstance(rows[1][11], datetime) and rows[1][11].date() == date(2026, 3, 12)
    assert rows[1][7] == "Tesorería" and rows[1][12] >= 1
    summary = {r[0]: r[1] for r in wb["Resumen"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Expedientes"] == 2 and summary["Atendidos"] == 1
    assert summary["Atendidos dentro del plazo (%)"] == 100.0
    assert summary["Promedio de días hábiles para atender"] == 2.0
    assert summary["Tesorería"] == 2 and summary["Atendido"] == 1 and summary["En trámite"] == 1


def test_pdf_summary_one_page_with_the_kpis(cases, tmp_path):
    resp = _client("gerente").get(f"{BASE}/resumen.pdf", params={"date_from": "2026-03-01"})
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["x-content-type-options"] == "nosniff"
    path = tmp_path / "r.pdf"
    path.write_bytes(resp.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M) and "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Resumen de expedientes" in text
    assert "Presentados desde 01/03/2026 hasta hoy" in text
    assert "100,0 %" in text and "2,0" in text  # on time; average business days
    assert "Tesorería" in text and "Suspensión de cobranza coactiva" in text and "En trámite" in text


def test_csv_streams_thousands_of_cases(app_db):
    demo_data.generate(app_db, 3000)
    with db.write_session() as s:
        roots = s.exec(select(Unit).where(Unit.parent_id == None)).all()  # noqa: E711
        auth.create_user(
            s,
            username="auditoria",
            full_name="Auditoría",
            password=PASSWORD,
            memberships=[(u, "manager") for u in roots],
        )
    resp = _client("auditoria").get(f"{BASE}/expedientes.csv")
    assert resp.status_code == 200
    rows = _csv(resp)
    assert len(rows) == 3001 and len({r[0] for r in rows[1:]}) == 3000
    # The manager of DGRS gets exactly the cases held by DGRS and the units below it.
    with db.session() as s:
        dgrs = s.exec(select(Unit.id).where(Unit.code == "DGRS")).one()
        below = set(s.exec(select(Unit.id).where((Unit.parent_id == dgrs) | (Unit.id == dgrs))).all())
        expected = s.exec(
            select(func.count()).select_from(Expediente).where(Expediente.current_unit_id.in_(below))
        ).one()
    rows = _csv(_client("gerente").get(f"{BASE}/expedientes.csv"))
    assert 0 < len(rows) - 1 == expected < 3000
