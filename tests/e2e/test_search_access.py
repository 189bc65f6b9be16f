"""Issue 14 in the browser: the registering clerk finds the case once it has been derived (item 5:
search shows every case the user may open, the case page's rule); the focus goes to the act's
result, not to <body> (item 6); the public header greets a signed-in staff member with their name,
"Mi bandeja" and "Salir" instead of "Ingresar" (item 6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import axe_violations, shot
from tests.e2e.steps import clerk_registers_paper, login

pytestmark = pytest.mark.e2e

SUBJECT = "Suspensión de cobranza por multa prescrita"


def _search(page, base, q):
    page.goto(f"{base}/buscar")
    box = page.get_by_label("Buscar expedientes y documentos")
    expect(box).to_be_visible()
    box.fill(q)
    page.get_by_role("button", name="Buscar", exact=True).click()


def _focused(page) -> dict:
    return page.evaluate(
        "() => ({id: document.activeElement.id, tag: document.activeElement.tagName, "
        "text: document.activeElement.textContent})"
    )


def test_the_registering_clerk_finds_the_case_and_the_focus_follows_each_act(app_server, browser, tmp_path):
    base = app_server["base"]
    ctx, page = login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="10293111",
        name="Teresa Huillca Apaza",
        phone="984 300 111",
        subject=SUBJECT,
        fine="MULTA-2026-00911",
    )
    ctx.close()

    # Tesorería receives it and derives it to Logística; after each act the focus is on the result.
    ctx, page = login(browser, base, "tesoreria")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    expect(page.locator("#estado-expediente")).to_have_text("En trámite")
    expect(page.locator("#aviso-ok")).to_be_focused()
    focused = _focused(page)
    assert focused["id"] == "aviso-ok" and focused["tag"] != "BODY" and focused["text"], focused
    page.locator("#accion-derivar").click()
    page.get_by_label("Unidad de destino").select_option(label="Logística")
    page.locator("#confirmar").click()
    expect(page.locator("#solo-lectura")).to_be_visible()
    expect(page.locator("#aviso-ok")).to_be_focused()  # a new message takes the focus again
    expect(page.locator("#aviso-ok")).to_contain_text("hoja de ruta")
    shot(page, "expediente-aviso-foco-1280")
    page.keyboard.press("Tab")  # and the keyboard goes on from there: the notice's own button
    expect(page.get_by_role("button", name="Cerrar aviso")).to_be_focused()
    # It passed through Tesorería: Tesorería still finds it.
    _search(page, base, "cobranza prescrita")
    expect(page.locator(".resultado").filter(has_text=number)).to_be_visible()
    ctx.close()

    # The clerk who registered it finds it by its subject (now at Logística) and by its number.
    ctx, page = login(browser, base, "mesa")
    _search(page, base, "multa prescrita")
    hit = page.locator(".resultado").filter(has_text=number)
    expect(hit).to_be_visible()
    expect(hit).to_contain_text("Logística")
    shot(page, "buscar-registrado-por-mesa-1280")
    _search(page, base, number)
    expect(page).to_have_url(re.compile(rf"/expedientes/{number}"))
    expect(page.locator("#numero-expediente")).to_have_text(number)
    ctx.close()

    # A unit it never was in does not find it.
    ctx, page = login(browser, base, "enec")
    _search(page, base, "multa prescrita")
    expect(page.locator("#total-resultados")).to_be_visible()
    expect(page.locator(".resultado").filter(has_text=number)).to_have_count(0)
    ctx.close()


def test_the_public_header_greets_a_signed_in_staff_member(app_server, browser):
    base = app_server["base"]
    # On a phone: the menu offers "Mi bandeja" and "Salir" instead of "Ingresar".
    ctx, page = login(browser, base, "mesa", phone=True)
    page.goto(f"{base}/seguimiento")
    page.locator("#menu-boton").click()
    menu = page.locator("#menu-principal")
    expect(menu.get_by_role("menuitem", name="Mi bandeja")).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Salir")).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Ingresar")).to_have_count(0)
    shot(page, "cabecera-menu-personal-390")
    ctx.close()
    ctx, page = login(browser, base, "mesa")
    page.goto(f"{base}/seguimiento")
    header = page.locator("header").first
    expect(header.locator("#cabecera-usuario")).to_have_text("Rosa Quispe Huamán")
    expect(header.get_by_role("link", name="Mi bandeja")).to_be_visible()
    expect(header.get_by_role("link", name="Ingresar")).to_have_count(0)
    shot(page, "cabecera-personal-1280")
    assert axe_violations(page) == []
    page.goto(f"{base}/bandeja")  # a staff page: the name in the header, one way out (the staff bar's)
    expect(page.locator("header").first.locator("#cabecera-usuario")).to_have_text("Rosa Quispe Huamán")
    expect(page.get_by_role("button", name="Salir")).to_have_count(1)
    page.goto(f"{base}/seguimiento")
    header = page.locator("header").first
    header.get_by_role("button", name="Salir").click()
    expect(page).to_have_url(re.compile(r"/ingresar"))
    page.goto(f"{base}/seguimiento")
    header = page.locator("header").first
    expect(header.get_by_role("link", name="Ingresar")).to_be_visible()
    expect(header.get_by_role("link", name="Mi bandeja")).to_have_count(0)
    expect(header.locator("#cabecera-usuario")).to_have_count(0)
    ctx.close()


def test_in_the_inbox_the_focus_goes_to_the_result_of_each_act(app_server, browser):
    """A head delegates their inbox, then revokes it: the "Revocar" button that was pressed goes
    away with the act, and the focus lands on the result instead of <body>."""
    ctx, page = login(browser, app_server["base"], "jefe.logistica")
    page.get_by_text("Delegar mi bandeja (subrogación)").click()
    page.locator("#d-user").select_option(index=1)
    page.locator("#d-from").fill("2027-01-04")
    page.locator("#d-to").fill("2027-01-08")
    page.get_by_role("button", name="Delegar", exact=True).click()
    expect(page.locator("#aviso-ok")).to_have_text("Delegación registrada.")
    expect(page.locator("#aviso-ok")).to_be_focused()
    page.get_by_role("button", name="Revocar").click()
    expect(page.locator("#aviso-ok")).to_have_text("Delegación revocada.")
    expect(page.get_by_role("button", name="Revocar")).to_have_count(0)
    expect(page.locator("#aviso-ok")).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "aviso-ok"
    ctx.close()
