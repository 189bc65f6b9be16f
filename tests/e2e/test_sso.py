"""Single sign-on in Chromium against a real OpenID provider (node-oidc-provider on loopback):
"Ingresar con la cuenta institucional", the provider's login, /bandeja with the right roles;
"Salir" ends both sessions; a wrong nonce and a tampered ID token are refused in Spanish.

The production build with its own data dir and SSO settings (a server of this module's own: the
shared app_server has no provider). The account is linked the way an operator does it:
``python -m sgd_app sso link rop <sub>``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from tests.e2e import harness
from tests.e2e.harness import DEMO_PASSWORD, ROOT, axe_violations, db_rows, dump, shot
from tests.oidc_provider import ANA, CLIENT_ID, CLIENT_SECRET, PATRICIA, start_provider


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory, browser):
    data = tmp_path_factory.mktemp("sso-data")
    port = harness._free_port()
    base = f"http://127.0.0.1:{port}"
    prov = start_provider(data, redirect_base=base)
    secret = data / "oidc-secret"
    secret.write_text(CLIENT_SECRET)
    secret.chmod(0o600)
    env = {
        **os.environ,
        "SGD_DATA_DIR": str(data),
        "PORT": str(port),
        "SGD_PUBLIC_URL": base,
        "SGD_DEMO_PASSWORD": DEMO_PASSWORD,
        "SGD_OIDC_ISSUER": prov.issuer,
        "SGD_OIDC_CLIENT_ID": CLIENT_ID,
        "SGD_OIDC_CLIENT_SECRET_FILE": str(secret),
        "SGD_OIDC_SCOPES": "openid email profile groups",
        "SGD_OIDC_GROUP_ROLES": "jne-rop-oficiales=ROP:officer;jne-tablero=DGRS:manager",
        "SGD_LOCAL_PASSWORDS": "emergencia",  # passwords only for break-glass administrators
        "SGD_RATE_LIMITS": "login-ip=10000/15 minutes",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    for name in ("DATABASE_URL", "REFLEX_REDIS_URL", "SMTP_URL"):
        env.pop(name, None)
    cli = [sys.executable, "-m", "sgd_app"]
    subprocess.run([*cli, "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    linked = subprocess.run(
        [*cli, "sso", "link", "rop", PATRICIA["sub"]], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert linked.returncode == 0 and "vinculada al usuario rop" in linked.stdout, linked.stderr
    log = data / "app.log"
    proc = harness.start_prod(env, port, log)
    try:
        harness._wait(f"{base}/api/v1/health", proc, log)
        harness._wait(f"{base}/", proc, log)
        yield {"base": base, "provider": prov, "db_url": f"sqlite:///{data / 'sgd.db'}", "data": data}
    finally:
        harness.stop_prod(proc)
        prov.stop()


def _context(browser, phone: bool = False):
    ctx = browser.new_context(
        viewport=harness.PHONE if phone else {"width": 1280, "height": 800},
        locale="es-PE",
        is_mobile=phone,
        has_touch=phone,
    )
    page = ctx.new_page()
    page.set_default_timeout(20000)
    return ctx, page


def _at_provider_login(page, person: dict) -> None:
    expect(page.get_by_role("heading", name="Cuenta institucional")).to_be_visible()
    page.get_by_label("Usuario").fill(person["login"])
    page.get_by_label("Contraseña").fill(person["password"])
    page.get_by_role("button", name="Entrar").click()


def test_sign_in_with_the_provider_then_logout_ends_both_sessions(sso_server, browser):
    base = sso_server["base"]
    ctx, page = _context(browser)
    try:
        page.goto(f"{base}/ingresar")
        button = page.get_by_role("link", name="Ingresar con la cuenta institucional")
        expect(button).to_be_visible()
        assert axe_violations(page) == [], dump(axe_violations(page))
        shot(page, "sso-ingresar-1280")
        button.click()
        expect(page).to_have_url(re.compile(re.escape(sso_server["provider"].issuer) + r"/interaction/"))
        _at_provider_login(page, PATRICIA)
        expect(page).to_have_url(re.compile(r"/bandeja"))
        expect(page.get_by_text("Patricia Chávez León").first).to_be_visible()
        staff_nav = page.get_by_role("main")
        expect(staff_nav.get_by_role("link", name="Firma", exact=True)).to_be_visible()  # an officer's
        expect(page.get_by_role("link", name="Tablero")).to_have_count(0)  # no manager group
        expect(page.get_by_role("link", name="Administración")).to_have_count(0)
        roles = db_rows(
            sso_server,
            "SELECT u.code, m.role FROM membership m JOIN unit u ON u.id = m.unit_id "
            'JOIN "user" s ON s.id = m.user_id WHERE s.username = ?',
            "rop",
        )
        assert roles == [("ROP", "officer")]
        assert db_rows(sso_server, "SELECT count(*) FROM auditevent WHERE action = 'ingresar_sso'") == [(1,)]
        shot(page, "sso-bandeja-1280")

        page.get_by_role("button", name="Salir").first.click()
        expect(page.get_by_role("heading", name="¿Cerrar sesión en el proveedor?")).to_be_visible()
        page.get_by_role("button", name="Sí, cerrar sesión").click()
        expect(page).to_have_url(re.compile(r"/ingresar\?motivo=salio"))
        expect(page.locator("#aviso")).to_have_text("Cerró su sesión.")
        page.goto(f"{base}/bandeja")  # the local session is over
        expect(page).to_have_url(re.compile(r"/ingresar"))
        page.get_by_role("link", name="Ingresar con la cuenta institucional").click()
        # ... and so is the provider's: it asks for the password again.
        expect(page.get_by_label("Contraseña")).to_be_visible()
        assert db_rows(sso_server, "SELECT count(*) FROM ssosession") == [(0,)]
    finally:
        ctx.close()


def test_a_wrong_nonce_is_refused(sso_server, browser):
    """The browser's sign-in starts as usual (its cookie holds this request's state and nonce), but the
    authorization request reaches the provider with another nonce: the ID token comes back with it."""
    ctx, page = _context(browser, phone=True)
    try:
        page.goto(f"{sso_server['base']}/ingresar")
        shot(page, "sso-ingresar-390")
        start = ctx.request.get(f"{sso_server['base']}/api/v1/sso/ingresar", max_redirects=0)  # the context's cookies
        assert start.status == 303
        parts = urlsplit(start.headers["location"])
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        params["nonce"] = "nonce-de-otra-solicitud-0123456789"
        # (location.assign, not page.goto: the harness's goto waits for the app's socket, and this is the provider)
        page.evaluate("url => window.location.assign(url)", urlunsplit(parts._replace(query=urlencode(params))))
        _at_provider_login(page, PATRICIA)
        expect(page).to_have_url(re.compile(r"/ingresar\?motivo=sso-nonce"))
        expect(page.locator("#aviso")).to_contain_text("no corresponde a esta solicitud de ingreso")
        shot(page, "sso-nonce-390")
        assert axe_violations(page) == [], dump(axe_violations(page))
        page.goto(f"{sso_server['base']}/bandeja")
        expect(page).to_have_url(re.compile(r"/ingresar"))  # no session was opened
    finally:
        ctx.close()


def test_a_tampered_id_token_is_refused(sso_server, browser):
    prov = sso_server["provider"]
    ctx, page = _context(browser)
    prov.tamper("firma")
    try:
        page.goto(f"{sso_server['base']}/ingresar")
        page.get_by_role("link", name="Ingresar con la cuenta institucional").click()
        _at_provider_login(page, PATRICIA)
        expect(page).to_have_url(re.compile(r"/ingresar\?motivo=sso-token"))
        expect(page.locator("#aviso")).to_contain_text("no se pudo comprobar su firma")
        shot(page, "sso-token-1280")
        reasons = db_rows(sso_server, "SELECT data FROM auditevent WHERE action = 'rechazar_ingreso_sso' ORDER BY seq")
        assert any('"motivo":"token"' in r[0] for r in reasons)
    finally:
        prov.tamper("off")
        ctx.close()


def _password_login(page, base: str, username: str) -> None:
    page.goto(f"{base}/ingresar")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Ingresar", exact=True).click()


def test_break_glass_admin_links_an_account_in_admin_then_it_signs_in(sso_server, browser):
    base = sso_server["base"]
    ctx, page = _context(browser)
    try:
        _password_login(page, base, "jefe.logistica")  # local passwords are off for her
        expect(page.locator("#aviso")).to_contain_text("Su cuenta ingresa con la cuenta institucional")
        _password_login(page, base, "admin")  # a break-glass administrator
        expect(page).to_have_url(re.compile(r"/bandeja"))
        page.goto(f"{base}/admin")
        page.get_by_role("tab", name="Cuentas institucionales").click()
        page.get_by_label("Usuario del sistema").fill("jefe.logistica")
        page.get_by_label("Identificador en el proveedor (sub)").fill(ANA["sub"])
        page.get_by_role("button", name="Vincular").click()
        links = page.locator("#lista-sso")
        expect(links).to_contain_text("Ana Torres Delgado (jefe.logistica)")
        expect(links).to_contain_text(ANA["sub"])
        assert axe_violations(page) == [], dump(axe_violations(page))
        shot(page, "sso-admin-1280")
        page.set_viewport_size(harness.PHONE)
        shot(page, "sso-admin-390")
    finally:
        ctx.close()
    ctx, page = _context(browser)
    try:
        page.goto(f"{base}/ingresar")
        page.get_by_role("link", name="Ingresar con la cuenta institucional").click()
        _at_provider_login(page, ANA)
        expect(page).to_have_url(re.compile(r"/bandeja"))
        expect(page.get_by_text("Ana Torres Delgado").first).to_be_visible()
    finally:
        ctx.close()
