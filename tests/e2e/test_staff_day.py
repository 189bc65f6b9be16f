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


def test_a_returned_draft_comes_back_with_the_reason_is_corrected_resent_and_signed(app_server, browser, tmp_path):
    """Issue 14, item 2: the head returns a draft with a comment; the author reads it on the
    case page, edits the draft, sends it again, and the head signs it. Another draft is
    discarded after a confirmation."""
    from tests.e2e.steps import clerk_registers_paper

    base = app_server["base"]
    ctx, page = login(browser, base, "mesa")
    number = clerk_registers_paper(
        page,
        tmp_path,
        dni="10293849",
        name="Julia Condori Apaza",
        phone="984 112 235",
        subject="Suspensión de cobranza por pago",
        fine="MULTA-2026-00079",
    )
    ctx.close()
    ctx, page = login(browser, base, "tesoreria")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    page.locator("#accion-derivar").click()
    page.get_by_label("Unidad de destino").select_option(label="Logística")
    page.locator("#confirmar").click()
    expect(page.locator("#solo-lectura")).to_be_visible()
    ctx.close()

    ctx, page = login(browser, base, "logistica")
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    for subject in ("Verificación del pago de la multa", "Borrador que ya no se necesita"):
        page.locator("#accion-redactar").click()
        page.get_by_label("Tipo de documento").select_option(label="Memorando")
        page.get_by_label("Dirigido a").fill("Miguel Flores Rojas, Tesorería")
        page.get_by_label("Asunto", exact=True).fill(subject)
        page.get_by_label("Contenido").fill("Se verificó el pago en el sistema de recaudación.")
        page.locator("#confirmar").click()
        expect(page.get_by_text(subject)).to_be_visible()
    page.get_by_role("button", name="Enviar a firma").first.click()
    expect(page.locator("#enviar-titulo")).to_contain_text("Memorando (borrador) — Verificación del pago de la multa")
    vistos = page.locator("select[name^=vb_]")  # people with a post, shown with it; never the admin
    expect(vistos.first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Elena Ríos Medina — Directivo\(a\), "))).to_be_visible()
    expect(page.get_by_text("Administrador del sistema")).to_have_count(0)
    page.get_by_label("Firma (jefe de la unidad)").select_option(label="Ana Torres Delgado")
    page.locator("#confirmar").click()
    expect(page.get_by_text("En firma")).to_be_visible()
    # The second draft is discarded, after saying yes.
    page.get_by_role("button", name="Descartar Memorando (borrador)").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Sí, descartar").click()
    expect(page.get_by_text("Descartado", exact=True)).to_be_visible()
    ctx.close()

    ctx, page = login(browser, base, "jefe.logistica")
    page.get_by_role("link", name="Firma", exact=True).click()
    row = page.locator("#pendientes > div", has_text="Verificación del pago de la multa")
    row.get_by_role("button", name="Devolver").click()
    row.get_by_label("Qué debe corregirse").fill("Cite el número de la constancia de pago.")
    row.get_by_role("button", name="Devolver al autor").click()
    expect(page.locator("#pendientes > div", has_text="Verificación del pago de la multa")).to_have_count(0)
    ctx.close()

    ctx, page = login(browser, base, "logistica")
    page.goto(f"{base}/expedientes/{number}")
    note = page.locator(".devuelto")
    expect(note).to_contain_text("Devuelto por Ana Torres Delgado (la firma)")
    expect(note).to_contain_text("Cite el número de la constancia de pago.")
    page.get_by_role("button", name="Editar Memorando (borrador)").click()
    body = page.get_by_label("Contenido")
    expect(body).to_have_value("Se verificó el pago en el sistema de recaudación.")
    body.fill("Se verificó el pago (constancia de pago N° 000123) en el sistema de recaudación.")
    page.locator("#confirmar").click()
    expect(page.get_by_text("Borrador corregido")).to_be_visible()
    page.get_by_role("button", name="Enviar a firma").click()
    page.get_by_label("Firma (jefe de la unidad)").select_option(label="Ana Torres Delgado")
    page.locator("#confirmar").click()
    expect(page.get_by_text("En firma")).to_be_visible()
    ctx.close()

    ctx, page = login(browser, base, "jefe.logistica")
    page.get_by_role("link", name="Firma", exact=True).click()
    row = page.locator("#pendientes > div", has_text="Verificación del pago de la multa")
    row.get_by_role("checkbox").click()
    page.locator("#firmar-seleccionados").click()
    page.locator("#confirmar-firma").click()
    expect(page.locator("#resultado-firma")).to_contain_text(re.compile(r"MEMORANDO N° \d{4}-2026-LOG/JNE: Firmado"))
    ctx.close()
