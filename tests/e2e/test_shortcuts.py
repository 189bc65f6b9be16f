"""Keyboard shortcuts in the browser (issue 14, item 12): in the inbox j, j, Enter opens the second
case; "?" lists the shortcuts in Spanish; on the case page r receives, d opens the derivation with
the focus in its first field, and letters typed in a field are the field's; x and r act on the
highlighted row of the inbox through the real checkbox and Recibir button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import login
from tests.e2e.test_bulk_inbox import _view, seed_cases

pytestmark = pytest.mark.e2e


def test_inbox_and_case_page_shortcuts(app_server, browser):
    base = app_server["base"]
    seed_cases(app_server, 3, procedure="CERT-NOT", fields={"programa": "Curso de gestión 2025"}, subject="Atajos")
    ctx, page = login(browser, base, "enec")
    rows = page.locator("#lista-bandeja > li")
    expect(rows).to_have_count(3)
    second = rows.nth(1).locator("a").get_attribute("href").rsplit("/", 1)[-1]
    third = rows.nth(2).locator("a").get_attribute("href").rsplit("/", 1)[-1]

    # "?" lists the shortcuts in Spanish; Escape closes the list.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Atajos de teclado")
    expect(dialog).to_be_visible()
    for text in ("Bajar al expediente siguiente", "Abrir el expediente resaltado", "Recibir los seleccionados"):
        expect(dialog).to_contain_text(text)
    _view(page, "atajos-bandeja-1280")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Not while typing: j in the filter field is a letter of the field.
    page.get_by_text("Filtros", exact=True).click()
    sender = page.locator("#f-sender")
    sender.fill("")
    sender.press("j")
    expect(sender).to_have_value("j")
    expect(rows.nth(0)).not_to_have_attribute("data-resaltada", "")
    sender.fill("")
    sender.blur()

    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_attribute("data-resaltada", "")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/expedientes/{second}$"))
    expect(page.locator("#numero-expediente")).to_have_text(second)

    # The case page: its own list, r receives, d opens the derivation with the focus in it.
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Atajos de teclado")).to_contain_text("Recibir el expediente")
    page.keyboard.press("Escape")
    expect(page.locator("#accion-recibir")).to_be_visible()
    page.keyboard.press("r")
    expect(page.locator("#accion-recibir")).to_have_count(0)
    expect(page.locator("#accion-derivar")).to_be_visible()
    page.keyboard.press("d")
    expect(page.locator("#campo-to_unit")).to_be_focused()
    _view(page, "atajos-expediente-derivar-1280")
    page.keyboard.press("n")  # a letter in the select: not the "note" shortcut
    expect(page.locator("#campo-note")).to_have_count(0)
    page.locator("#numero-expediente").click()  # leave the field
    page.keyboard.press("b")
    expect(page).to_have_url(re.compile(r"/bandeja/?$"))

    # The inbox again: the third case is highlighted, x ticks it, r receives it. (The inbox's
    # load waits behind the case page's last events on a loaded test machine: up to 15 s.)
    expect(rows).to_have_count(2, timeout=15000)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.get_by_role("checkbox", name=f"Seleccionar {third}")).to_be_checked()
    expect(page.locator("#cuenta-seleccion")).to_have_text("1 seleccionado(s)")
    page.keyboard.press("r")
    expect(page.locator("#resultados-bloque li")).to_have_text([f"{third}: recibido"])
    expect(rows).to_have_count(1)

    # Elsewhere than "Por recibir", r receives nothing and ticks nothing.
    page.locator("#pestana-en_tramite").click()
    expect(rows.filter(has_text=second)).to_have_count(1)  # with any other test's cases in progress
    expect(rows.filter(has_text=third)).to_have_count(1)
    page.keyboard.press("j")
    page.keyboard.press("r")
    page.wait_for_timeout(1000)
    expect(page.get_by_role("checkbox", name=f"Seleccionar {second}")).not_to_be_checked()
    expect(page.locator("#cuenta-seleccion")).to_have_text("0 seleccionado(s)")
    ctx.close()
