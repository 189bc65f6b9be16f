"""Signatures in the browser: a sealed receipt verifies from its QR link; a tampered copy does
not; an official drafts a memo, the head signs it from /firma on a phone and it is filed signed."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import shot
from tests.e2e.steps import citizen_files, clerk_registers_paper
from tests.e2e.steps import login as _login

pytestmark = pytest.mark.e2e


def _file_and_download_receipt(page, base, tmp_path) -> tuple[str, bytes]:
    number, _key = citizen_files(page, base, tmp_path, "Constancia de no afiliación para trámite")
    with page.expect_download() as dl:
        page.get_by_role("link", name=re.compile("Descargar cargo")).click()
    return number, open(dl.value.path(), "rb").read()


def test_sealed_receipt_verifies_from_its_qr_link_and_a_tampered_copy_does_not(app_server, phone, tmp_path):
    base = app_server["base"]
    page = phone
    number, receipt = _file_and_download_receipt(page, base, tmp_path)
    assert b"/ByteRange" in receipt  # it carries a signature
    text = subprocess.run(["pdftotext", "-", "-"], input=receipt, capture_output=True, check=True).stdout.decode()
    assert "Ley N° 27269" in text
    link = re.search(r"(http://\S+/verificar\?codigo=[0-9A-F]+)", text.replace("\n", ""))
    assert link, text
    page.goto(link.group(1))
    expect(page.locator("#veredicto")).to_have_text("VÁLIDO")
    expect(page.get_by_text(number, exact=True)).to_be_visible()
    expect(page.get_by_text("Cargo de recepción").first).to_be_visible()

    # One byte changed inside the signed content: NO VÁLIDO, with the reason in Spanish.
    tampered = bytearray(receipt)
    pos = receipt.index(b"stream", 200) + 40
    tampered[pos] = (tampered[pos] + 1) % 256
    bad = tmp_path / "cargo-alterado.pdf"
    bad.write_bytes(bytes(tampered))
    page.goto(f"{base}/verificar")
    page.wait_for_load_state("networkidle")  # the drop zone listens once the page is hydrated
    page.locator("#verificar input[type=file]").set_input_files(str(bad))
    expect(page.locator("#veredicto")).to_have_text("NO VÁLIDO", timeout=30000)
    expect(page.locator("#motivo")).to_contain_text(re.compile("modificado|firma", re.I))
    expect(page.locator("#advertencias")).to_have_count(0)  # changed inside, nothing added after

    # Bytes appended after the seal: the seal still verifies, but VÁLIDO never shows alone.
    appended = tmp_path / "cargo-con-anexo.pdf"
    appended.write_bytes(receipt + b"\n<html><script>alert(1)</script></html>\n")
    page.get_by_role("button", name="Verificar otro documento").click()
    page.locator("#verificar input[type=file]").set_input_files(str(appended))
    expect(page.locator("#veredicto")).to_have_text("VÁLIDO", timeout=30000)
    expect(page.locator("#advertencias")).to_be_visible()
    expect(page.locator("#advertencias")).to_contain_text(
        "El documento tiene contenido añadido después de la última firma."
    )


def test_official_drafts_a_memo_and_the_head_signs_it_in_the_browser(app_server, browser, tmp_path):
    base = app_server["base"]
    # A citizen's filing reaches Logística through Tesorería (a suspension of coercive collection).
    ctx, page = _login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="10293848",
        name="Carmen Huallpa Ccori",
        phone="984 112 234",
        subject="Suspensión de cobranza por dispensa",
        fine="MULTA-2026-00078",
    )
    ctx.close()

    ctx, page = _login(browser, base, "tesoreria")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    expect(page.locator("#estado-expediente")).to_have_text("En trámite")
    page.locator("#accion-derivar").click()
    page.get_by_label("Unidad de destino").select_option(label="Logística")
    page.locator("#confirmar").click()
    expect(page.locator("#solo-lectura")).to_be_visible()
    ctx.close()

    # The Logística officer receives it and drafts a memo for the head's signature.
    ctx, page = _login(browser, base, "logistica")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    page.locator("#accion-redactar").click()
    page.get_by_label("Tipo de documento").select_option(label="Memorando")
    page.get_by_label("Dirigido a").fill("Miguel Flores Rojas, Tesorería")
    page.get_by_label("Asunto", exact=True).fill("Verificación de la dispensa de multa")
    page.get_by_label("Contenido").fill("Se verificó la dispensa en el padrón.\n\nSe recomienda suspender la cobranza.")
    page.locator("#confirmar").click()
    expect(page.get_by_text("Memorando (borrador)")).to_be_visible()
    page.get_by_role("button", name="Enviar a firma").click()
    page.get_by_label("Firma (jefe de la unidad)").select_option(label="Ana Torres Delgado")
    page.locator("#confirmar").click()
    expect(page.get_by_text("En firma")).to_be_visible()
    ctx.close()

    # The head signs it from the signing queue on a phone (390 px), with one confirmation.
    ctx, page = _login(browser, base, "jefe.logistica", phone=True)
    page.get_by_role("link", name="Firma", exact=True).click()
    row = page.locator("#pendientes > div", has_text="Verificación de la dispensa de multa")
    expect(row).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    shot(page, "firma-390")
    row.get_by_role("checkbox").click()
    page.locator("#firmar-seleccionados").click()
    page.locator("#confirmar-firma").click()
    expect(page.locator("#resultado-firma")).to_contain_text(re.compile(r"MEMORANDO N° \d{4}-2026-LOG/JNE: Firmado"))
    expect(page.locator("#sin-pendientes")).to_be_visible()
    shot(page, "firma-390-firmado")
    page.goto(f"{base}/expedientes/{number}")
    expect(page.get_by_text(re.compile(r"MEMORANDO N° \d{4}-2026-LOG/JNE")).first).to_be_visible()
    expect(page.locator("#hoja-de-ruta")).to_contain_text("MEMORANDO N°")
    ctx.close()
