"""The audit viewer in the browser: an administrator sees the chain verified ("Cadena íntegra"),
filters by a case number and sees only that case's events, exports them as CSV; an officer is
refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import shot
from tests.e2e.steps import clerk_registers_paper, login

pytestmark = pytest.mark.e2e


def test_admin_filters_the_trail_by_case_and_sees_the_chain_verified(app_server, browser, tmp_path):
    base = app_server["base"]
    ctx, page = login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="10293848",
        name="Carmen Huallpa Ccori",
        phone="984 112 234",
        subject="Suspensión de cobranza por auditoría",
        fine="MULTA-2026-00079",
    )
    ctx.close()

    ctx, page = login(browser, base, "admin")
    page.get_by_role("link", name="Auditoría").click()
    expect(page.get_by_role("heading", name="Auditoría")).to_be_visible()
    expect(page.locator("#cadena")).to_contain_text("Cadena íntegra", timeout=30000)
    rows = page.locator("#eventos tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#eventos")).to_contain_text("crear_usuario")  # the whole trail, before filtering
    page.get_by_label("N° de expediente").fill(number)
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#eventos")).not_to_contain_text("crear_usuario")
    expect(rows.first).to_contain_text(number)
    count = rows.count()
    assert count >= 1
    for i in range(count):
        expect(rows.nth(i)).to_contain_text(number)
    expect(page.locator("#eventos")).to_contain_text("Rosa Quispe Huamán (mesa)")
    shot(page, "auditoria-filtrada")

    href = page.get_by_role("link", name="Exportar CSV").get_attribute("href")
    assert href and number in href
    resp = page.request.get(base + href)
    assert resp.status == 200 and "text/csv" in resp.headers["content-type"]
    text = resp.body().decode("utf-8-sig")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines[0].startswith("N°;Fecha y hora;Usuario;Acción")
    assert len(lines) - 1 == count and all(number in ln for ln in lines[1:])

    page.get_by_label("N° de expediente").fill("EXP-1900-000001")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#au-numero-error")).to_contain_text("No hay un expediente con el número EXP-1900-000001")
    ctx.close()

    ctx, page = login(browser, base, "tesoreria")
    expect(page.get_by_role("link", name="Auditoría")).to_have_count(0)
    page.goto(f"{base}/auditoria")
    expect(page.locator("#sin-permiso")).to_be_visible()
    expect(page.locator("#eventos")).to_have_count(0)
    resp = page.request.get(f"{base}/api/v1/auditoria/eventos.csv")
    assert resp.status == 403
    ctx.close()
