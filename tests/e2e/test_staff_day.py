"""A staff member's working day in the browser (issue 14): /buscar opens a case by its number and
coming back to /buscar (the URL, the phone's Back) shows the search again instead of reopening
that case; the navigation offers each role only the pages it opens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import citizen_files, login

pytestmark = pytest.mark.e2e


def test_search_open_a_case_come_back_and_search_again(app_server, browser, phone, tmp_path):
    base = app_server["base"]
    number, _ = citizen_files(phone, base, tmp_path, "Constancia de afiliación para búsqueda")
    ctx, page = login(browser, base, "rop")
    box = page.get_by_label("Buscar expedientes y documentos")

    page.goto(f"{base}/buscar")
    box.fill(number)
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/expedientes/{number}"))
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()

    for how in ("back", "url"):
        if how == "back":
            page.go_back()
        else:
            page.goto(f"{base}/buscar")
        expect(page).to_have_url(re.compile(r"/buscar/?$"))
        expect(box).to_be_visible()
        page.wait_for_timeout(1500)  # time enough for the old bug's redirect to happen
        expect(page).to_have_url(re.compile(r"/buscar/?$"))

    box.fill("afiliación búsqueda")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator(".resultado").filter(has_text=number)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/buscar/?$"))
    ctx.close()


@pytest.mark.parametrize(
    ("username", "shown", "hidden"),
    [
        ("mesa", ["Bandeja", "Buscar", "Registrar documento"], ["Firma", "Tablero", "Administración"]),
        ("rop", ["Bandeja", "Buscar", "Firma", "Reportes"], ["Tablero", "Registrar documento"]),
        ("gerente", ["Bandeja", "Firma", "Reportes", "Tablero"], ["Registrar documento"]),
        ("admin", ["Bandeja", "Buscar", "Administración"], ["Registrar documento"]),
    ],
)
def test_the_navigation_offers_only_what_the_role_opens(app_server, browser, username, shown, hidden):
    ctx, page = login(browser, app_server["base"], username)
    for name in shown:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    for name in hidden:
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    if username == "admin":  # /admin keeps the bar and the way out
        page.get_by_role("link", name="Administración", exact=True).click()
        expect(page.get_by_role("tab", name="Unidades")).to_be_visible()
        expect(page.get_by_role("link", name="Bandeja", exact=True)).to_be_visible()
        page.get_by_role("button", name="Salir").click()
        expect(page).to_have_url(re.compile(r"/ingresar"))
    ctx.close()
