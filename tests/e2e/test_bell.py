"""The bell in the staff bar: a filing registered at the desk shows on the receiving unit's
bell (count and item) and its link opens the case; once received it leaves the bell."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import shot
from tests.e2e.steps import clerk_registers_paper, login

pytestmark = pytest.mark.e2e


def test_the_bell_shows_an_arrived_case_and_its_link_opens_it(app_server, browser, tmp_path):
    base = app_server["base"]
    ctx, page = login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="10293848",
        name="Carmen Huallpa Ccori",
        phone="984 112 234",
        subject="Suspensión de cobranza para la campana",
        fine="MULTA-2026-00080",
    )
    ctx.close()

    for phone in (False, True):
        ctx, page = login(browser, base, "tesoreria", phone=phone)
        expect(page.locator("#campana-cuenta")).to_have_text(re.compile(r"^[1-9]\d*$"))
        expect(page.locator("#campana")).to_have_attribute("aria-label", re.compile(r"Avisos: [1-9]\d* pendientes"))
        page.locator("#campana").click()
        item = page.locator("#campana-lista a", has_text=number)
        expect(item).to_be_visible()
        expect(item).to_contain_text("Por recibir")
        expect(item).to_contain_text("Suspensión de cobranza para la campana")
        shot(page, f"campana-{'390' if phone else '1280'}")
        item.click()
        expect(page).to_have_url(re.compile(rf"/expedientes/{number}$"))
        expect(page.get_by_role("heading", name=number)).to_be_visible()
        if phone:
            page.locator("#accion-recibir").click()
            expect(page.locator("#estado-expediente")).to_have_text("En trámite")
            page.goto(f"{base}/bandeja")
            page.locator("#campana").click()
            expect(page.locator("#campana-lista a", has_text=number)).to_have_count(0)
        ctx.close()

    ctx, page = login(browser, base, "logistica")  # another unit: not on its bell
    page.locator("#campana").click()
    expect(page.get_by_text("Avisos", exact=True)).to_be_visible()
    expect(page.locator("#campana-lista a", has_text=number)).to_have_count(0)
    ctx.close()
