"""Mesa de Partes review of online filings (issue 14, item 7) and copies marked read (item 6), in
the browser: the administrator turns "Revisión en mesa de partes" on for a procedure; a citizen
files it online; it waits in the desk clerk's /bandeja; the clerk corrects the procedure and
derives it; the new procedure's unit receives it. A procedure with the review off goes straight
to its unit and never shows in the desk's Enviados. Copy recipients mark their copy read, from
the case page and from Bandeja > Copias, and the hoja de ruta says who read it and when."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import make_pdf
from tests.e2e.harness import shot
from tests.e2e.steps import citizen_files, fill_filer, login, send_filing, start_filing, upload_main

pytestmark = pytest.mark.e2e

CERT = "Certificado de notas y de estudios (CERT-NOT) — Escuela Electoral y de Gobernabilidad, 7 días hábiles"


def _admin_turns_review_on(browser, base, procedure: str) -> None:
    ctx, page = login(browser, base, "admin")
    page.goto(f"{base}/admin")
    page.get_by_role("tab", name="Trámites").click()
    page.get_by_role("button", name=f"Editar {procedure}").click()
    box = page.get_by_label(re.compile("Revisión en mesa de partes"))
    expect(box).not_to_be_checked()  # the browser tests start with the review off everywhere
    box.check()
    page.get_by_role("button", name="Guardar trámite").click()
    row = page.locator("li", has=page.get_by_role("button", name=f"Editar {procedure}"))
    expect(row.locator(".revision-mesa")).to_have_text("Revisión en mesa de partes: Sí")
    ctx.close()


def _files_online(page, base, tmp_path, procedure: str, subject: str) -> str:
    start_filing(page, base, procedure)
    fill_filer(page)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Asunto: ¿qué solicita?").fill(subject)
    page.get_by_role("button", name="Continuar").click()
    upload_main(page, tmp_path, make_pdf(1, subject))
    expect(page.get_by_text("solicitud.pdf")).to_be_visible()
    page.get_by_role("button", name="Continuar").click()
    number, _key = send_filing(page)
    return number


def test_review_on_the_desk_reclassifies_and_derives(app_server, browser, phone, tmp_path):
    base = app_server["base"]
    _admin_turns_review_on(browser, base, "Solicitud general")
    number = _files_online(phone, base, tmp_path, "Solicitud general", "Pido mi certificado de notas del curso 2025")

    # The desk clerk finds it in the inbox, to receive.
    ctx, page = login(browser, base, "mesa")
    inbox = page.locator("#lista-bandeja")
    expect(inbox).to_contain_text(number)
    expect(inbox).to_contain_text("Solicitud general")
    shot(page, "desk-bandeja-1280")
    inbox.get_by_text(number).click()
    expect(page).to_have_url(re.compile(rf"/expedientes/{number}"))
    page.locator("#accion-recibir").click()

    # Corrects the procedure: the catalogue, then a Spanish confirmation.
    page.locator("#accion-reclasificar").click()
    page.get_by_label("Procedimiento correcto").select_option(label=CERT)
    page.locator("#confirmar").click()
    expect(page.locator("#confirmar-procedimiento")).to_contain_text(
        "¿Corregir el procedimiento de este expediente a «Certificado de notas y de estudios"
    )
    shot(page, "desk-confirmar-1280")
    page.locator("#confirmar-correccion").click()
    expect(page.get_by_text(re.compile("Procedimiento corregido: Certificado de notas"))).to_be_visible()
    expect(page.get_by_text(re.compile("Certificado de notas y de estudios · Administrativo"))).to_be_visible()
    expect(page.get_by_text("Procedimiento corregido por mesa de partes")).to_be_visible()

    # On a phone the case page and its panel fit the width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#accion-reclasificar").click()
    expect(page.get_by_label("Procedimiento correcto")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "desk-corregido-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Derives it: the destination offered is the new procedure's unit.
    page.locator("#accion-derivar").click()
    expect(page.locator("#campo-to_unit option:checked")).to_have_text("Escuela Electoral y de Gobernabilidad")
    shot(page, "desk-derivar-1280")
    page.get_by_label("Proveído (instrucciones)").fill("Corresponde a la Escuela Electoral")
    page.locator("#confirmar").click()
    expect(page.locator("#solo-lectura")).to_be_visible()
    page.goto(f"{base}/bandeja?pestana=enviados")
    expect(page.locator("#lista-bandeja")).to_contain_text(number)  # the desk did send this one
    ctx.close()

    # The Escuela Electoral receives it.
    ctx, page = login(browser, base, "enec")
    expect(page.locator("#lista-bandeja")).to_contain_text(number)
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    expect(page.locator("#estado-expediente")).to_have_text("En trámite")
    ctx.close()


def test_review_off_goes_straight_to_the_unit(app_server, browser, phone, tmp_path):
    base = app_server["base"]
    number, _ = citizen_files(phone, base, tmp_path, "Constancia de afiliación sin revisión en mesa")
    ctx, page = login(browser, base, "rop")
    expect(page.locator("#lista-bandeja")).to_contain_text(number)
    ctx.close()
    ctx, page = login(browser, base, "mesa")
    expect(page.locator("#total-bandeja")).to_be_visible()
    expect(page.locator("#lista-bandeja").get_by_text(number)).to_have_count(0)
    page.locator("#pestana-enviados").click()
    expect(page.locator("#pestana-enviados")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(500)
    expect(page.get_by_text(number)).to_have_count(0)  # the desk never touched it
    ctx.close()


def test_copy_recipients_mark_their_copy_read(app_server, browser, phone, tmp_path):
    base = app_server["base"]
    number, _ = citizen_files(phone, base, tmp_path, "Constancia con copias para conocimiento")
    ctx, page = login(browser, base, "rop")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    page.locator("#accion-derivar").click()
    page.get_by_label("Unidad de destino").select_option(label="Logística")
    page.get_by_label("Tesorería", exact=True).check()
    page.get_by_label("Contabilidad", exact=True).check()
    page.locator("#confirmar").click()
    expect(page.locator("#solo-lectura")).to_be_visible()
    ctx.close()

    # Tesorería reads it from the case page.
    ctx, page = login(browser, base, "tesoreria")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#marcar-copia-leida").click()
    expect(page.get_by_text(re.compile(r"Copia leída por Miguel Flores Rojas el \d"))).to_be_visible()
    expect(page.locator("#marcar-copia-leida")).to_have_count(0)
    ctx.close()

    # Contabilidad reads it from the inbox (on a phone).
    ctx, page = login(browser, base, "contabilidad", phone=True)
    page.locator("#pestana-copias").click()
    row = page.locator("#lista-bandeja li", has_text=number)
    row.get_by_role("button", name=f"Marcar como leída la copia del expediente {number}").click()
    expect(row.locator(".copia-leida")).to_contain_text("Leída el")
    shot(page, "copias-390")
    page.goto(f"{base}/expedientes/{number}")
    expect(page.get_by_text(re.compile(r"Copia leída por Sonia Huamán Vargas el \d"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Copia leída por Miguel Flores Rojas el \d"))).to_be_visible()
    ctx.close()
