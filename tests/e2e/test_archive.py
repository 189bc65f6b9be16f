"""The central archive in the browser (issue 18, items 4-6): the archive head sees the holdings per
series, the file due for transfer, prepares the sealed transfer inventory, views its PDF and
approves it; the same file, due for elimination, goes into a proposal that only the committee
approves, and the archive head executes it; a legal hold refuses a short reason and blocks another
file. At 1280 and 390 px."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import auth, dossier, intake, records, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.models import Expediente, Unit
from sgd_app.domain.signing import config
from tests.conftest import make_pdf
from tests.e2e.harness import DEMO_PASSWORD, shot
from tests.e2e.steps import login

pytestmark = pytest.mark.e2e


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _who(engine, username):
    with db.write_session(engine) as s:
        token = auth.login(s, username=username, password=DEMO_PASSWORD)
    with db.session(engine) as s:
        return auth.resolve(s, token)


def _old_closed_case(engine, store, subject: str) -> str:
    """A CONST-AF case received and archived by ROP, its closing moved back to 2020."""
    with db.write_session(engine) as s:
        number = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject=subject,
            files=[intake.IncomingFile("s.pdf", make_pdf(2), "principal")],
        ).case.number
    for fn, who, kw in (
        (routing.receive, _who(engine, "rop"), {}),
        (routing.archive, _who(engine, "jefe.rop"), {"reason": "Se archiva por desistimiento"}),
    ):
        with db.write_session(engine) as s:
            case = s.exec(select(Expediente).where(Expediente.number == number)).one()
            fn(s, who=who, number=number, version=case.version, **kw)
    with db.write_session(engine) as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        row = s.get_one(records.CaseFile, case.id)
        row.closed_at = datetime(2020, 6, 15, 15, 0, tzinfo=UTC)
        s.add(row)
    dossier.seal_index(number, engine=engine)
    return number


@pytest.fixture
def archive_world(app_server, monkeypatch):
    monkeypatch.setattr(settings, "DATA_DIR", app_server["data"])  # the server's files and keys
    config.forget_keys()
    engine = db.make_engine(app_server["db_url"])
    store = FileStore(settings.files_dir())
    with db.write_session(engine) as s:
        sg = s.exec(select(Unit).where(Unit.code == "SG")).one()
        for username, name, role in (
            ("archivo", "Teresa Apaza Lima", "archivist"),
            ("comite", "Julio Cárdenas Ríos", "committee"),
        ):
            auth.create_user(s, username=username, full_name=name, password=DEMO_PASSWORD, memberships=[(sg, role)])
        series = s.exec(select(records.RecordSeries).where(records.RecordSeries.code == "ROP-02")).one()
        series.office_years, series.central_years, series.disposition = 1, 1, "eliminacion"
        s.add(series)
    numbers = [_old_closed_case(engine, store, f"Constancia antigua {n}") for n in (1, 2)]
    yield {"numbers": numbers, "engine": engine, "store": store}
    engine.dispose()
    config.forget_keys()


def test_the_archive_transfers_and_the_committee_approves_an_elimination(app_server, browser, archive_world):
    base = app_server["base"]
    first, second = archive_world["numbers"]
    ctx, page = login(browser, base, "archivo")
    page.get_by_role("link", name="Archivo").first.click()
    expect(page).to_have_url(re.compile(r"/archivo"))
    table = page.locator("#tabla-archivo")
    expect(table).to_contain_text("ROP-02")
    shot(page, "archivo-resumen-1280")

    # A legal hold: a short reason is refused in Spanish, a real one blocks the second file.
    page.locator("#pestana-retenidos").click()
    page.get_by_label("N° de expediente").fill(second)
    page.get_by_label("Motivo", exact=True).fill("corto")
    page.locator("#retener").click()
    expect(page.get_by_text("Explique el motivo (mínimo 10 caracteres).")).to_be_visible()
    page.get_by_label("Motivo", exact=True).fill("Proceso judicial en curso ante el Poder Judicial")
    page.locator("#retener").click()
    expect(table).to_contain_text(second)
    expect(table).to_contain_text("Proceso judicial en curso")

    # Due for transfer: both listed, the second marked as held.
    page.locator("#pestana-transferir").click()
    expect(table).to_contain_text(first)
    expect(table.locator("tr", has_text=second)).to_contain_text("Retenido")
    shot(page, "archivo-por-transferir-1280")
    page.locator("#preparar-transferencia").click()
    expect(page.locator("#pestana-inventarios")).to_have_attribute("aria-pressed", "true")
    row = table.locator("tr", has_text="IT-")
    expect(row).to_contain_text("Inventario de transferencia")
    expect(row).to_contain_text("Preparado")
    href = row.get_by_role("link", name="Ver PDF").get_attribute("href")
    pdf = page.request.get(f"{base}{href}").body()
    text = _text(pdf)
    assert "INVENTARIO DE TRANSFERENCIA" in text and first in text and second not in text
    assert config.validate(pdf).verdict == "VÁLIDO"
    row.get_by_role("button", name="Aprobar").click()
    expect(row).to_contain_text("Aprobado")
    shot(page, "archivo-inventarios-1280")

    # Now in the central archive and due for elimination: the proposal.
    page.locator("#pestana-eliminar").click()
    expect(table).to_contain_text(first)
    page.locator("#preparar-eliminacion").click()
    proposal = table.locator("tr", has_text="IE-")
    expect(proposal).to_contain_text("Preparado")
    expect(proposal.get_by_role("button", name="Aprobar")).to_have_count(0)  # not the archive head's to approve
    ctx.close()

    cctx, committee = login(browser, base, "comite")
    committee.goto(f"{base}/archivo")
    committee.locator("#pestana-inventarios").click()
    proposal = committee.locator("#tabla-archivo tr", has_text="IE-")
    proposal.get_by_role("button", name="Aprobar").click()
    expect(proposal).to_contain_text("Aprobado")
    cctx.close()

    pctx, small = login(browser, base, "archivo", phone=True)
    small.goto(f"{base}/archivo")
    small.locator("#pestana-inventarios").click()
    proposal = small.locator("#tabla-archivo tr", has_text="IE-")
    shot(small, "archivo-inventarios-390")
    proposal.get_by_role("button", name="Ejecutar eliminación").click()
    expect(proposal).to_contain_text("Ejecutado")
    small.locator("#pestana-resumen").click()
    rop02 = small.locator("#tabla-archivo tr", has_text="ROP-02")
    expect(rop02.locator("td").nth(3)).to_have_text("Eliminados: 1")  # the phone's cards name each column
    expect(rop02.locator("td").nth(4)).to_have_text("Retenidos: 1")
    shot(small, "archivo-resumen-390")
    pctx.close()
    with db.session(archive_world["engine"]) as s:
        case = s.exec(select(Expediente).where(Expediente.number == first)).one()
        assert records.retention.stage_of(s, case.id) == "eliminado"
        index = records.latest_index(s, case.id)
    assert archive_world["store"].exists(index.pdf_sha256)  # the sealed index stays


def test_an_office_head_is_refused_the_archive(app_server, browser):
    ctx, page = login(browser, app_server["base"], "jefe.rop")
    page.goto(f"{app_server['base']}/archivo")
    expect(page.locator("#sin-permiso")).to_contain_text("Archivo Central")
    ctx.close()
