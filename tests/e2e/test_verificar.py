"""/verificar as a citizen sees it on a phone: a refused file says why in Spanish (not a PDF, too
big with the limit, several) and nothing English shows up; a valid receipt explains its VÁLIDO in
one line; axe finds no violation of any impact on the page, its error state or its result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import make_pdf
from tests.e2e.harness import axe_violations, dump, shot
from tests.e2e.steps import citizen_files

pytestmark = pytest.mark.e2e

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
ENGLISH = re.compile(r"Files not Accepted|larger than|bytes|Notifications|File type must be|Too many files", re.I)


def _open(page, base):
    page.goto(f"{base}/verificar")
    expect(page.locator("h1")).to_contain_text("Verificar")
    page.wait_for_load_state("networkidle")  # the drop zone listens once the page is hydrated


def _pick(page, name: str, mime: str, data: bytes):
    page.locator("#verificar input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})


def _drop_two_pdfs(page):
    """Two PDFs dropped at once (a file picker without `multiple` cannot choose two)."""
    dt = page.evaluate_handle(
        "() => { const dt = new DataTransfer();"
        " for (const n of ['uno.pdf', 'dos.pdf']) dt.items.add(new File(['%PDF-1.4'], n, {type: 'application/pdf'}));"
        " return dt; }"
    )
    page.dispatch_event("#verificar", "drop", {"dataTransfer": dt})


def _refusal_stays(page, text: str):
    error = page.locator("#error-verificar")
    expect(error).to_have_text(text)
    expect(error).to_have_attribute("role", "alert")
    page.wait_for_timeout(1500)  # an empty upload that follows the refusal must not replace it
    expect(error).to_have_text(text)
    assert not ENGLISH.search(page.locator("body").inner_text()), page.locator("body").inner_text()
    expect(page.locator("[data-sonner-toast]")).to_have_count(0)


def test_a_refused_file_says_why_in_spanish_and_it_stays(app_server, phone):
    page = phone
    sent: list[str] = []  # what the page sends over the /_event websocket
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(f if isinstance(f, str) else "")))
    _open(page, app_server["base"])
    expect(page.get_by_text("un archivo PDF, máx. 20 MB")).to_be_visible()

    _pick(page, "foto.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 200)
    _refusal_stays(page, "El archivo «foto.png» no es un PDF. Suba un archivo PDF.")
    shot(page, "verificar-no-pdf")
    violations = axe_violations(page, impacts=ALL_IMPACTS)
    assert not violations, dump(violations)

    _pick(page, "grande.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024))
    _refusal_stays(page, "El archivo «grande.pdf» pesa demasiado (21,0 MB): el máximo es 20 MB.")

    # Only name, size and error codes went to the server: not the 21 MB file, not even its start.
    refusals = [f for f in sent if "upload_rejected" in f]
    assert refusals and all('"codes"' in f and "grande.pdf" in f for f in refusals[-1:]), refusals
    assert max(len(f) for f in sent) < 5000, max(len(f) for f in sent)

    _drop_two_pdfs(page)
    _refusal_stays(page, "Eligió 2 archivos: suba un solo archivo PDF a la vez.")

    # A good file afterwards is checked normally and the refusal goes away.
    _pick(page, "sin-firma.pdf", "application/pdf", make_pdf(1, "Sin firmas"))
    expect(page.locator("#veredicto")).to_have_text("INDETERMINADO", timeout=30000)
    expect(page.locator("#error-verificar")).to_have_count(0)


def test_a_valid_receipt_explains_its_verdict_and_passes_axe(app_server, phone, tmp_path):
    page = phone
    base = app_server["base"]
    number, _key = citizen_files(page, base, tmp_path, "Constancia para verificar el cargo")
    with page.expect_download() as dl:
        page.get_by_role("link", name=re.compile("Descargar cargo")).click()
    receipt = Path(dl.value.path()).read_bytes()

    _open(page, base)
    violations = axe_violations(page, impacts=ALL_IMPACTS)
    assert not violations, dump(violations)
    _pick(page, "cargo.pdf", "application/pdf", receipt)
    expect(page.locator("#veredicto")).to_have_text("VÁLIDO", timeout=30000)
    expect(page.locator("#motivo")).to_have_text(
        re.compile(r"^Este documento fue firmado digitalmente por .+ y no ha sido modificado desde que se firmó\.$")
    )
    expect(page.get_by_text(number, exact=True)).to_be_visible()
    shot(page, "verificar-valido")
    violations = axe_violations(page, impacts=ALL_IMPACTS)
    assert not violations, dump(violations)


# English a citizen could meet: Reflex's, sonner's, react-dropzone's and plotly's defaults.
KNOWN_ENGLISH = re.compile(
    r"\b(Notifications|alt\+T|Files? not Accepted|larger than|smaller than|File type must be|Too many files"
    r"|Loading|Close|Cancel|Submit|Upload|Drag|Select|Search|Toggle|Dismiss|Page not found|Cannot connect"
    r"|Built with|Download plot|Zoom|Autoscale|Reset axes|Double-click|Previous|Next|Skip to|Copy|Copied"
    r"|No file chosen|Choose files?|Open|Menu|Settings)\b"
)
READ_OUT = """() => {
  const said = [document.title];
  for (const el of document.querySelectorAll('*')) {
    for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'aria-roledescription', 'aria-description'])
      if (el.getAttribute(a)) said.push(`${a}=${el.getAttribute(a)}`);
  }
  return [document.body.innerText, ...said].join('\\n');
}"""
CITIZEN_PAGES = [
    ("/", "Trámite Digital"),
    ("/mesa-de-partes", "Mesa de Partes"),
    ("/seguimiento", "Seguimiento"),
    ("/verificar", "Verificar"),
    ("/casilla", "Casilla"),
    ("/mirador", "Mirador"),
    ("/ingresar", "Ingresar"),
]


def _no_english(page, where: str):
    found = sorted({m.group(0) for m in KNOWN_ENGLISH.finditer(page.evaluate(READ_OUT))})
    assert not found, f"{where}: {found}"


def test_citizen_pages_show_no_english(app_server, phone):
    """Visible text, labels, titles and placeholders of every citizen page (no toast region at all:
    sonner's is "Notifications alt+T") and /verificar's refusal state included."""
    page = phone
    base = app_server["base"]
    for path, heading in CITIZEN_PAGES:
        page.goto(f"{base}{path}")
        expect(page.locator("h1").first).to_contain_text(heading)
        page.wait_for_load_state("networkidle")
        _no_english(page, path)
    page.goto(f"{base}/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-sonner-toaster]")).to_have_count(0)  # no toaster is shipped
    expect(page.get_by_label(re.compile("Notifications"))).to_have_count(0)
    _open(page, base)
    _pick(page, "grande.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024))
    expect(page.locator("#error-verificar")).to_contain_text("el máximo es 20 MB")
    _no_english(page, "/verificar (rechazo)")
