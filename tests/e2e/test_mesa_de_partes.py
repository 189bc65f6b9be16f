"""A citizen files from a phone, gets a numbered receipt, tracks the case; staff sees it."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import make_pdf
from tests.e2e.harness import DEMO_PASSWORD, axe_violations, db_rows, dump
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
