"""/reportes in the browser: a manager filters, sees the figures, downloads the CSV; desktop and
phone without horizontal scroll; no serious/critical axe violations."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import axe_violations, dump
from tests.e2e.steps import login

pytestmark = pytest.mark.e2e
N_CASES = 1200
YEAR = 2025  # a year no other browser test files in: their numbering and inboxes stay untouched


def _insert_cases(db_url: str) -> None:
    """1 200 cases held by the DGRS directorate itself (only its manager sees them)."""
    from sqlalchemy import insert, select

    from sgd_app import db
    from sgd_app.domain.intake import access_key_hash
    from sgd_app.domain.models import CaseCounter, Expediente, Party, Procedure, Unit
    from sgd_app.domain.vocabulary import format_number

    eng = db.make_engine(db_url)
    try:
        with eng.begin() as conn:
            if conn.execute(select(Expediente.id).where(Expediente.year == YEAR).limit(1)).first():
                return
            dgrs = conn.execute(select(Unit.id).where(Unit.code == "DGRS")).scalar()
            proc = conn.execute(select(Procedure.id).where(Procedure.code == "SUSP-MUL")).scalar()
            party = conn.execute(
                insert(Party)
                .values(
                    doc_type="DNI",
                    doc_number="40404040",
                    name="Ñusta Gutiérrez Ñahui",
                    kind="ciudadano",
                    email="",
                    phone="",
                    address="",
                )
                .returning(Party.id)
            ).scalar()
            rows = []
            for i in range(1, N_CASES + 1):
                filed = date(YEAR, 3, 3) + timedelta(days=7 * (i % 30))
                status = ("atendido", "en_tramite", "registrado", "archivado")[i % 4]
                received = datetime(filed.year, filed.month, filed.day, 14, 0, tzinfo=UTC)
                rows.append(
                    dict(
                        number=format_number(YEAR, i),
                        year=YEAR,
                        seq=i,
                        procedure_id=proc,
                        party_id=party,
                        subject=f"Suspensión de cobranza N° {i}",
                        fields={},
                        channel="virtual" if i % 3 else "presencial",
                        status=status,
                        priority="normal",
                        received_at=received,
                        filed_on=filed,
                        due_on=filed + timedelta(days=14),
                        current_due_on=None,  # no step deadline: no "vencen" alert
                        current_unit_id=dgrs,
                        current_user_id=None,
                        awaiting_receipt=status == "registrado",
                        version=1,
                        accumulated_into_id=None,
                        closed_at=received + timedelta(days=7 if i % 8 else 30)
                        if status == "atendido"
                        else (received + timedelta(days=3) if status == "archivado" else None),
                        access_key_hash=access_key_hash(f"R{i}"),
                        folios=2,
                        registered_by_id=None,
                        created_at=received,
                    )
                )
            conn.execute(insert(Expediente), rows)
            conn.execute(insert(CaseCounter).values(year=YEAR, last=N_CASES))
        from sgd_app.domain import summaries

        summaries.rebuild(eng)  # bulk-loaded cases: the dashboard summaries are recomputed
    finally:
        eng.dispose()


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_manager_reports_figures_download_and_layout(app_server, browser, tmp_path):
    base = app_server["base"]
    _insert_cases(app_server["db_url"])
    ctx, page = login(browser, base, "gerente")
    page.goto(f"{base}/reportes")
    expect(page.get_by_role("heading", name="Reportes")).to_be_visible()
    page.get_by_label("Unidad").select_option(label="Dirección General de Recursos y Servicios")
    page.get_by_role("button", name="Aplicar filtros").click()
    expect(page.locator("#filtros-aplicados")).to_contain_text("Unidad: Dirección General de Recursos y Servicios")
    expect(page.locator("#descargar-csv")).to_have_attribute(
        "href", re.compile(r"^/api/v1/reportes/expedientes\.csv\?unit_id=\d+$")
    )
    expect(page.locator("#filas-a-exportar")).to_have_text("1 200")
    kpis = page.locator("#indicadores")
    expect(kpis).to_contain_text("Expedientes")
    expect(kpis).to_contain_text("1 200")
    expect(kpis).to_contain_text("300")  # attended
    expect(kpis).to_contain_text(re.compile(r"\d+,\d %"))
    expect(page.locator("#tabla-estado")).to_contain_text("Atendido")
    expect(page.locator("#vista-previa tbody tr")).to_have_count(50)
    expect(page.get_by_text("Vista previa: los primeros 50 de 1 200 expedientes.")).to_be_visible()
    page.screenshot(path=str(tmp_path / "reportes-1280.png"), full_page=True)
    assert _no_horizontal_scroll(page)
    violations = axe_violations(page)
    assert not violations, dump(violations)

    with page.expect_download() as dl:
        page.locator("#descargar-csv").click()
    assert re.fullmatch(r"expedientes-\d{4}-\d{2}-\d{2}\.csv", dl.value.suggested_filename)
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Número" and len(rows) == N_CASES + 1
    assert {r[8] for r in rows[1:]} == {"Ñusta Gutiérrez Ñahui"}
    assert {r[7] for r in rows[1:]} == {"Dirección General de Recursos y Servicios"}
    with page.expect_download() as dl:
        page.locator("#descargar-pdf").click()
    assert Path(dl.value.path()).read_bytes()[:5] == b"%PDF-"
    # The Excel is prepared in the background with visible progress, then offered for download.
    page.locator("#preparar-xlsx").click()
    expect(page.locator("#avance-xlsx")).to_contain_text(re.compile(r"Preparando el Excel|Excel listo"))
    expect(page.locator("#avance-xlsx")).to_have_text("Excel listo: 1 200 filas.", timeout=30000)
    with page.expect_download() as dl:
        page.locator("#descargar-xlsx").click()
    assert re.fullmatch(r"expedientes-\d{4}-\d{2}-\d{2}\.xlsx", dl.value.suggested_filename)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()), read_only=True)
    sheet = list(wb["Expedientes"].iter_rows(values_only=True))
    assert sheet[0][0] == "Número" and len(sheet) == N_CASES + 1
    assert {r[7] for r in sheet[1:]} == {"Dirección General de Recursos y Servicios"}
    href = page.locator("#descargar-xlsx").get_attribute("href")
    other, other_page = login(browser, base, "jefe.logistica")
    got = other_page.request.get(base + href)
    assert got.status == 404  # another user's prepared file is not theirs to take
    other.close()
    ctx.close()

    ctx, page = login(browser, base, "gerente", phone=True)
    page.goto(f"{base}/reportes")
    expect(page.locator("#filas-a-exportar")).to_have_text(re.compile(r"^1 2\d\d$"))
    expect(page.locator("#indicadores")).to_contain_text("Atendidos dentro del plazo")
    page.screenshot(path=str(tmp_path / "reportes-390.png"), full_page=True)
    assert _no_horizontal_scroll(page)
    ctx.close()
    import shutil

    out = Path("/tmp/reportes-shots")
    out.mkdir(exist_ok=True)
    for name in ("reportes-1280.png", "reportes-390.png"):
        shutil.copy(tmp_path / name, out / name)


def test_reports_need_a_session(app_server, browser):
    base = app_server["base"]
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{base}/reportes")
    expect(page).to_have_url(re.compile(r"/ingresar"))
    resp = page.request.get(f"{base}/api/v1/reportes/expedientes.csv")
    assert resp.status == 401
    ctx.close()
