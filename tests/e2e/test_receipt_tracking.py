"""Issue 13 items 6, 13 and 10 as a citizen sees them: the receipt says what happens next and
travels by e-mail, /seguimiento tells one truth in plain words, /casilla shows the citizen's cases."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.conftest import make_pdf
from tests.e2e.harness import PHONE, axe_violations, dump, shot
from tests.e2e.steps import citizen_files, fill_filer, send_filing, start_filing, upload_main

pytestmark = pytest.mark.e2e
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
EMAIL = "maria.nahui@example.pe"  # what tests.e2e.steps.fill_filer types
CASILLA_DNI = "41234567"


@pytest.fixture
def phone_clip(browser):
    """A phone that lets the page write to (and the test read) the clipboard."""
    ctx = browser.new_context(
        viewport=PHONE,
        locale="es-PE",
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    # Count eval calls: the receipt's buttons must work under a CSP without 'unsafe-eval'.
    ctx.add_init_script(
        "window.__seen = []; window.__watch = false; const __e = window.eval;"
        "window.eval = function (x) { if (window.__watch) window.__seen.push(String(x).slice(0, 120)); return __e(x); };"
    )
    page = ctx.new_page()
    page.set_default_timeout(20000)
    yield page
    ctx.close()


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_receipt_says_what_happens_next_and_the_email_carries_it(app_server, phone_clip, tmp_path, mailbox):
    page = phone_clip
    number, key = citizen_files(page, app_server["base"], tmp_path, "Constancia para el recibo del issue 13")

    # What happens next, in plain words.
    expect(page.locator("#aviso-guardar")).to_contain_text(
        "Guarde su número y su clave: con ellos consulta su trámite."
    )
    expect(page.locator("#aviso-guardar")).to_contain_text("también se los enviamos a su correo m***@example.pe.")
    steps = page.locator("#que-sigue")
    expect(steps).to_contain_text("Le enviamos un correo a m***@example.pe con su número, su clave y el cargo")
    expect(steps).to_contain_text(
        re.compile(r"Le responderemos hasta el \d{1,2} de [a-z]+ de 20\d\d \(\d+ días hábiles\)\.")
    )
    expect(steps).to_contain_text("le llegarán a su casilla electrónica y por correo")
    promise = re.search(r"Le responderemos hasta el [^.]+\.", steps.inner_text()).group(0)
    assert EMAIL not in page.content()  # the address itself is not on the screen
    shot(page, "receipt-390")
    assert not (found := axe_violations(page, impacts=ALL_IMPACTS)), dump(found)

    # "Copiar" puts number AND key on the clipboard, and says so; "Guardar / Compartir" without
    # the Web Share API (this browser) downloads the receipt PDF. Neither needs eval (strict CSP).
    page.evaluate("window.__watch = true")
    page.get_by_role("button", name="Copiar número y clave").click()
    expect(page.locator("#copia-estado")).to_contain_text("Copiado")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Guardar / Compartir cargo").click()
    done = "window.__watch = false; window.__seen"
    assert page.evaluate(done) == [done]  # only this test's own read went through eval
    clip = page.evaluate("navigator.clipboard.readText()")
    assert number in clip and key in clip, clip
    assert dl.value.suggested_filename == f"cargo-{number}.pdf"
    text = _pdf_text(dl.value.path())
    assert number in text and key not in text
    assert "se envía al correo registrado" in " ".join(text.split())  # the same truth as the screen

    # The e-mail, through the real SMTP server: the key, the deadline and the receipt attached.
    mail = mailbox.wait_for(lambda m: number in m["subject"] and "registrado" in m["subject"])
    assert mail["to"] == [EMAIL]
    assert f"Clave de acceso: {key}" in mail["body"]
    assert promise in mail["body"]
    assert "casilla electrónica" in mail["body"]
    names = [name for name, _ in mail["attachments"]]
    assert names == [f"cargo-{number}.pdf"], names
    attached = mail["attachments"][0][1]
    assert attached.startswith(b"%PDF") and key.encode() not in attached
    assert b"/ByteRange" in attached  # the sealed original (PAdES), not a fresh rendering
    pdf = tmp_path / "adjunto.pdf"
    pdf.write_bytes(attached)
    assert number in _pdf_text(pdf)


def test_receipt_on_desktop_passes_axe(app_server, desktop, tmp_path):
    page = desktop
    citizen_files(page, app_server["base"], tmp_path, "Constancia desde la computadora, issue 13")
    expect(page.locator("#que-sigue")).to_be_visible()
    shot(page, "receipt-1280")
    assert not (found := axe_violations(page, impacts=ALL_IMPACTS)), dump(found)


def test_seguimiento_one_truth_plain_words_details_and_forgotten_key(app_server, phone, tmp_path, mailbox):
    base, page = app_server["base"], phone
    number, key = citizen_files(page, base, tmp_path, "Constancia para seguimiento del issue 13")

    page.goto(f"{base}/seguimiento")
    page.wait_for_load_state("networkidle")
    assert not (found := axe_violations(page, impacts=ALL_IMPACTS)), dump(found)

    # "¿Olvidó su clave?": a wrong document and the right one get the same sentence on screen.
    page.get_by_role("button", name="¿Olvidó su clave?").click()
    form = page.locator("#olvido-clave")
    form.get_by_label("Número de expediente").fill(number)
    form.get_by_label(re.compile("Número de documento")).fill("40000000")
    form.get_by_role("button", name="Enviarme una nueva clave").click()
    expect(page.locator("#olvido-enviado")).to_contain_text("Si el número de expediente y el documento coinciden")
    wrong_text = page.locator("#olvido-enviado").inner_text()
    shot(page, "seguimiento-olvido-390")
    assert not (found := axe_violations(page, impacts=ALL_IMPACTS)), dump(found)
    form.get_by_label(re.compile("Número de documento")).fill("45678912")
    form.get_by_role("button", name="Enviarme una nueva clave").click()
    page.wait_for_timeout(600)
    expect(page.locator("#olvido-enviado")).to_have_text(wrong_text)
    mail = mailbox.wait_for(lambda m: number in m["subject"] and "nueva clave" in m["subject"])
    assert mail["to"] == [EMAIL]
    assert not [m for m in mailbox.messages if number in m["subject"] and "nueva clave" in m["subject"]][1:]
    new_key = re.search(r"Nueva clave de acceso: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", mail["body"]).group(1)
    assert new_key != key and new_key not in page.content()

    # The old key no longer opens the case; the new one does.
    page.get_by_label("Clave de acceso").fill(key)
    page.get_by_role("button", name="Consultar").click()
    expect(page.locator("#seguimiento-error")).to_contain_text("No encontramos")
    page.get_by_label("Número de expediente").first.fill(number)
    page.get_by_label("Clave de acceso").fill(new_key)
    page.get_by_role("button", name="Consultar").click()

    # One truth: the header status is the latest step of the history, explained in plain words.
    expect(page.locator("#resultado-estado")).to_have_text("Derivado")
    expect(page.locator("#estado-explicacion")).to_have_text(
        "Su expediente fue enviado a la unidad que lo atiende; aún debe recibirlo."
    )
    history = page.locator("ol li").first
    expect(history).to_contain_text("Derivado")
    # Technical details are behind a closed disclosure.
    details = page.locator("#detalles-tecnicos")
    expect(details).not_to_have_attribute("open", "")
    expect(page.get_by_text("SHA-256", exact=False).first).not_to_be_visible()
    expect(page.get_by_text("Folios", exact=True)).not_to_be_visible()
    shot(page, "seguimiento-resultado-390")
    assert not (found := axe_violations(page, impacts=ALL_IMPACTS)), dump(found)
    page.get_by_text("Detalles técnicos").click()
    expect(page.get_by_text("Folios", exact=True)).to_be_visible()
    expect(page.get_by_text("SHA-256", exact=False).first).to_be_visible()
    assert not (found := axe_violations(page, impacts=ALL_IMPACTS)), dump(found)


def _codes(mailbox) -> list[dict]:
    return [m for m in mailbox.messages if "casilla electrónica:" in m["subject"]]


def _new_code(mailbox, before: int) -> str:
    """The code mailed after ``before`` code mails (this test's own DNI: nobody else asks for it)."""
    mailbox.wait_for(lambda m: len(_codes(mailbox)) > before)
    return re.search(r"(\d{6})", _codes(mailbox)[before]["subject"]).group(1)


def test_casilla_shows_the_owner_and_their_cases_and_offers_a_resend(app_server, phone, tmp_path, mailbox):
    base, page = app_server["base"], phone
    # A DNI of its own: other tests open the casilla of 45678912 (one code per minute per document).
    start_filing(page, base)
    fill_filer(page, dni=CASILLA_DNI, name="Rosa Elena Huamán Ccori")
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Asunto: ¿qué solicita?").fill("Constancia para la casilla del issue 13")
    page.get_by_role("button", name="Continuar").click()
    upload_main(page, tmp_path, make_pdf(1))
    expect(page.get_by_text("solicitud.pdf")).to_be_visible()
    page.get_by_role("button", name="Continuar").click()
    number, _key = send_filing(page)
    before = len(_codes(mailbox))

    page.goto(f"{base}/casilla")
    page.get_by_label("Número de documento").fill(CASILLA_DNI)
    page.get_by_role("button", name="Enviarme un código").click()
    expect(page.locator("#vence-codigo")).to_have_text("El código vence en 10 minutos y sirve una sola vez.")
    shot(page, "casilla-codigo-390")
    assert not (found := axe_violations(page, impacts=ALL_IMPACTS)), dump(found)
    page.get_by_role("button", name="Reenviar código").click()
    expect(page.locator("#aviso-codigo")).to_contain_text("Le enviamos un código nuevo")
    code = _new_code(mailbox, before)

    page.get_by_label(re.compile("Código recibido")).fill(code)
    page.get_by_role("button", name="Abrir mi casilla").click()
    expect(page.locator("#titular-casilla")).to_have_text("Rosa Elena Huamán Ccori")
    cases = page.locator("#mis-expedientes")
    row = cases.locator("li", has_text=number)
    expect(row).to_contain_text("Derivado")
    expect(row).to_contain_text("Constancia del estado de afiliación")
    expect(row.get_by_role("link", name="Ver seguimiento")).to_have_attribute(
        "href", re.compile(rf"/seguimiento/?\?numero={number}")
    )
    assert cases.locator("li").count() <= 10  # one page at a time
    shot(page, "casilla-abierta-390")
    assert not (found := axe_violations(page, impacts=ALL_IMPACTS)), dump(found)
