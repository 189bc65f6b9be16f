"""Issue 13 items 7, 8, 9, 12 and 14 (shell) on the production build, as a citizen sees them: the
phone header's menu and the skip link, /ayuda, the Spanish 404 and error pages, every citizen
page at 320 CSS px (200 % zoom) without horizontal scroll, /mirador's charts with their summary
and data table; and over plain HTTP, page addresses without the slash (no 307) and the cache
headers of the fingerprinted assets."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import axe_violations, dump, shot

pytestmark = pytest.mark.e2e

CITIZEN = ["/", "/mesa-de-partes", "/seguimiento", "/casilla", "/verificar", "/mirador", "/ayuda"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, accept: str = "text/html"):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(urllib.request.Request(url, headers={"Accept": accept}), timeout=20)
    except urllib.error.HTTPError as exc:
        return exc


def test_pages_without_the_slash_answer_200_and_assets_are_immutable(app_server):
    base = app_server["base"]
    for path in ("/seguimiento", "/seguimiento?numero=EXP-2026-000001", "/mesa-de-partes", "/ayuda", "/casilla"):
        resp = _get(base + path)
        assert resp.status == 200, (path, resp.status, resp.headers.get("location"))
        assert resp.headers["cache-control"] == "no-cache", path
    html = _get(base + "/seguimiento").read().decode()
    assets = sorted(set(re.findall(r'/assets/[^"\']+\.(?:js|css)', html)))
    assert assets, html[:500]
    for asset in assets[:5]:
        resp = _get(base + asset, accept="*/*")
        assert resp.status == 200, asset
        assert resp.headers["cache-control"] == "public, max-age=31536000, immutable", asset


def test_an_expired_receipt_link_and_an_unknown_address_are_spanish_pages_with_a_way_on(app_server, phone):
    base = app_server["base"]
    phone.goto(f"{base}/api/v1/cargo/EXP-2026-000001.pdf?t=vencido")
    expect(phone.locator("h1")).to_have_text("No se puede abrir este enlace")
    expect(phone.locator("#detalle")).to_contain_text("Enlace vencido o no autorizado")
    expect(phone.get_by_role("link", name="Seguimiento de trámite")).to_be_visible()
    assert axe_violations(phone, impacts=("minor", "moderate", "serious", "critical")) == []
    shot(phone, "error-enlace-390")
    phone.get_by_role("link", name="Ayuda y contacto").click()
    expect(phone.locator("h1")).to_have_text("Ayuda y contacto")
    # JSON for an API client, same address.
    resp = _get(f"{base}/api/v1/cargo/EXP-2026-000001.pdf?t=vencido", accept="application/json")
    assert resp.status == 403 and resp.headers["content-type"].startswith("application/json")

    phone.goto(f"{base}/no-existe-esta-pagina")
    expect(phone.locator("h1")).to_have_text("No encontramos esta página")
    expect(phone.locator("#no-encontrada")).to_contain_text("no existe")
    body = phone.locator("body").inner_text()
    assert "Not Found" not in body and "Page not found" not in body, body
    assert "404" not in phone.title() and "Página no encontrada" in phone.title(), phone.title()
    assert axe_violations(phone, impacts=("minor", "moderate", "serious", "critical")) == []
    shot(phone, "404-390")
    phone.get_by_role("link", name="Ir al inicio").click()
    expect(phone.locator("h1")).to_have_text("Trámite Digital")


def test_phone_menu_opens_closes_with_escape_and_the_skip_link_moves_the_focus(app_server, phone):
    base = app_server["base"]
    phone.goto(f"{base}/seguimiento")
    expect(phone.locator("h1")).to_contain_text("Seguimiento")
    menu = phone.get_by_role("button", name="Menú")
    expect(menu).to_be_visible()
    expect(phone.get_by_role("navigation", name="Principal")).to_be_hidden()  # the desktop links
    expect(menu).to_have_attribute("aria-expanded", "false")
    shot(phone, "cabecera-390")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    items = phone.get_by_role("menuitem")
    expect(items).to_have_count(6)
    expect(phone.get_by_role("menuitem", name="Ayuda")).to_be_visible()
    shot(phone, "menu-abierto-390")
    phone.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(items).to_have_count(0)
    assert phone.evaluate("document.activeElement && document.activeElement.id") == "menu-boton"
    menu.click()
    phone.get_by_role("menuitem", name="Casilla").click()
    expect(phone).to_have_url(re.compile(r"/casilla$"))
    expect(phone.locator("h1")).to_contain_text("Casilla electrónica")

    # Skip link: the first Tab reaches it, Enter moves the focus into <main>.
    phone.goto(f"{base}/ayuda")
    expect(phone.locator("h1")).to_have_text("Ayuda y contacto")
    phone.keyboard.press("Tab")
    skip = phone.locator("#saltar")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    phone.keyboard.press("Enter")
    expect(phone.locator("main#contenido")).to_be_focused()


def test_help_page_gives_contact_and_frequent_questions_and_every_citizen_page_links_it(app_server, desktop):
    base = app_server["base"]
    desktop.goto(f"{base}/ayuda")
    expect(desktop.locator("h1")).to_have_text("Ayuda y contacto")
    contact = desktop.locator("#contacto")
    expect(contact).to_contain_text("Teléfono")
    expect(contact).to_contain_text("(01) 311-1700")
    expect(contact).to_contain_text("Horario de atención")
    expect(contact).to_contain_text("Dirección")
    expect(desktop.get_by_role("link", name="mesadepartes@jne.gob.pe")).to_have_attribute(
        "href", "mailto:mesadepartes@jne.gob.pe"
    )
    questions = desktop.locator("#preguntas details")
    expect(questions).to_have_count(5)
    answer = desktop.locator("#preguntas details").nth(4)
    expect(answer.locator("p")).to_be_hidden()
    desktop.get_by_text("Olvidé mi clave o mi número de expediente").click()
    expect(answer.locator("p")).to_be_visible()
    expect(answer).to_contain_text("casilla electrónica")
    assert axe_violations(desktop, impacts=("minor", "moderate", "serious", "critical")) == []
    shot(desktop, "ayuda-1280")
    for path in CITIZEN:
        desktop.goto(base + path)
        expect(desktop.locator("h1").first).to_be_visible()
        expect(desktop.get_by_role("navigation", name="Principal").get_by_role("link", name="Ayuda")).to_be_visible()
        expect(desktop.locator("footer").get_by_role("link", name="Ayuda y contacto")).to_be_visible()
        expect(desktop.locator("footer")).to_contain_text("(01) 311-1700")


def test_every_citizen_page_reflows_at_320_css_pixels(app_server, browser):
    """200 % zoom on a 640 px window = 320 CSS px: no horizontal scroll, the main controls visible."""
    base = app_server["base"]
    ctx = browser.new_context(viewport={"width": 320, "height": 640}, locale="es-PE")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    try:
        for path in CITIZEN:
            page.goto(base + path)
            expect(page.locator("h1").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            if path == "/mirador":
                expect(page.locator("#resumen-canal")).not_to_have_text("Cargando cifras…")
            widths = page.evaluate(
                "({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,"
                " wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right >"
                " window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)})"
            )
            assert widths["scroll"] <= widths["inner"], (path, dump(widths))
            expect(page.get_by_role("button", name="Menú")).to_be_visible()
            first_control = page.locator("main").locator("a, button, input, select, textarea, summary").first
            expect(first_control).to_be_visible()
            box = first_control.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 321, (path, box)
            shot(page, f"zoom-320{path.replace('/', '-') or '-inicio'}")
    finally:
        ctx.close()


def test_mirador_charts_are_drawn_in_html_with_fixed_boxes_a_summary_and_a_data_table(app_server, phone):
    """The charts are HTML and CSS (no chart library on the phone): their boxes have their size from
    the first paint, their labels are whole text, and each has a sentence and a table."""
    base = app_server["base"]
    phone.goto(f"{base}/mirador")
    expect(phone.locator("h1")).to_contain_text("Mirador")
    first = phone.evaluate(
        "['mensual', 'tipos', 'canal'].map(k => Math.round(document.getElementById('grafico-' + k)"
        ".getBoundingClientRect().height))"
    )
    expect(phone.locator("#resumen-canal")).to_contain_text("llegaron por la Mesa de Partes Virtual")
    for key in ("mensual", "tipos", "canal"):
        expect(phone.locator(f"#resumen-{key}")).not_to_be_empty()
    expect(phone.get_by_role("heading", name="Trámites por mes")).to_be_visible()
    table = phone.locator("#datos-tipos table")
    expect(table).to_be_hidden()
    phone.locator("#datos-tipos summary").click()
    expect(table).to_be_visible()
    expect(table.locator("th").first).to_have_text("Trámite")
    expect(phone.locator("#datos-canal tbody tr")).to_have_count(2)  # virtual, presencial
    if phone.locator("#resumen-tipos").inner_text().startswith("Aún no hay"):
        expect(table.locator("tbody tr")).to_have_count(0)  # an empty installation says so
    else:
        expect(phone.locator("#resumen-tipos")).to_contain_text("El trámite más frecuente es")
        rows = table.locator("tbody tr")
        assert rows.count() >= 1
        # The most frequent procedure is the first bar, under its whole name, with its count.
        top_name = rows.first.locator("td").first.inner_text()
        top_count = rows.first.locator("td").nth(1).inner_text()
        expect(phone.locator("#grafico-tipos")).to_contain_text(top_name)
        expect(phone.locator("#grafico-tipos")).to_contain_text(top_count)
        widths = phone.evaluate(
            "[...document.querySelectorAll('#grafico-tipos .barra')]"
            ".map(e => Math.round(e.getBoundingClientRect().width))"
        )
        assert widths and widths[0] == max(widths) and widths[0] > 100, widths  # the longest bar first
        assert "…" not in phone.locator("#grafico-tipos").inner_text()
        months = phone.locator("#datos-mensual tbody tr").count()
        columns = phone.locator("#grafico-mensual [title]")
        expect(columns).to_have_count(min(months, 12))
    # The channel bar's virtual part is the virtual share of the table (e.g. "75,00 %").
    share = float(
        phone.locator("#datos-canal tbody tr").first.locator("td").nth(2).text_content().split()[0].replace(",", ".")
    )
    drawn = phone.evaluate(
        "100 * document.getElementById('canal-virtual').getBoundingClientRect().width"
        " / document.getElementById('canal-barra').getBoundingClientRect().width"
    )
    assert abs(drawn - share) < 1.5, (drawn, share)
    # Fixed boxes: the figures arrived and nothing moved (the boxes' heights and the CLS in Chromium).
    after = phone.evaluate(
        "['mensual', 'tipos', 'canal'].map(k => Math.round(document.getElementById('grafico-' + k)"
        ".getBoundingClientRect().height))"
    )
    assert after == first, (first, after)
    cls = phone.evaluate(
        """() => new Promise(resolve => { let total = 0;
        new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value; })
          .observe({type: 'layout-shift', buffered: true});
        setTimeout(() => resolve(total), 500); })"""
    )
    assert cls < 0.05, cls
    shot(phone, "mirador-390")
    assert axe_violations(phone) == [], dump(axe_violations(phone))
    # No chart library is loaded by the public page.
    scripts = phone.evaluate("performance.getEntriesByType('resource').map(r => r.name).filter(n => /plotly/i.test(n))")
    assert scripts == [], scripts


def test_pages_paint_before_their_scripts_and_come_alive_after(app_server, phone):
    """The built page carries no module preloads (the first paint waits only for the stylesheet),
    is sent with brotli to a browser that asks for it, and still comes alive: the menu works."""
    base = app_server["base"]
    for path in CITIZEN:
        html = _get(base + path).read().decode("utf-8")
        assert '<link rel="modulepreload"' not in html, path
        assert "requestAnimationFrame(() => setTimeout(start, 0))" in html, path
    req = urllib.request.Request(base + "/", headers={"Accept": "text/html", "Accept-Encoding": "br, gzip"})
    with urllib.request.urlopen(req, timeout=20) as resp:
        assert resp.headers.get("Content-Encoding") == "br"
    phone.goto(f"{base}/")
    phone.wait_for_load_state("networkidle")  # the scripts came after the paint; the page is alive now
    menu = phone.get_by_role("button", name="Menú")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(phone.get_by_role("menuitem", name="Ayuda")).to_be_visible()
    # The modules were still fetched ahead of need: the preloads are issued by the page's script.
    preloads = phone.evaluate("[...document.querySelectorAll('link[rel=modulepreload]')].length")
    assert preloads > 5, preloads
