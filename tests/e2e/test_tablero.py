"""The command dashboard in the browser: a manager sees KPIs and the charts at phone and desktop
widths; an officer is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import axe_violations, dump, shot
from tests.e2e.steps import login

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("phone", [False, True], ids=["escritorio", "celular"])
def test_manager_sees_the_dashboard(app_server, browser, phone):
    base = app_server["base"]
    ctx, page = login(browser, base, "gerente", phone=phone)
    page.get_by_role("link", name="Tablero", exact=True).click()
    expect(page.locator("#kpis")).to_contain_text("En trámite")
    expect(page.locator("#kpis")).to_contain_text("Atendidos dentro del plazo")
    expect(page.locator(".js-plotly-plot")).to_have_count(6)
    expect(page.locator(".js-plotly-plot").first).to_contain_text("Presentaciones por día y canal")
    expect(page.locator(".js-plotly-plot").nth(4)).to_contain_text("Tiempo promedio por etapa")
    expect(page.locator("#tablero-actualizado")).to_contain_text("En vivo · Actualizado a las")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, f"tablero-{390 if phone else 1280}")
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


def _kpi(page, label: str) -> int:
    text = page.locator("#kpis > div").filter(has_text=label).first.inner_text()
    return int("".join(ch for ch in text.replace(label, "") if ch.isdigit()) or "0")


@pytest.mark.parametrize("app_server", ["sqlite", "redis"], indirect=True, ids=["un-worker", "redis-2-workers"])
def test_a_filing_elsewhere_appears_on_every_open_dashboard_without_reload(app_server, browser, tmp_path):
    """Two heads' tabs (desktop and phone) stay open; a citizen files from a third browser; both
    dashboards show it within seconds, with no reload (with Redis, tabs may sit on either worker)."""
    from sgd_app.domain import reports
    from tests.e2e.steps import citizen_files

    base = app_server["base"]
    tabs = [login(browser, base, "jefe.rop", phone=phone) for phone in (False, True)]
    for _, page in tabs:
        page.goto(f"{base}/tablero")
        expect(page.locator("#tablero-actualizado")).to_contain_text("Actualizado a las")
        page.evaluate("window.__sinRecargar = 1")  # gone if the page reloads
    # "En trámite" counts every open case (a filing on a Saturday is legally filed on Monday, so
    # "Presentados hoy" may rightly stay the same).
    before = [_kpi(page, "En trámite") for _, page in tabs]
    assert before[0] == before[1]
    citizen = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="es-PE", is_mobile=True, has_touch=True
    )
    cpage = citizen.new_page()
    cpage.set_default_timeout(20000)
    citizen_files(cpage, base, tmp_path, "Constancia para postular")
    for _, page in tabs:
        expect(page.locator("#kpis > div").filter(has_text="En trámite").first).to_contain_text(
            reports.format_int(before[0] + 1), timeout=5000
        )
        assert page.evaluate("window.__sinRecargar") == 1
    citizen.close()
    for ctx, _ in tabs:
        ctx.close()
