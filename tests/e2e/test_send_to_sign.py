"""The send-to-firma form in the browser (issue 14): the author names the order of the vistos
buenos; the second reviewer cannot act before the first (the document is not in their /firma
yet); both give their visto bueno — called "Visto bueno", never "Firmado" — the head signs, and
the case page's hoja de ruta shows "Visto bueno de …" twice, in that order, then "Firmado por …"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import shot
from tests.e2e.steps import clerk_registers_paper, login

pytestmark = pytest.mark.e2e
SUBJECT = "Conformidad del pago de la multa electoral"


def _sign_from_firma(browser, base, username: str, number: str, expected: str) -> None:
    ctx, page = login(browser, base, username)
    page.get_by_role("link", name="Firma", exact=True).click()
    row = page.locator("#pendientes > div", has_text=number)
    expect(row).to_have_count(1)
    row.get_by_role("checkbox").click()
    page.locator("#firmar-seleccionados").click()
    # The confirmation says what the certificate will do: a visto bueno is not the document's firma.
    said = "firmar digitalmente 1 documento" if expected == "Firmado" else "dar su visto bueno a 1 documento"
    expect(page.locator("#texto-confirmacion")).to_contain_text(f"Va a {said} con su certificado digital")
    page.locator("#confirmar-firma").click()
    expect(page.locator("#resultado-firma")).to_contain_text(expected)
    if expected != "Firmado":
        expect(page.locator("#resultado-firma")).not_to_contain_text("Firmado")
    ctx.close()


def test_two_vistos_buenos_in_the_chosen_order_then_the_firma(app_server, browser, tmp_path):
    base = app_server["base"]
    ctx, page = login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="40112233",
        name="Eusebio Quispe Mamani",
        phone="984 000 111",
        subject="Suspensión de cobranza: multa ya pagada",
        fine="MULTA-2026-00150",
    )
    ctx.close()
    ctx, page = login(browser, base, "tesoreria")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    page.locator("#accion-derivar").click()
    page.get_by_label("Unidad de destino").select_option(label="Logística")
    page.locator("#confirmar").click()
    expect(page.locator("#solo-lectura")).to_be_visible()
    ctx.close()

    ctx, page = login(browser, base, "logistica")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    page.locator("#accion-redactar").click()
    page.get_by_label("Tipo de documento").select_option(label="Memorando")
    page.get_by_label("Dirigido a").fill("Ana Torres Delgado, Jefa de Logística")
    page.get_by_label("Asunto", exact=True).fill(SUBJECT)
    page.get_by_label("Contenido").fill("Se verificó el pago de la multa en el sistema de recaudación.")
    page.locator("#confirmar").click()
    page.get_by_role("button", name="Enviar a firma").first.click()
    expect(page.locator("#enviar-titulo")).to_contain_text(f"Memorando (borrador) — {SUBJECT}")
    # The reviewers are offered with their post and unit; never the administrator.
    miguel = page.get_by_label(re.compile(r"^Miguel Flores Rojas — .*, Tesorería$"))
    elena = page.get_by_label(re.compile(r"^Elena Ríos Medina — Directivo\(a\), "))
    expect(page.get_by_text("Administrador del sistema")).to_have_count(0)
    # The order is chosen, not alphabetical: Miguel first, Elena second.
    elena.select_option(label="2.º visto bueno")
    miguel.select_option(label="1.º visto bueno")
    page.get_by_label("Firma (jefe de la unidad)").select_option(label="Ana Torres Delgado")
    shot(page, "enviar-a-firma-orden")
    page.locator("#confirmar").click()
    expect(page.locator("#aviso-ok")).to_contain_text(
        "Documento enviado: 2 visto(s) bueno(s) (en el orden indicado), luego la firma."
    )
    expect(page.get_by_text("En firma")).to_be_visible()
    expect(page.locator(".ronda-firma")).to_have_text(
        "1.º visto bueno: Miguel Flores Rojas (pendiente) · 2.º visto bueno: Elena Ríos Medina (pendiente)"
        " · Firma: Ana Torres Delgado (pendiente)"
    )
    ctx.close()

    # Elena is second: the document is not in her queue yet, nor in the head's.
    for username in ("gerente", "jefe.logistica"):
        ctx, page = login(browser, base, username)
        page.get_by_role("link", name="Firma", exact=True).click()
        expect(page.get_by_role("heading", name=re.compile("Firma")).first).to_be_visible()
        page.wait_for_timeout(1500)  # the queue is loaded by the page's on_load
        expect(page.locator("#pendientes > div", has_text=number)).to_have_count(0)
        ctx.close()

    _sign_from_firma(browser, base, "tesoreria", number, "Visto bueno dado")
    _sign_from_firma(browser, base, "gerente", number, "Visto bueno dado")
    _sign_from_firma(browser, base, "jefe.logistica", number, "Firmado")

    ctx, page = login(browser, base, "logistica")
    page.goto(f"{base}/expedientes/{number}")
    trail = page.locator("#hoja-de-ruta")
    expect(trail).to_contain_text("Firmado por Ana Torres Delgado")
    titles = [t.strip() for t in trail.locator("li > :first-child").all_inner_texts()]
    signed = [t for t in titles if t.startswith(("Visto bueno de", "Firmado por"))]
    assert signed == [  # newest first on the page
        "Firmado por Ana Torres Delgado",
        "Visto bueno de Elena Ríos Medina",
        "Visto bueno de Miguel Flores Rojas",
    ], titles
    expect(trail).not_to_contain_text("Firmado por Elena")
    expect(trail).not_to_contain_text("Firmado por Miguel")
    shot(page, "hoja-de-ruta-vistos")
    ctx.close()

    # On a phone (390 px): the trail and the printed pieces are there, nothing scrolls sideways.
    ctx, page = login(browser, base, "logistica", phone=True)
    page.goto(f"{base}/expedientes/{number}")
    expect(page.locator("#hoja-de-ruta")).to_contain_text("Visto bueno de Miguel Flores Rojas")
    expect(page.get_by_role("link", name="Hoja de ruta")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "expediente-telefono")
    ctx.close()
