"""Digitisation at the desk in the browser: the clerk uploads two scanned pages as images, they
become one PDF, and the officer sees the OCR progress and then the recognised text's status."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import db_rows, shot
from tests.e2e.steps import login, send_filing
from tests.unit.test_digitize import encode, render

pytestmark = pytest.mark.e2e


def test_scanned_pages_become_one_searchable_pdf(app_server, browser, tmp_path):
    base = app_server["base"]
    ctx, page = login(browser, base, "mesa")
    page.get_by_role("link", name="Registrar documento").click()
    page.get_by_role("button", name=re.compile("Suspensión de cobranza coactiva")).click()
    page.get_by_label("Número de DNI (8 dígitos)").fill("10293847")
    page.get_by_label("Nombres y apellidos").fill("Juan Quispe Mamani")
    page.get_by_label("Celular o teléfono").fill("984112233")
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Asunto: ¿qué solicita?").fill("Suspensión de cobranza por multa ya pagada")
    page.get_by_label(re.compile("Número de la multa")).fill("MULTA-2026-00078")
    page.get_by_role("button", name="Continuar").click()
    pages = []
    for i, lines in enumerate(
        (["Solicito la suspensión de la cobranza", "de la multa electoral"], ["Resolución adjunta del señor Núñez"]), 1
    ):
        p = tmp_path / f"hoja-{i}.png"
        p.write_bytes(encode(render(lines), "PNG"))
        pages.append(str(p))
    page.locator("#principal-escaneo input[type=file]").set_input_files(pages)
    expect(page.get_by_text("escaneo.pdf")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^2 página\(s\)"))).to_be_visible()
    page.get_by_role("button", name="Continuar").click()
    number, _ = send_filing(page)
    ctx.close()
    # The original scan PDF is what was filed; the text is read in the background.
    ctx, page = login(browser, base, "tesoreria")
    page.goto(f"{base}/expedientes/{number}")
    # The procedure's own data under the label the form asked it with, not its raw key.
    expect(
        page.get_by_text("Número de la multa o de la resolución de ejecución coactiva: MULTA-2026-00078")
    ).to_be_visible()
    expect(page.get_by_text("multa: ")).to_have_count(0)
    doc = page.locator(".texto-documento").first
    expect(doc).to_have_text("Texto reconocido (OCR): se puede buscar", timeout=60000)
    rows = db_rows(
        app_server,
        "SELECT t.method, t.text FROM documenttext t JOIN document d ON d.id = t.document_id "
        "JOIN expediente e ON e.id = d.expediente_id WHERE e.number = ? AND d.role = 'principal'",
        number,
    )
    assert rows and rows[0][0] == "ocr" and "cobranza" in rows[0][1].lower()
    # The officer searches a word that is only in the scanned image, without its accent.
    page.goto(f"{base}/buscar")
    page.get_by_label("Buscar expedientes y documentos").fill("resolucion nunez")
    page.get_by_role("button", name="Buscar", exact=True).click()
    hit = page.locator(".resultado").filter(has_text=number)
    expect(hit).to_be_visible()
    expect(hit.locator("mark").first).to_be_visible()  # the match is highlighted in the snippet
    shot(page, "buscar-1280")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # Received, so that the other tests find Tesorería's "Por recibir" as they left it.
    page.goto(f"{base}/expedientes/{number}")
    page.get_by_role("button", name="Recibir", exact=True).click()
    expect(page.get_by_role("button", name="Recibir", exact=True)).to_have_count(0)
    ctx.close()
