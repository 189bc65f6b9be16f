"""An admin creates a temporary unit (a special electoral jury), sees it in the tree and closes it;
adds a non-working day; an officer gets the no-permission message. Phone and desktop, axe."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import DEMO_PASSWORD, PHONE, axe_violations, db_rows, dump
from tests.e2e.steps import login

pytestmark = pytest.mark.e2e
JEE = "Jurado Electoral Especial de Lima Centro 1"
SHOTS = "/tmp/sgd-admin-shots"


def _db(server, sql, *args):
    return db_rows(server, sql, *args)


def _sign_in(page, base, username):
    page.goto(f"{base}/ingresar")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page).to_have_url(re.compile(r"/bandeja"))
    page.goto(f"{base}/admin")
    expect(page.get_by_role("heading", name="Administración")).to_be_visible()


def _no_page_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _shot(page, name):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_admin_creates_and_closes_a_temporary_unit_and_adds_a_non_working_day(app_server, desktop):
    base = app_server["base"]
    page = desktop
    _sign_in(page, base, "admin")
    tree = page.locator("#arbol-unidades")
    expect(tree.get_by_text("Secretaría General", exact=True)).to_be_visible()
    problems = {}
    if found := axe_violations(page):
        problems["unidades"] = found

    # New temporary unit; the end date before the start date is refused next to the field.
    page.get_by_role("button", name="Nueva unidad").click()
    form = page.locator("#form-unidad")
    expect(form).to_be_visible()
    page.get_by_label("Código").fill("JEE-LC1")
    page.locator("#uf-name").fill(JEE)
    page.get_by_label("Tipo").select_option("temporal")
    page.get_by_label("Sede").fill("Lima")
    page.get_by_label("Fecha de inicio").fill("2026-09-01")
    page.get_by_label("Fecha de cierre").fill("2026-08-31")
    if found := axe_violations(page):
        problems["formulario de unidad"] = found
    _shot(page, "desktop-unidad-form")
    page.get_by_role("button", name="Guardar unidad").click()
    expect(page.locator("#uf-to-error")).to_contain_text("no puede ser anterior")
    expect(page.get_by_label("Fecha de cierre")).to_have_attribute("aria-invalid", "true")
    if found := axe_violations(page):
        problems["formulario con errores"] = found
    _shot(page, "desktop-unidad-error")
    page.get_by_label("Fecha de inicio").fill("2026-01-15")
    page.get_by_role("button", name="Guardar unidad").click()
    # The message is an inline notice (role=status), not a toast from the server; it can be closed.
    done = page.get_by_role("status").filter(has_text=f"Unidad «{JEE}» creada.")
    expect(done).to_be_visible()
    page.get_by_role("button", name="Cerrar aviso").click()
    expect(done).to_have_count(0)
    row = page.locator("#unidad-JEE-LC1")
    expect(row).to_contain_text(JEE)
    expect(row).to_contain_text("Unidad temporal")
    expect(row).to_contain_text("15/01/2026 – 31/08/2026")
    expect(row).to_contain_text("Activa")
    assert _db(app_server, "SELECT kind, active, valid_from, valid_to FROM unit WHERE code='JEE-LC1'") == [
        ("temporal", 1, "2026-01-15", "2026-08-31")
    ]
    assert _no_page_scroll(page)
    _shot(page, "desktop-unidades")

    # Close it.
    page.get_by_role("button", name=f"Cerrar {JEE}").click()
    expect(page.get_by_text(f"Unidad «{JEE}» cerrada.")).to_be_visible()
    expect(row).to_contain_text("Cerrada")
    expect(page.get_by_role("button", name=f"Reabrir {JEE}")).to_be_visible()
    assert _db(app_server, "SELECT active FROM unit WHERE code='JEE-LC1'") == [(0,)]
    # A unit with open cases or dependants is refused, with the reason shown.
    page.get_by_role("button", name="Cerrar Dirección General de Recursos y Servicios").click()
    expect(page.get_by_role("alert").filter(has_text="unidades dependientes activas").first).to_be_visible()

    # Non-working day.
    page.get_by_role("tab", name="Días no laborables").click()
    page.get_by_label("Fecha").fill("2026-07-27")
    page.get_by_label("Motivo").fill("Día no laborable compensable para el sector público")
    page.get_by_role("button", name="Agregar día no laborable").click()
    expect(page.locator("#lista-dias")).to_contain_text("Lunes 27/07/2026")
    expect(page.locator("#lista-dias")).to_contain_text("compensable")
    assert _db(app_server, "SELECT day FROM nonworkingday") == [("2026-07-27",)]
    page.get_by_role("button", name="Agregar día no laborable").click()  # the form was cleared: empty date
    expect(page.locator("#nd-day-error")).to_contain_text("Elija la fecha")
    # Removing a day asks first; Cancelar keeps it.
    page.get_by_role("button", name="Quitar Lunes 27/07/2026").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("¿Quitar el día no laborable Lunes 27/07/2026?")
    expect(dialog).to_contain_text("contarán ese día como laborable")
    if found := axe_violations(page):
        problems["dias-confirmar"] = found
    dialog.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_have_count(0)
    assert _db(app_server, "SELECT day FROM nonworkingday") == [("2026-07-27",)]
    page.get_by_role("button", name="Quitar Lunes 27/07/2026").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Sí, quitar").click()
    expect(page.locator("#lista-dias")).not_to_contain_text("27/07/2026")
    assert _db(app_server, "SELECT day FROM nonworkingday") == []
    page.get_by_label("Fecha").fill("2026-07-27")  # back, for the rest of the walk
    page.get_by_label("Motivo").fill("Día no laborable compensable para el sector público")
    page.get_by_role("button", name="Agregar día no laborable").click()
    expect(page.locator("#lista-dias")).to_contain_text("Lunes 27/07/2026")
    if found := axe_violations(page):
        problems["dias"] = found
    _shot(page, "desktop-dias")

    # Users and procedures tabs render and pass axe.
    page.get_by_role("tab", name="Usuarios").click()
    expect(page.get_by_text("Patricia Chávez León")).to_be_visible()
    page.get_by_role("button", name="Unidades y roles de Patricia Chávez León").click()
    expect(page.locator("#form-usuario")).to_contain_text("Servidor(a)")
    if found := axe_violations(page):
        problems["usuarios"] = found
    _shot(page, "desktop-usuarios")
    page.get_by_role("tab", name="Trámites").click()
    page.get_by_role("button", name="Editar Inscripción de empresas encuestadoras").click()
    expect(page.get_by_label("Anexos obligatorios")).to_have_value("Vigencia de poder del representante legal")
    if found := axe_violations(page):
        problems["tramites"] = found
    _shot(page, "desktop-tramites")
    assert _no_page_scroll(page)

    # Every change is in the audit trail.
    actions = {a for (a,) in _db(app_server, "SELECT action FROM auditevent")}
    assert {"crear_unidad", "cerrar_unidad", "agregar_dia_no_laborable", "quitar_dia_no_laborable"} <= actions
    assert not problems, dump(problems)


def test_admin_page_on_a_phone(app_server, phone):
    base = app_server["base"]
    page = phone
    _sign_in(page, base, "admin")
    problems = {}
    for tab in ("Unidades", "Usuarios", "Trámites", "Días no laborables"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        assert _no_page_scroll(page), tab
        if found := axe_violations(page):
            problems[tab] = found
        _shot(page, f"phone-{tab.split()[0].lower()}")
    page.get_by_role("tab", name="Unidades").click()
    page.get_by_role("button", name="Nueva unidad").click()
    expect(page.locator("#form-unidad")).to_be_visible()
    assert _no_page_scroll(page)
    _shot(page, "phone-unidad-form")
    # The users' forms fit too.
    page.get_by_role("tab", name="Usuarios").click()
    page.get_by_role("button", name="Nuevo usuario").click()
    expect(page.get_by_label("Contraseña inicial")).to_be_visible()
    assert _no_page_scroll(page)
    _shot(page, "phone-usuario-form")
    page.get_by_role("button", name="Unidades y roles de Wilber Ccori Huallpa").click()
    expect(page.locator("#form-usuario")).to_contain_text("Jefe(a) de unidad")
    assert _no_page_scroll(page)
    if found := axe_violations(page):
        problems["roles"] = found
    _shot(page, "phone-roles-form")
    # A refusal is an inline alert over the page (not a toast eval'd from the server), closable.
    page.get_by_role("button", name="Desactivar a Administrador del sistema").click()
    refused = page.locator(".aviso [role=alert]")
    expect(refused).to_contain_text("propia cuenta")
    assert _no_page_scroll(page)
    if found := axe_violations(page):
        problems["aviso"] = found
    _shot(page, "phone-aviso")
    page.get_by_role("button", name="Cerrar aviso").click()
    expect(refused).to_have_text("")
    # Buttons are at least 44 px tall.
    heights = page.eval_on_selector_all("main button", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, heights
    assert page.viewport_size == PHONE
    assert not problems, dump(problems)


def test_officer_sees_no_permission(app_server, phone):
    base = app_server["base"]
    page = phone
    _sign_in(page, base, "rop")
    expect(page.locator("#sin-permiso")).to_have_text(re.compile("No tiene permiso para administrar"))
    expect(page.locator("#arbol-unidades")).to_have_count(0)
    expect(page.get_by_text("Secretaría General")).to_have_count(0)
    if found := axe_violations(page):
        pytest.fail(dump(found))
    _shot(page, "phone-sin-permiso")


def test_without_a_session_admin_goes_to_sign_in(app_server, desktop):
    page = desktop
    page.goto(f"{app_server['base']}/admin")
    expect(page).to_have_url(re.compile(r"/ingresar\?motivo=sesion"))


def _try(page, base, username, password) -> str:
    page.goto(f"{base}/ingresar")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(re.compile(r"/(bandeja|ingresar/?\?motivo=)"))
    return page.url


def test_a_known_browser_signs_in_past_a_strangers_lock_out_and_the_admin_unlocks(app_server, browser, desktop):
    base = app_server["base"]
    own_ctx, own = login(browser, base, "tesoreria")  # this browser becomes a known device
    kept = [c for c in own_ctx.cookies() if c["name"] != "sgd_sesion"]
    assert any(c["name"] == "sgd_dispositivo" and c["httpOnly"] for c in kept)
    own_ctx.clear_cookies()
    own_ctx.add_cookies(kept)  # signed out, the device cookie kept

    stranger_ctx = browser.new_context(locale="es-PE")
    stranger = stranger_ctx.new_page()
    stranger.set_default_timeout(20000)
    for i in range(5):  # the 2nd, 3rd and 4th failures ask for a growing pause (1, 2, 4 s)
        assert _try(stranger, base, "tesoreria", f"equivocada-{i}").endswith("?motivo=credenciales")
        if 1 <= i <= 3:
            time.sleep(2 ** (i - 1) + 0.3)
    assert "motivo=bloqueada" in _try(stranger, base, "tesoreria", DEMO_PASSWORD)
    expect(
        stranger.get_by_text(re.compile("desde este equipo está bloqueado.*Intente nuevamente en 1[45] min"))
    ).to_be_visible()

    assert re.search(r"/bandeja/?$", _try(own, base, "tesoreria", DEMO_PASSWORD))  # the owner is not locked out

    _sign_in(desktop, base, "admin")
    desktop.get_by_role("tab", name="Usuarios").click()
    desktop.get_by_role("button", name="Desbloquear la cuenta de Miguel Flores Rojas").click()
    expect(desktop.get_by_text("Cuenta «tesoreria» desbloqueada")).to_be_visible()
    assert re.search(r"/bandeja/?$", _try(stranger, base, "tesoreria", DEMO_PASSWORD))
    assert _db(app_server, "SELECT count(*) FROM auditevent WHERE action = 'desbloquear_cuenta'")[0][0] == 1
    stranger_ctx.close()
    own_ctx.close()
