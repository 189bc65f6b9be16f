"""Staff workspace in the browser: paper at the desk, receive, derive with a copy, the other
unit's head sees it with its traffic light, the copy recipient can only read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import clerk_registers_paper
from tests.e2e.steps import login as _login

pytestmark = pytest.mark.e2e


def test_paper_filing_is_received_derived_with_copy_and_seen_by_the_right_people(app_server, browser, tmp_path):
    base = app_server["base"]

    # 1. The clerk registers a paper filing (no e-mail: the filer came in person).
    ctx, page = _login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="10293847",
        name="Juan Quispe Mamani",
        phone="984 112 233",
        subject="Suspensión de cobranza por multa ya pagada",
        fine="MULTA-2026-00077",
        pages=3,
    )
    expect(page.get_by_text("Mesa de Partes presencial — Lima, Perú")).to_be_visible()
    with page.expect_download() as dl:
        page.get_by_role("link", name=re.compile("Descargar cargo")).click()
    assert Path(dl.value.path()).read_bytes()[:5] == b"%PDF-"
    ctx.close()

    # 2. Tesorería's officer receives it and derives it to Logística with a copy to Contabilidad.
    ctx, page = _login(browser, base, "tesoreria")
    expect(page.locator("#pestana-por_recibir")).to_contain_text(re.compile(r"Por recibir [1-9]"))
    expect(page.locator("#lista-bandeja")).to_contain_text(number)  # other tests' cases may wait there too
    expect(page.get_by_role("link", name="Registrar documento")).to_have_count(0)  # not a clerk
    page.get_by_role("link", name=re.compile(number)).click()
    expect(page.locator("#numero-expediente")).to_have_text(number)
    expect(page.locator("#estado-expediente")).to_have_text("Registrado")
    page.locator("#accion-recibir").click()
    expect(page.locator("#estado-expediente")).to_have_text("En trámite")
    page.locator("#accion-derivar").click()
    # Its own unit is offered only to hand the case to a person there; never as a copy.
    expect(page.locator("#campo-to_unit option", has_text="Tesorería (su unidad: elija a una persona)")).to_have_count(
        1
    )
    expect(page.locator("input[type=checkbox][name^=copia_]")).not_to_have_count(0)
    expect(page.get_by_label("Tesorería", exact=True)).to_have_count(0)
    page.get_by_label("Unidad de destino").select_option(label="Logística")
    page.get_by_label("Contabilidad").check()
    page.get_by_label("Proveído (instrucciones)").fill("Verificar el pago en el sistema y emitir informe")
    page.get_by_label("Plazo (días hábiles)").fill("2")
    page.locator("#confirmar").click()
    expect(page.locator("#solo-lectura")).to_be_visible()
    expect(page.locator("#hoja-de-ruta")).to_contain_text("Verificar el pago en el sistema")
    expect(page.locator("#hoja-de-ruta")).to_contain_text("Copia para conocimiento")
    ctx.close()

    # 3. The head of Logística sees it waiting, with the amber light of a 2-day step deadline.
    ctx, page = _login(browser, base, "jefe.logistica")
    row = page.locator("#lista-bandeja li", has_text=number)
    expect(row).to_be_visible()
    expect(row).to_contain_text(re.compile(r"Vence (hoy|en \d día\(s\) hábil\(es\))"))
    page.get_by_role("link", name=re.compile(number)).click()
    expect(page.locator("#semaforo")).to_contain_text(re.compile("Vence"))
    expect(page.locator("#accion-recibir")).to_be_visible()
    ctx.close()

    # 4. Contabilidad sees it under Copias and cannot act on it.
    ctx, page = _login(browser, base, "contabilidad", phone=True)
    expect(page.locator("#pestana-copias")).to_contain_text(re.compile(r"Copias [1-9]"))
    page.locator("#pestana-copias").click()
    row = page.locator("#lista-bandeja li", has_text=number)
    expect(row).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    row.get_by_role("link").click()
    expect(page.locator("#numero-expediente")).to_have_text(number)
    expect(page.locator("#solo-lectura")).to_be_visible()
    expect(page.locator("#accion-recibir")).to_have_count(0)
    expect(page.locator("#accion-derivar")).to_have_count(0)
    ctx.close()

    # 5. An officer of an unrelated unit gets "not found" for the same URL.
    ctx, page = _login(browser, base, "enec")
    page.goto(f"{base}/expedientes/{number}")
    expect(page.locator("#sin-acceso")).to_contain_text("no encontrado")
    expect(page.get_by_text("Juan Quispe Mamani")).to_have_count(0)
    ctx.close()


def test_citizen_cannot_use_the_desk_page(app_server, phone):
    page = phone
    page.goto(f"{app_server['base']}/registrar")
    expect(page).to_have_url(re.compile(r"/ingresar"))
