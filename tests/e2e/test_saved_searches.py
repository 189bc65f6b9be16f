"""Saved searches in the browser (issue 14, item 11): an officer searches with a filter, saves it
under a name, goes elsewhere, comes back, reruns it with one tap (the box and the filter show what
it searches), and deletes it; another officer never sees it. At 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import axe_violations, shot
from tests.e2e.steps import login
from tests.e2e.test_bulk_inbox import seed_cases

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("phone", [False, True], ids=["1280", "390"])
def test_save_rerun_and_delete_a_search(app_server, browser, phone):
    base = app_server["base"]
    word = "tamarindo" if phone else "pacae"
    numbers = seed_cases(app_server, 2, procedure="SUSP-MUL", fields={"multa": "M-1"}, subject=f"Multa {word}")
    ctx, page = login(browser, base, "tesoreria", phone=phone)
    page.goto(f"{base}/buscar")
    box = page.get_by_label("Buscar expedientes y documentos")
    box.fill(word)
    page.get_by_text("Filtros", exact=True).click()
    page.locator("#b-status").select_option("registrado")
    page.get_by_role("button", name="Buscar", exact=True).click()
    results = page.locator(".resultado")
    expect(results).to_have_count(2)

    # Save it; a name is required, with the reason next to the field.
    save = page.locator("#guardar-busqueda")
    save.get_by_role("button", name="Guardar").click()
    expect(page.locator("#error-guardar")).to_contain_text("Escriba un nombre")
    page.get_by_label("Guardar esta búsqueda como").fill("Multas registradas")
    save.get_by_role("button", name="Guardar").click()
    expect(page.locator("#aviso-ok")).to_contain_text("Búsqueda «Multas registradas» guardada.")
    expect(page.locator("#error-guardar")).to_have_count(0)
    saved = page.locator("#busquedas-guardadas li")
    expect(saved).to_have_count(1)
    expect(saved.first).to_contain_text("Multas registradas")
    expect(saved.first).to_contain_text(f"«{word}» · Estado: Registrado")
    shot(page, f"buscar-guardadas-{'390' if phone else '1280'}")
    assert axe_violations(page) == []

    # Elsewhere, then back: another search on screen; one tap reruns the saved one, and the box
    # and the filter show what it searches.
    page.goto(f"{base}/bandeja")
    page.goto(f"{base}/buscar")
    box.fill("otra cosa distinta")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator("#total-resultados")).to_be_visible()
    expect(results).to_have_count(0)
    page.locator(".busqueda-guardada", has_text="Multas registradas").click()
    expect(results).to_have_count(2)
    for n in numbers:
        expect(results.filter(has_text=n)).to_be_visible()
    expect(box).to_have_value(word)
    expect(page.locator("#b-status")).to_have_value("registrado")

    # Another officer does not see it.
    other_ctx, other = login(browser, base, "logistica", phone=phone)
    other.goto(f"{base}/buscar")
    expect(other.get_by_label("Buscar expedientes y documentos")).to_be_visible()
    expect(other.locator("#busquedas-guardadas")).to_have_count(0)
    other_ctx.close()

    # Delete it.
    page.get_by_role("button", name="Eliminar la búsqueda Multas registradas").click()
    expect(page.locator("#aviso-ok")).to_contain_text("Búsqueda «Multas registradas» eliminada.")
    expect(page.locator("#busquedas-guardadas")).to_have_count(0)
    page.reload()
    expect(box).to_be_visible()
    expect(page.locator("#busquedas-guardadas")).to_have_count(0)
    ctx.close()
