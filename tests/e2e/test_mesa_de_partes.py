"""A citizen files from a phone, gets a numbered receipt, tracks the case; staff sees it."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import make_pdf
from tests.e2e.harness import DEMO_PASSWORD, axe_violations, db_rows, dump, shot
from tests.e2e.steps import fill_filer as _fill_filer
from tests.e2e.steps import start_filing as _start
from tests.e2e.steps import upload_main as _upload_main

pytestmark = pytest.mark.e2e
NUMBER_RE = re.compile(r"EXP-\d{4}-\d{6}")


def _count_cases(server) -> int:
    return db_rows(server, "SELECT count(*) FROM expediente")[0][0]


def test_citizen_files_tracks_and_staff_sees_it(app_server, phone, tmp_path, browser):
    base = app_server["base"]
    page = phone
    before = _count_cases(app_server)
    _start(page, base)

    # Step: who you are — a wrong DNI gets its Spanish message next to the field.
    _fill_filer(page, dni="1234")
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("#doc_number-error")).to_have_text(re.compile("El DNI debe tener 8 dígitos"))
    page.get_by_label("Número de DNI (8 dígitos)").fill("45678912")
    page.get_by_role("button", name="Continuar").click()

    # Step: what you file.
    expect(page.get_by_text("Paso 3 de 5")).to_be_visible()
    page.get_by_label("Asunto: ¿qué solicita?").fill("Solicito constancia de no afiliación para postular")
    page.get_by_role("button", name="Continuar").click()

    # Going back keeps what was typed.
    expect(page.get_by_text("Paso 4 de 5")).to_be_visible()
    page.get_by_role("button", name="Atrás").click()
    expect(page.get_by_label("Asunto: ¿qué solicita?")).to_have_value(
        "Solicito constancia de no afiliación para postular"
    )
    page.get_by_role("button", name="Atrás").click()
    expect(page.get_by_label("Nombres y apellidos")).to_have_value("María Fernanda Ñahui Quispe")
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name="Continuar").click()

    # Step: attachments — a 2-page PDF.
    pdf = make_pdf(pages=2)
    _upload_main(page, tmp_path, pdf)
    expect(page.get_by_text("solicitud.pdf")).to_be_visible()
    expect(page.get_by_text(re.compile(r"2 página\(s\)"))).to_be_visible()
    page.get_by_role("button", name="Continuar").click()

    # Review and send.
    expect(page.get_by_text("Revise sus datos antes de enviar.")).to_be_visible()
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator("#declaration-error")).to_contain_text("Marque la declaración")
    # The personal-data notice (Ley 29733) must be acknowledged; the focus goes to it.
    expect(page.locator("#privacy-error")).to_contain_text("leyó la información sobre sus datos personales")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'datos-personales-leido'")
    notice = page.get_by_role("heading", name=re.compile(r"Sus datos personales \(Ley N\.°\s29733\)"))
    expect(notice).to_be_visible()
    shot(page, "wizard-revisar-datos-personales-390")
    for words in ("Para qué:", "Quién los guarda:", "derechos ARCO", "Cómo ejercerlos:", "Solicitud general"):
        expect(page.get_by_text(words).first).to_be_visible()
    if found := axe_violations(page, impacts=("minor", "moderate", "serious", "critical")):
        pytest.fail(dump(found))
    page.get_by_label("He leído cómo se usarán mis datos personales.").check()
    page.get_by_label("Declaro que la información").check()
    page.get_by_role("button", name="Enviar").click()

    # The receipt.
    expect(page.get_by_text("Su documento fue recibido")).to_be_visible()
    number = page.locator("#numero-expediente").inner_text()
    key = page.locator("#clave-acceso").inner_text().strip()
    assert NUMBER_RE.fullmatch(number), number
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", key), key
    expect(page.get_by_text(hashlib.sha256(pdf).hexdigest())).to_be_visible()
    expect(page.get_by_text("Registro de Organizaciones Políticas")).to_be_visible()
    assert _count_cases(app_server) == before + 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(tmp_path / "cargo-phone.png"), full_page=True)

    # The receipt PDF downloads and carries the same data.
    with page.expect_download() as dl:
        page.get_by_role("link", name=re.compile("Descargar cargo")).click()
    pdf_path = dl.value.path()
    receipt = Path(pdf_path).read_bytes()
    assert receipt.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert number in text and hashlib.sha256(pdf).hexdigest()[:32] in text.replace("\n", "")
    assert key not in text

    # Tracking with number + key.
    page.get_by_role("link", name="Ver seguimiento").click()
    expect(page.get_by_label("Número de expediente")).to_have_value(number)
    page.get_by_label("Clave de acceso").fill(key.lower())
    page.get_by_role("button", name="Consultar").click()
    expect(page.locator("#resultado-numero")).to_have_text(number)
    expect(page.locator("#resultado-estado")).to_have_text("Derivado")  # the same truth as the history
    expect(page.get_by_text("Derivado", exact=True).last).to_be_visible()

    # A wrong key answers "no encontrado", the same as a wrong number.
    page.get_by_role("button", name="Consultar otro expediente").click()
    page.get_by_label("Número de expediente").fill(number)
    page.get_by_label("Clave de acceso").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Consultar").click()
    wrong_key_msg = page.locator("#seguimiento-error").inner_text()
    page.get_by_label("Número de expediente").fill("EXP-2026-999999")
    page.get_by_label("Clave de acceso").fill(key)
    page.get_by_role("button", name="Consultar").click()
    expect(page.locator("#seguimiento-error")).to_have_text(wrong_key_msg)
    assert "No encontramos" in wrong_key_msg

    # Staff of the procedure's unit logs in and sees the new case in the inbox.
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-PE")
    staff = ctx.new_page()
    staff.goto(f"{base}/bandeja")
    expect(staff).to_have_url(re.compile(r"/ingresar"))
    staff.get_by_label("Usuario").fill("rop")
    staff.get_by_label("Contraseña").fill("mal-clave")
    staff.get_by_role("button", name="Ingresar").click()
    expect(staff.locator("#aviso")).to_have_text("Usuario o contraseña incorrectos.")
    staff.get_by_label("Usuario").fill("rop")
    staff.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Ingresar").click()
    expect(staff).to_have_url(re.compile(r"/bandeja"))
    expect(staff.locator("#usuario-actual")).to_have_text("Patricia Chávez León")
    expect(staff.get_by_text(number)).to_be_visible()
    cookies = {c["name"]: c for c in ctx.cookies()}
    assert cookies["sgd_sesion"]["httpOnly"] is True
    # Staff of another unit does not see it.
    staff.get_by_role("button", name="Salir").click()
    expect(staff).to_have_url(re.compile(r"/ingresar"))
    staff.get_by_label("Usuario").fill("tesoreria")
    staff.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Ingresar").click()
    expect(staff.locator("#usuario-actual")).to_have_text("Miguel Flores Rojas")
    expect(staff.get_by_text(number)).to_have_count(0)
    ctx.close()


def test_non_pdf_renamed_gets_spanish_error_and_creates_nothing(app_server, phone, tmp_path):
    base, data = app_server["base"], app_server["data"]
    page = phone
    before = _count_cases(app_server)
    _start(page, base)
    _fill_filer(page)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Asunto: ¿qué solicita?").fill("Constancia de afiliación, por favor")
    page.get_by_role("button", name="Continuar").click()
    _upload_main(page, tmp_path, b"\xff\xd8\xff\xe0 esto es una foto JPEG, no un PDF" * 50, "foto.pdf")
    expect(page.locator("#principal-error")).to_have_text(re.compile("no es un PDF válido"))
    expect(page.get_by_text("foto.pdf")).to_have_count(0)
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("#principal-error")).to_have_text(re.compile("Adjunte el documento principal"))
    assert _count_cases(app_server) == before
    staging = list((data / "staging").glob("*")) if (data / "staging").exists() else []
    assert staging == []


def test_citizen_pages_pass_axe(app_server, phone, tmp_path):
    base = app_server["base"]
    page = phone
    problems = {}
    for path in ("/", "/mesa-de-partes", "/seguimiento", "/ingresar", "/verificar", "/mirador", "/casilla"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        found = axe_violations(page)
        if found:
            problems[path] = found
    # The wizard's inner steps too.
    _start(page, base)
    if found := axe_violations(page):
        problems["mesa-de-partes paso 2"] = found
    _fill_filer(page)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Asunto: ¿qué solicita?").fill("Constancia de afiliación, por favor")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Paso 4 de 5")).to_be_visible()
    if found := axe_violations(page):
        problems["mesa-de-partes paso 4"] = found
    assert not problems, dump(problems)


def test_running_app_refuses_oversized_uploads_with_413(app_server):
    """The body cap is wired into the production server, before Reflex reads the upload."""
    import httpx

    base = app_server["base"]
    big = b"0" * (21 * 1024 * 1024)
    r = httpx.post(f"{base}/_upload", content=big, headers={"content-type": "application/octet-stream"}, timeout=60)
    assert r.status_code == 413
    assert "demasiado grande" in r.json()["detail"]
    r = httpx.post(f"{base}/api/v1/sesion", content=b"x" * (200 * 1024), timeout=30)
    assert r.status_code == 413
    assert httpx.get(f"{base}/api/v1/health", timeout=10).json()["status"] == "ok"


def _to_files_step(page, base):
    _start(page, base)
    _fill_filer(page)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Asunto: ¿qué solicita?").fill("Constancia de afiliación, por favor")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Paso 4 de 5")).to_be_visible()


def test_a_refused_file_says_why_in_spanish(app_server, phone, tmp_path):
    page = phone
    _to_files_step(page, app_server["base"])
    error = page.locator("#principal-error")
    # A photo: not a PDF. The empty upload that follows the refusal must not overwrite it.
    png = tmp_path / "foto.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 2000)
    page.locator("#principal input[type=file]").set_input_files(str(png))
    expect(error).to_have_text(re.compile("«foto.png» no es un PDF. Solo se aceptan archivos PDF."))
    page.wait_for_timeout(1500)
    expect(error).to_have_text(re.compile("no es un PDF"))
    shot(page, "wizard-rechazo-png-390")
    if found := axe_violations(page, impacts=("minor", "moderate", "serious", "critical")):
        pytest.fail(dump(found))
    # A 21 MB PDF: too big, with the limit.
    big = tmp_path / "grande.pdf"
    big.write_bytes(make_pdf(1) + b"0" * (21 * 1024 * 1024))
    page.locator("#principal input[type=file]").set_input_files(str(big))
    expect(error).to_have_text(re.compile(r"«grande.pdf» pesa demasiado \(21 MB\)\. .*hasta 20 MB\."))
    page.wait_for_timeout(1500)
    expect(error).to_have_text(re.compile("pesa demasiado"))
    # Two files dropped on the box at once: one at a time.
    page.evaluate(
        """() => {
        const dt = new DataTransfer();
        for (const n of ['a.pdf', 'b.pdf']) dt.items.add(new File(['%PDF-1.4'], n, {type: 'application/pdf'}));
        const box = document.querySelector('#principal');
        for (const type of ['dragenter', 'dragover', 'drop']) {
            box.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
        }
    }"""
    )
    expect(error).to_have_text(re.compile("Elija un solo archivo"))
    expect(page.get_by_text("Suba un archivo a la vez.")).to_have_count(0)
    # And a good PDF afterwards is taken, the message gone.
    _upload_main(page, tmp_path, make_pdf(1))
    expect(page.get_by_text("solicitud.pdf")).to_be_visible()
    expect(error).to_have_count(0)


def _active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_autofilled_fields_count_and_enter_advances(app_server, phone):
    page = phone
    _start(page, app_server["base"])
    # What a browser's autofill does: values set with no input, change or blur event.
    page.evaluate(
        """() => {
        const put = (id, v) => { document.getElementById(id).value = v; };
        put('doc_number', '45678912'); put('name', 'Rosa Elena Mamani Apaza');
        put('email', 'rosa.mamani@example.pe'); put('phone', '912 345 678');
    }"""
    )
    page.locator("#phone").press("Enter")  # Enter advances the step
    expect(page.locator("#paso-actual")).to_contain_text("Paso 3 de 5")
    if found := axe_violations(page, impacts=("minor", "moderate", "serious", "critical")):
        pytest.fail(dump(found))
    page.evaluate("() => { document.getElementById('subject').value = 'Constancia para postular a un cargo'; }")
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("#paso-actual")).to_contain_text("Paso 4 de 5")
    # Nothing was lost: going back shows what the browser had filled.
    page.get_by_role("button", name="Atrás").click()
    expect(page.get_by_label("Asunto: ¿qué solicita?")).to_have_value("Constancia para postular a un cargo")
    page.get_by_role("button", name="Atrás").click()
    expect(page.get_by_label("Nombres y apellidos")).to_have_value("Rosa Elena Mamani Apaza")
    expect(page.get_by_label("Correo electrónico")).to_have_value("rosa.mamani@example.pe")


def test_focus_follows_the_step_and_the_phone_back_button_stays_in_the_form(app_server, phone):
    page = phone
    base = app_server["base"]
    _start(page, base)
    expect(page).to_have_url(re.compile(r"paso=2"))
    assert _active_id(page) == "paso-actual"
    # A failed Continuar: the focus goes to the first wrong field.
    page.get_by_label("Nombres y apellidos").fill("María Fernanda Ñahui Quispe")
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("#doc_number-error")).to_be_visible()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'doc_number'")
    if found := axe_violations(page, impacts=("minor", "moderate", "serious", "critical")):
        pytest.fail(dump(found))
    _fill_filer(page)
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("#paso-actual")).to_contain_text("Paso 3 de 5")
    expect(page).to_have_url(re.compile(r"paso=3"))
    page.wait_for_function("document.activeElement && document.activeElement.id === 'paso-actual'")
    page.get_by_label("Asunto: ¿qué solicita?").fill("Constancia de afiliación, por favor")
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("#paso-actual")).to_contain_text("Paso 4 de 5")
    expect(page).to_have_url(re.compile(r"paso=4"))
    # The phone's Back button: the previous step, with what was typed, not out of the form.
    page.go_back()
    expect(page.locator("#paso-actual")).to_contain_text("Paso 3 de 5")
    expect(page.get_by_label("Asunto: ¿qué solicita?")).to_have_value("Constancia de afiliación, por favor")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'paso-actual'")
    page.go_back()
    expect(page).to_have_url(re.compile(r"paso=2"))
    expect(page.locator("#paso-actual")).to_contain_text("Paso 2 de 5")
    expect(page.get_by_label("Nombres y apellidos")).to_have_value("María Fernanda Ñahui Quispe")
    page.go_back()
    expect(page.locator("#paso-actual")).to_contain_text("Paso 1 de 5")
    assert "/mesa-de-partes" in page.url
    # Forward in the URL does not skip a step's checks.
    page.goto(f"{base}/mesa-de-partes?paso=5")
    expect(page.locator("#paso-actual")).to_contain_text("Paso 1 de 5")


def test_an_interrupted_upload_says_so_and_retries(app_server, phone, tmp_path):
    page = phone
    _to_files_step(page, app_server["base"])
    error = page.locator("#principal-error")
    upload = re.compile(r"/_upload/?$")
    page.route(upload, lambda route: route.abort("connectionreset"))
    _upload_main(page, tmp_path, make_pdf(2))
    expect(error).to_have_text(re.compile("No se pudo subir el archivo: se interrumpió la conexión"))
    retry = page.get_by_role("button", name="Reintentar")
    expect(retry).to_be_visible()
    expect(page.get_by_label("Avance de la carga")).to_have_count(0)  # no bar stuck half-way
    expect(page.get_by_text("solicitud.pdf")).to_have_count(0)
    shot(page, "wizard-subida-fallida-390")
    if found := axe_violations(page, impacts=("minor", "moderate", "serious", "critical")):
        pytest.fail(dump(found))
    page.unroute(upload)
    retry.click()  # the same file again, without choosing it anew
    expect(page.get_by_text("solicitud.pdf")).to_be_visible()
    expect(page.get_by_text(re.compile(r"2 página\(s\)"))).to_be_visible()
    expect(error).to_have_count(0)
    expect(retry).to_have_count(0)


def test_offline_shows_at_once_disables_sending_and_a_double_tap_files_once(app_server, phone, tmp_path):
    page = phone
    before = _count_cases(app_server)
    _to_files_step(page, app_server["base"])
    _upload_main(page, tmp_path, make_pdf(1))
    expect(page.get_by_text("solicitud.pdf")).to_be_visible()
    banner = page.locator("#sin-conexion")
    expect(banner).to_be_hidden()
    if found := axe_violations(page, impacts=("minor", "moderate", "serious", "critical")):
        pytest.fail(dump(found))
    page.context.set_offline(True)
    expect(banner).to_be_visible(timeout=2000)  # at once, not after the socket's timeout
    expect(banner).to_contain_text("Sin conexión")
    expect(page.get_by_role("button", name="Continuar")).to_be_disabled()
    shot(page, "wizard-sin-conexion-390")
    if found := axe_violations(page, impacts=("minor", "moderate", "serious", "critical")):
        pytest.fail(dump(found))
    page.context.set_offline(False)
    expect(banner).to_be_hidden(timeout=30000)
    expect(page.get_by_role("button", name="Continuar")).to_be_enabled(timeout=30000)
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Revise sus datos antes de enviar.")).to_be_visible()
    page.get_by_text("He leído cómo se usarán mis datos personales.").click()
    page.get_by_text("Declaro que la información").click()
    page.context.set_offline(True)
    expect(banner).to_be_visible(timeout=2000)
    expect(page.get_by_role("button", name="Enviar")).to_be_disabled()
    page.get_by_role("button", name="Enviar").click(force=True)  # a tap while offline does nothing
    expect(page.get_by_text("solicitud.pdf")).to_be_visible()  # everything is still there
    page.context.set_offline(False)
    expect(page.get_by_role("button", name="Enviar")).to_be_enabled(timeout=30000)
    page.get_by_role("button", name="Enviar").dblclick()
    expect(page.get_by_text("Su documento fue recibido")).to_be_visible(timeout=20000)  # sealing takes a while
    page.wait_for_timeout(2000)
    assert _count_cases(app_server) == before + 1


def test_procedure_cards_say_what_is_needed_before_starting_without_layout_shift(app_server, phone):
    page = phone
    page.add_init_script(
        """window.__cls = 0; new PerformanceObserver((list) => { for (const e of list.getEntries()) {
            if (!e.hadRecentInput) window.__cls += e.value; } }).observe({type: 'layout-shift', buffered: true});"""
    )
    page.goto(f"{app_server['base']}/mesa-de-partes")
    card = page.locator("article").filter(has=page.get_by_role("heading", name="Inscripción de empresas encuestadoras"))
    expect(card).to_be_visible()
    expect(card.get_by_text("Necesita:")).to_be_visible()
    expect(card.get_by_text("El RUC de la empresa")).to_be_visible()
    expect(card.get_by_text("Anexos que debe adjuntar:")).to_be_visible()
    expect(card.get_by_text("Vigencia de poder del representante legal", exact=True)).to_be_visible()
    expect(card.get_by_text(re.compile(r"Costo: S/ 150\.00"))).to_be_visible()
    expect(card.get_by_text("Le responden en un máximo de 10 días hábiles")).to_be_visible()
    free = page.locator("article").filter(has=page.get_by_role("heading", name="Constancia del estado de afiliación"))
    expect(free.get_by_text("Costo: Gratuito")).to_be_visible()
    general = page.locator("article").filter(has=page.get_by_role("heading", name="Solicitud general"))
    expect(general).to_be_visible()
    page.wait_for_timeout(1000)
    cls = page.evaluate("window.__cls")
    assert cls < 0.05, cls
    shot(page, "wizard-tramites-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    shot(page, "wizard-tramites-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    if found := axe_violations(page, impacts=("minor", "moderate", "serious", "critical")):
        pytest.fail(dump(found))
    general.get_by_role("button", name="Empezar este trámite: Solicitud general").click()
    expect(page.locator("#paso-actual")).to_contain_text("Paso 2 de 5")
