"""The production build under its own security headers (sgd_app/api/headers.py), in Chromium:
every public and staff page renders what a person sees, the plotly charts draw, the PDF viewer
frames the document, an act shows its inline notice and a refused upload its Spanish message
(no script sent by a handler: the policy has no 'unsafe-eval'), and the browser reports no
Content-Security-Policy violation anywhere: every violation event of every document the test
opens is collected, and the test fails on any.
Then, over plain HTTP against the same server: the headers are on a page, a JS asset, an API
route, a file download, a 404 and a 413, and absurd page addresses never give a 500."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from sgd_app import settings
from tests.e2e.harness import DEMO_PASSWORD, db_rows, dump, shot
from tests.e2e.steps import citizen_files, fill_filer, start_filing

pytestmark = pytest.mark.e2e

# Every violation of every document, from the moment it starts (add_init_script runs first),
# reported to the test through a binding: a page left without a check still counts.
WATCH = """
document.addEventListener('securitypolicyviolation', (e) => window.__sgdCsp({
    page: location.pathname, directive: e.violatedDirective, blocked: e.blockedURI,
    sample: e.sample, source: e.sourceFile, line: e.lineNumber}));
"""


class Watcher:
    """CSP violations of one browser context: the DOM event and Chromium's console messages."""

    def __init__(self, ctx):
        self.console: list[str] = []
        self.events: list[dict] = []
        ctx.expose_function("__sgdCsp", lambda event: self.events.append(event))
        ctx.add_init_script(WATCH)
        ctx.on("page", self._attach)
        for page in ctx.pages:
            self._attach(page)

    def _attach(self, page):
        page.on("console", self._console)

    def _console(self, msg):
        text = msg.text
        if "Content Security Policy" in text or "Permissions-Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def assert_clean(self, page, where: str):
        page.wait_for_timeout(300)  # late violations (styles inserted after hydration)
        assert not self.events and not self.console, (
            f"{where}: {dump({'events': self.events, 'console': self.console})}"
        )

    def close(self, ctx, page, where: str):
        """The last check of a context: whatever any of its documents reported."""
        self.assert_clean(page, where)
        ctx.close()


def _context(browser, *, phone: bool = False):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
        locale="es-PE",
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )
    watcher = Watcher(ctx)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    return ctx, page, watcher


def _visit(page, watcher, base: str, path: str, heading: str):
    page.goto(f"{base}{path}")
    expect(page.locator("h1").first).to_contain_text(heading)
    watcher.assert_clean(page, path)


def _plotly_drew(page, count: int = 1):
    """plotly.js drew: each chart holds its <svg> with at least one trace or axis drawn."""
    charts = page.locator(".js-plotly-plot")
    if count > 1:
        expect(charts).to_have_count(count, timeout=30000)  # the figures come over the websocket
    else:
        expect(charts.first).to_be_visible(timeout=30000)
    expect(page.locator(".js-plotly-plot svg").first).to_be_visible(timeout=30000)
    drawn = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')].filter(c => c.querySelector('svg g')).length"
    )
    assert drawn >= count, drawn


PUBLIC = [
    ("/", "Trámite Digital"),
    ("/mesa-de-partes", "Mesa de Partes Virtual"),
    ("/seguimiento", "Seguimiento"),
    ("/verificar", "Verificar"),
    ("/casilla", "Casilla electrónica"),
    ("/ingresar", "Ingresar"),
]


def test_every_public_page_renders_with_no_policy_violation(app_server, browser):
    base = app_server["base"]
    ctx, page, watcher = _context(browser, phone=True)
    for path, heading in PUBLIC:
        _visit(page, watcher, base, path, heading)
    # A refused upload: the Spanish message is state, not a toast eval'd from the server.
    page.goto(f"{base}/verificar")
    page.wait_for_load_state("networkidle")
    page.locator("#verificar input[type=file]").set_input_files(
        {"name": "foto.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n0000"}
    )
    expect(page.locator("#error-verificar")).to_contain_text("no es un PDF")
    watcher.assert_clean(page, "/verificar (archivo rechazado)")
    _visit(page, watcher, base, "/mirador", "Mirador")
    expect(page.locator("#resumen-canal")).to_contain_text("llegaron por la Mesa de Partes Virtual")
    watcher.assert_clean(page, "/mirador (charts)")
    # Wizard steps: each answer moves the focus to the new step (rx.set_focus, not a script), so a
    # citizen who scrolled down sees the top of the next step.
    start_filing(page, base)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    fill_filer(page)
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_label("Asunto: ¿qué solicita?")).to_be_visible()
    page.wait_for_function(
        "(() => { const e = document.activeElement; if (!e || e.id !== 'paso-actual') return false;"
        " const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })()"
    )
    expect(page.locator("#paso-actual")).to_contain_text("Paso 3 de 5")
    watcher.close(ctx, page, "/mesa-de-partes pasos 2 y 3")


def _login(browser, base: str, username: str):
    ctx, page, watcher = _context(browser)
    page.goto(f"{base}/ingresar")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page).to_have_url(re.compile(r"/bandeja"))
    watcher.assert_clean(page, f"/ingresar -> /bandeja ({username})")
    return ctx, page, watcher


def test_every_staff_page_renders_with_no_policy_violation(app_server, browser, phone, tmp_path):
    base = app_server["base"]
    number, _key = citizen_files(phone, base, tmp_path, "Constancia para revisar la política de contenido")

    ctx, page, watcher = _login(browser, base, "rop")
    _visit(page, watcher, base, "/bandeja", "Bandeja")
    page.goto(f"{base}/expedientes/{number}")
    expect(page.get_by_text(number).first).to_be_visible()
    # The PDF viewer: an iframe of the download route, which may be framed by this site only.
    page.get_by_role("button", name="Ver").first.click()
    frame = page.locator("iframe[title='Visor del documento']")
    expect(frame).to_be_visible()
    src = frame.get_attribute("src")
    assert src and src.startswith("/api/v1/documentos/")
    resp = page.request.get(f"{base}{src}")
    assert resp.status == 200 and resp.headers["content-type"].startswith("application/pdf")
    assert "frame-ancestors 'self'" in resp.headers["content-security-policy"]
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    watcher.assert_clean(page, "/expedientes/<n> con visor")
    # An act: its message is an inline notice (a server toast would need eval), dismissable.
    page.get_by_role("button", name="Recibir", exact=True).click()
    status = page.get_by_role("status").filter(has_text="Listo: se registró en la hoja de ruta.")
    expect(status).to_be_visible()
    shot(page, "aviso-expediente-1280")
    page.get_by_role("button", name="Cerrar aviso").click()
    expect(status).to_have_count(0)
    watcher.assert_clean(page, "/expedientes/<n> aviso tras recibir")
    # An absurd case number: a Spanish refusal on the page, no error.
    page.goto(f"{base}/expedientes/{'9' * 40}")
    expect(page.locator("#sin-acceso")).not_to_have_text("Cargando…")
    watcher.assert_clean(page, "/expedientes/<absurdo>")
    for path, heading in [
        ("/firma", "Firma digital"),
        ("/buscar", "Buscar"),
        ("/reportes", "Reportes"),
    ]:
        _visit(page, watcher, base, path, heading)
    watcher.close(ctx, page, "rop")

    ctx, page, watcher = _login(browser, base, "mesa")
    _visit(page, watcher, base, "/registrar", "Registrar documento")
    watcher.close(ctx, page, "mesa")

    ctx, page, watcher = _login(browser, base, "gerente")
    _visit(page, watcher, base, "/tablero", "Tablero de mando")
    _plotly_drew(page, 6)
    watcher.assert_clean(page, "/tablero (charts)")
    watcher.close(ctx, page, "gerente")

    ctx, page, watcher = _login(browser, base, "admin")
    _visit(page, watcher, base, "/admin", "Administración")
    watcher.close(ctx, page, "admin")


# ------------------------------------------------------------------ HTTP, same production server

EVERYWHERE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 is an answer to look at, not to follow


_OPENER = urllib.request.build_opener(_NoRedirect)


def _fetch(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def _assert_headers(headers, *, frameable: bool = False):
    expected = {**EVERYWHERE, "x-frame-options": "SAMEORIGIN" if frameable else "DENY"}
    for name, value in expected.items():
        assert headers.get(name) == value, (name, headers.get(name))
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert ("frame-ancestors 'self'" if frameable else "frame-ancestors 'none'") in csp
    script_src = csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "camera=()" in headers["permissions-policy"] and "microphone=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers  # the test server's public URL is http


def test_headers_on_every_kind_of_response_of_the_production_server(app_server, phone, tmp_path):
    base = app_server["base"]
    status, headers, body = _fetch(f"{base}/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    _assert_headers(headers)
    # The page's scripts are imported by its bootstrap after the first paint (frontend_build.py).
    script = re.search(rb'["\'](/assets/[^"\']+\.js)["\']', body)
    assert script, body[:500]
    status, headers, _ = _fetch(f"{base}{script.group(1).decode()}", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and "javascript" in headers["content-type"]
    # A subresource carries the lean set (sgd_app/api/headers.py): nosniff and a policy that runs
    # nothing, not the page's 2 KB of headers.
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    assert "permissions-policy" not in headers and "x-frame-options" not in headers
    status, headers, _ = _fetch(f"{base}/api/v1/health")
    assert status == 200
    _assert_headers(headers)
    for path in ("/no-existe", "/assets/no-existe.js"):
        status, headers, _ = _fetch(f"{base}{path}")
        assert status == 404, path
        _assert_headers(headers)
    status, headers, body = _fetch(f"{base}/api/v1/no-existe")
    assert status == 404 and b"no existe" in body
    _assert_headers(headers)
    status, headers, body = _fetch(
        f"{base}/_upload", method="POST", data=b"x", headers={"Content-Length": str(10**9), "Content-Type": "x/y"}
    )
    assert status == 413 and "demasiado grande" in body.decode()
    _assert_headers(headers)
    # A file download (a citizen's filing, held by ROP), with ROP's staff session.
    number, _key = citizen_files(phone, base, tmp_path, "Constancia para revisar las cabeceras")
    (document_id,) = db_rows(
        app_server,
        "SELECT d.id FROM document d JOIN expediente e ON e.id = d.expediente_id WHERE e.number = ?",
        number,
    )[0]
    status, headers, _ = _fetch(
        f"{base}/api/v1/sesion",
        method="POST",
        data=f"usuario=rop&clave={DEMO_PASSWORD}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 303
    _assert_headers(headers)
    # The answer sets the session cookie and the known-device cookie: send the session's.
    (cookie,) = [
        c.split(";", 1)[0] for c in headers.get_all("set-cookie") if c.startswith(f"{settings.SESSION_COOKIE}=")
    ]
    status, headers, body = _fetch(f"{base}/api/v1/documentos/{document_id}", headers={"Cookie": cookie})
    assert status == 200 and body.startswith(b"%PDF") and headers["content-type"].startswith("application/pdf")
    _assert_headers(headers, frameable=True)


def test_absurd_page_addresses_never_give_a_500(app_server):
    base = app_server["base"]
    for path in (
        f"/expedientes/{'9' * 30}",
        f"/expedientes/{'9' * 10240}",
        "/expedientes/%00",
        "/expedientes/..%2F..%2Fetc%2Fpasswd",
        f"/expedientes/{'ñ' * 2000}",
        f"/seguimiento?n={'x' * 10240}",
        "/seguimiento?n=%00&clave=%E2%80%AE",
        f"/buscar?q={'😀' * 2000}",
        "/verificar?codigo=../../x",
        "/../../etc/passwd",
        f"/{'a' * 10240}",
    ):
        status, headers, _ = _fetch(f"{base}{quote(path, safe='/?=&%')}")
        assert status < 500, (path[:60], status)
        _assert_headers(headers)
