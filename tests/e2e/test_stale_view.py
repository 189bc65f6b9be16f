"""Two tabs of the same case: the first acts, the second still shows the old version; its action
is refused with the optimistic-concurrency message and its view reloads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import clerk_registers_paper
from tests.e2e.steps import login as _login

pytestmark = pytest.mark.e2e

STALE = "Otro usuario acaba de modificar este expediente"


def test_a_stale_tab_is_refused_and_reloaded(app_server, browser, tmp_path):
    base = app_server["base"]
    ctx, page = _login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="40506070",
        name="Ana Torres Huamán",
        phone="981 222 333",
        subject="Suspensión de cobranza: dos pestañas",
        fine="MULTA-2026-00123",
    )
    ctx.close()

    ctx, tab_a = _login(browser, base, "tesoreria")
    tab_a.get_by_role("link", name=re.compile(number)).click()
    expect(tab_a.locator("#estado-expediente")).to_have_text("Registrado")
    tab_b = ctx.new_page()
    tab_b.set_default_timeout(20000)
    tab_b.goto(tab_a.url)
    expect(tab_b.locator("#estado-expediente")).to_have_text("Registrado")

    tab_a.locator("#accion-recibir").click()  # A receives: the case's version moves on
    expect(tab_a.locator("#estado-expediente")).to_have_text("En trámite")

    expect(tab_b.locator("#accion-recibir")).to_be_visible()  # B still shows the old version
    tab_b.locator("#accion-recibir").click()
    expect(tab_b.get_by_text(STALE).first).to_be_visible()
    expect(tab_b.locator("#estado-expediente")).to_have_text("En trámite")  # reloaded
    ctx.close()
