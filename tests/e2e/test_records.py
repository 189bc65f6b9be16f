"""The electronic file in the browser (issue 18, items 1-3): a head archives a case, the card
"Expediente electrónico" shows it closed and frozen at 1280 and 390 px, the sealed foliation index
downloads (and validates), and an official who was drafting a document in the case when it closed
gets the Spanish refusal instead of a new document."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import shot
from tests.e2e.steps import citizen_files, login

pytestmark = pytest.mark.e2e


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_a_head_closes_a_case_downloads_its_index_and_the_frozen_file_refuses_a_document(
    app_server, browser, phone, tmp_path
):
    base = app_server["base"]
    number, _ = citizen_files(phone, base, tmp_path, "Constancia de afiliación para el archivo")

    # The officer receives the case and starts drafting a memorando (not saved yet).
    octx, officer = login(browser, base, "rop")
    officer.goto(f"{base}/expedientes/{number}")
    officer.locator("#accion-recibir").click()
    card = officer.locator("#tarjeta-expediente-electronico")
    expect(card).to_contain_text("ROP-02 — Constancias de afiliación")  # classified at filing
    expect(card).to_contain_text("Abierto")
    officer.locator("#accion-redactar").click()
    officer.get_by_label("Tipo de documento").select_option(label="Memorando")
    officer.get_by_label("Dirigido a").fill("Tesorería")
    officer.get_by_label("Asunto", exact=True).fill("Pedido de información")
    officer.get_by_label("Contenido").fill("Sírvase informar sobre el estado de la multa.")

    # The head archives it: the file freezes and its index is sealed.
    hctx, head = login(browser, base, "jefe.rop")
    head.goto(f"{base}/expedientes/{number}")
    head.locator("#accion-archivar").click()
    head.get_by_label("Motivo del archivo").fill("El administrado desistió de su pedido")
    head.locator("#confirmar").click()
    expect(head.locator("#estado-expediente")).to_have_text("Archivado")
    card = head.locator("#tarjeta-expediente-electronico")
    expect(card).to_contain_text("Cerrado y congelado · índice de foliación versión 1")
    expect(head.locator("#abrir-reabrir")).to_be_visible()
    card.scroll_into_view_if_needed()
    shot(head, "expediente-electronico-1280")
    with head.expect_download() as got:
        head.locator("#descargar-indice").click()
    assert got.value.suggested_filename == f"indice-{number}.pdf"
    pdf = Path(got.value.path()).read_bytes()
    text = _text(pdf)
    assert "ÍNDICE DE FOLIACIÓN" in text and number in text and "ROP-02" in text
    if shutil.which("pdfsig"):
        path = tmp_path / "indice.pdf"
        path.write_bytes(pdf)
        assert "Signature is Valid" in subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    with head.expect_download() as got:
        head.locator("#descargar-paquete").click()
    assert got.value.suggested_filename == f"paquete-{number}.zip"

    # The officer's draft arrives after the closing: refused, in Spanish, nothing saved.
    officer.locator("#confirmar").click()
    expect(officer.get_by_text(re.compile("expediente electrónico quedó congelado"))).to_be_visible()
    expect(officer.get_by_text("Aún no hay documentos emitidos.")).to_be_visible()
    shot(officer, "expediente-congelado-rechazo-1280")
    octx.close()

    # The head reopens it with a reason (too short first), then archives it again: index version 2.
    head.locator("#abrir-reabrir").click()
    head.get_by_label(re.compile("Motivo de la reapertura")).fill("corto")
    head.locator("#confirmar").click()
    expect(head.get_by_text("Explique el motivo de la reapertura (mínimo 10 caracteres).")).to_be_visible()
    head.get_by_label(re.compile("Motivo de la reapertura")).fill("El administrado presentó un escrito nuevo")
    head.locator("#confirmar").click()
    expect(head.locator("#estado-expediente")).to_have_text("En trámite")
    expect(head.locator("#tarjeta-expediente-electronico")).to_contain_text("Abierto")
    expect(head.get_by_text("Reabierto")).to_be_visible()
    head.locator("#accion-archivar").click()
    head.get_by_label("Motivo del archivo").fill("Se atendió el escrito y se archiva otra vez")
    head.locator("#confirmar").click()
    expect(head.locator("#tarjeta-expediente-electronico")).to_contain_text("índice de foliación versión 2")
    hctx.close()

    # The same card on a phone.
    pctx, small = login(browser, base, "jefe.rop", phone=True)
    small.goto(f"{base}/expedientes/{number}")
    card = small.locator("#tarjeta-expediente-electronico")
    expect(card).to_contain_text("Cerrado y congelado")
    card.scroll_into_view_if_needed()
    shot(small, "expediente-electronico-390")
    pctx.close()


def test_an_administrator_keeps_the_classification_scheme(app_server, browser):
    base = app_server["base"]
    ctx, page = login(browser, base, "admin")
    page.goto(f"{base}/admin")
    page.get_by_role("tab", name="Clasificación").click()
    series = page.locator("#lista-series")
    expect(series).to_contain_text("SG-01")
    expect(series.locator("li")).to_have_count(13)
    page.locator("#nueva-serie").click()
    page.get_by_label("Código").fill("ROP-03")
    page.get_by_label("Nombre").fill("Padrones de afiliados")
    page.get_by_label("Años en el archivo de gestión").fill("3")
    page.get_by_label("Años en el archivo central").fill("7")
    page.get_by_label("Disposición final").select_option(label="Selección")
    page.locator("#guardar-serie").click()
    expect(series.locator("li")).to_have_count(14)
    expect(series).to_contain_text("Padrones de afiliados")
    expect(page.locator("#series-tramites")).to_contain_text("CONST-AF")
    # every select shows its own series, even after a new one moved the options around
    expect(page.get_by_label("Serie de SOL-GEN — Solicitud general")).to_have_value(
        page.locator("#series-tramites option", has_text="SG-03 — Trámite documentario general").first.get_attribute(
            "value"
        )
    )
    memo = page.locator("#series-documentos option", has_text="SG-04 — Memorandos").first.get_attribute("value")
    expect(page.get_by_label("Serie de Memorando")).to_have_value(memo)
    shot(page, "admin-clasificacion-1280")
    ctx.close()
    pctx, small = login(browser, base, "admin", phone=True)
    small.goto(f"{base}/admin")
    small.get_by_role("tab", name="Clasificación").click()
    expect(small.locator("#lista-series")).to_contain_text("Padrones de afiliados")
    shot(small, "admin-clasificacion-390")
    pctx.close()
