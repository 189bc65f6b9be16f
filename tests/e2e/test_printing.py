"""What the desk and the archive print, in the browser (issue 14, item 9): the clerk registers a
paper filing and prints the cargo — the PDF that opens carries the number and the access key —
and the case page offers the folder's label and the hoja de ruta as PDFs."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import shot
from tests.e2e.steps import clerk_registers_paper, login

pytestmark = pytest.mark.e2e


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _pdf_of(page, opener) -> bytes:
    """The PDF a click opens in a new tab, as the server sent it. Chromium shows a PDF in its
    viewer (the response body Playwright reports is then the viewer's page), so the real answer
    is read on its way through (``route.fetch`` forwards the request, the form post included,
    to the app and hands its answer to the tab unchanged)."""
    got: dict[str, bytes] = {}

    def through(route):
        answer = route.fetch()
        if answer.headers.get("content-type") == "application/pdf":
            got["pdf"] = answer.body()
        route.fulfill(response=answer)

    pattern = re.compile(r"/api/v1/.*\.pdf$")
    page.context.route(pattern, through)
    try:
        with page.context.expect_page() as tab:
            opener()
        tab.value.wait_for_load_state()
        expect(tab.value).to_have_url(pattern)
    finally:
        page.context.unroute(pattern, through)
    tab.value.close()
    assert "pdf" in got, "no PDF came back"
    return got["pdf"]


def test_the_clerk_prints_the_cargo_with_the_key_and_the_case_offers_label_and_route_sheet(
    app_server, browser, tmp_path
):
    base = app_server["base"]
    ctx, page = login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="41526374",
        name="Teodoro Huamán Ccori",
        phone="984 556 677",
        subject="Suspensión de cobranza por multa pagada",
        fine="MULTA-2026-00112",
        pages=2,
    )
    key = page.locator("#clave-acceso").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", key)
    button = page.get_by_role("button", name="Imprimir cargo")
    expect(button).to_be_visible()
    shot(page, "registrar-imprimir-cargo")
    pdf = _pdf_of(page, button.click)
    text = _text(pdf)
    assert number in text and key in text and "Teodoro Huamán Ccori" in text

    page.goto(f"{base}/expedientes/{number}")
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    label = page.get_by_role("link", name="Etiqueta")
    sheet = page.get_by_role("link", name="Hoja de ruta")
    expect(label).to_be_visible()
    expect(sheet).to_be_visible()
    shot(page, "expediente-impresiones")
    text = _text(_pdf_of(page, label.click))
    assert number in text and "Folios: 2" in text
    text = _text(_pdf_of(page, sheet.click))
    assert "HOJA DE RUTA" in text and number in text and "Suspensión de cobranza por multa pagada" in text
    ctx.close()


def test_the_online_receipt_screen_has_no_print_with_key(app_server, phone, tmp_path):
    """The citizen's own receipt screen keeps its download; the desk's print is for clerks."""
    from tests.e2e.steps import citizen_files

    citizen_files(phone, app_server["base"], tmp_path, "Constancia sin impresión de mesa")
    expect(phone.get_by_role("link", name=re.compile("Descargar cargo"))).to_be_visible()
    expect(phone.get_by_role("button", name="Imprimir cargo")).to_have_count(0)
