"""The command dashboard in the browser: a manager sees KPIs and the charts at phone and desktop
widths; an officer is refused."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, dump
from tests.e2e.steps import login

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("phone", [False, True], ids=["escritorio", "celular"])
def test_manager_sees_the_dashboard(app_server, browser, phone):
    base = app_server["base"]
    ctx, page = login(browser, base, "gerente", phone=phone)
    page.get_by_role("link", name="Tablero", exact=True).click()
    expect(page.locator("#kpis")).to_contain_text("En trámite")
    expect(page.locator("#kpis")).to_contain_text("Atendidos dentro del plazo")
    expect(page.locator(".js-plotly-plot")).to_have_count(5)
    expect(page.locator(".js-plotly-plot").first).to_contain_text("Presentaciones por día y canal")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    if not phone:
        found = axe_violations(page)
        assert not found, dump(found)
    ctx.close()


def test_officer_gets_a_clear_refusal(app_server, browser):
    ctx, page = login(browser, app_server["base"], "tesoreria")
    page.goto(f"{app_server['base']}/tablero")
    expect(page.locator("#tablero-aviso")).to_have_text("El tablero de mando es para jefes de unidad y directivos.")
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    ctx.close()
