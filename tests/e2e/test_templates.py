"""Document templates in the browser: an administrator creates a memorando template for
Tesorería (an unknown placeholder is refused next to the field first); a Tesorería officer who
starts a memorando on a case sees the template's text with the placeholders filled."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import db_rows, shot
from tests.e2e.steps import clerk_registers_paper, login

pytestmark = pytest.mark.e2e


def test_admin_creates_a_unit_template_and_the_officer_drafts_from_it(app_server, browser, tmp_path):
    base = app_server["base"]
    ctx, page = login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="10293848",
        name="Carmen Huallpa Ccori",
        phone="984 112 234",
        subject="Suspensión de cobranza por dispensa",
        fine="MULTA-2026-00078",
    )
    ctx.close()

    ctx, page = login(browser, base, "admin")
    page.goto(f"{base}/admin")
    page.get_by_role("tab", name="Plantillas").click()
    lista = page.locator("#lista-plantillas")
    expect(lista.get_by_text("Memorando estándar")).to_be_visible()  # the seeded institution-wide one
    page.get_by_role("button", name="Nueva plantilla").click()
    expect(page.locator("#marcadores")).to_contain_text("{numero_expediente}")
    page.locator("#pl-doc_type").select_option(label="Memorando")
    ((tes,),) = db_rows(app_server, "SELECT id FROM unit WHERE code = 'TES'")
    page.locator("#pl-unit_id").select_option(value=str(tes))
    page.locator("#pl-name").fill("Memorando de Tesorería")
    page.locator("#pl-body").fill("Señor(a) {destinatari}: revisamos {asunto}.")
    page.get_by_role("button", name="Guardar plantilla").click()
    expect(page.locator("#pl-body-error")).to_contain_text("Marcador desconocido: {destinatari}")
    page.locator("#pl-body").fill(
        "Tesorería atiende el pedido de {destinatario} sobre «{asunto}» ({referencia}).\n\n"
        "Se verificó el expediente {numero_expediente} en el padrón de cobranzas."
    )
    page.get_by_role("button", name="Guardar plantilla").click()
    expect(page.get_by_role("status").filter(has_text="Plantilla guardada.")).to_be_visible()
    row = lista.locator("li", has_text="Memorando de Tesorería")
    expect(row).to_contain_text("Tesorería (TES)")
    expect(row).to_contain_text("Activa")
    shot(page, "admin-plantillas")
    ctx.close()

    ctx, page = login(browser, base, "tesoreria")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    expect(page.locator("#estado-expediente")).to_have_text("En trámite")
    page.locator("#accion-redactar").click()
    page.get_by_label("Tipo de documento").select_option(label="Informe")
    body = page.get_by_label("Contenido")
    expect(body).to_have_value(re.compile(rf"^I\. ANTECEDENTES\nEl expediente {number}, presentado por Carmen"))
    # (the institution's informe: Tesorería has none of its own)
    page.get_by_label("Tipo de documento").select_option(label="Memorando")
    expect(body).to_have_value(
        "Tesorería atiende el pedido de Carmen Huallpa Ccori sobre «Suspensión de cobranza por dispensa» "
        f"(Expediente {number}).\n\nSe verificó el expediente {number} en el padrón de cobranzas."
    )
    expect(page.get_by_text("Empieza con la plantilla «Memorando de Tesorería».")).to_be_visible()
    shot(page, "borrador-desde-plantilla")
    page.get_by_label("Dirigido a").fill("Jefatura de Tesorería")
    page.get_by_label("Asunto", exact=True).fill("Verificación de la dispensa de multa")
    page.locator("#confirmar").click()
    expect(page.get_by_text("Memorando (borrador)")).to_be_visible()
    ctx.close()
