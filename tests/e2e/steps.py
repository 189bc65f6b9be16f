"""Steps shared by the browser tests: what a citizen, a clerk or an official does on screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import make_pdf
from tests.e2e.harness import DEMO_PASSWORD


def start_filing(page, base, procedure="Constancia del estado de afiliación"):
    page.goto(f"{base}/mesa-de-partes")
    page.get_by_role("button", name=re.compile(procedure)).click()
    expect(page.get_by_text("Paso 2 de 5")).to_be_visible()


def fill_filer(page, dni="45678912", name="María Fernanda Ñahui Quispe"):
    page.get_by_label("Número de DNI (8 dígitos)").fill(dni)
    page.get_by_label("Nombres y apellidos").fill(name)
    page.get_by_label("Correo electrónico").fill("maria.nahui@example.pe")
    page.get_by_label("Celular o teléfono").fill("987 654 321")


def upload_main(page, tmp_path, data: bytes, name="solicitud.pdf"):
    f = tmp_path / name
    f.write_bytes(data)
    page.locator("#principal input[type=file]").set_input_files(str(f))


def send_filing(page) -> tuple[str, str]:
    """From the review step: declare, send, and read the number and access key on the receipt."""
    expect(page.get_by_text("Declaro que la información")).to_be_visible()
    privacy = page.get_by_text("He leído cómo se usarán mis datos personales.")
    if privacy.count():  # online only: at the desk the notice is given on paper
        privacy.click()
    page.get_by_text("Declaro que la información").click()
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_text("Su documento fue recibido")).to_be_visible()
    return page.locator("#numero-expediente").inner_text(), page.locator("#clave-acceso").inner_text().strip()


def citizen_files(page, base, tmp_path, subject: str, pdf: bytes | None = None) -> tuple[str, str]:
    """A citizen files a CONST-AF request from the phone; returns (number, access key)."""
    start_filing(page, base)
    fill_filer(page)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Asunto: ¿qué solicita?").fill(subject)
    page.get_by_role("button", name="Continuar").click()
    upload_main(page, tmp_path, pdf or make_pdf(1))
    expect(page.get_by_text("solicitud.pdf")).to_be_visible()
    page.get_by_role("button", name="Continuar").click()
    return send_filing(page)


def login(browser, base, username, *, phone=False):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
        locale="es-PE",
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )
    page = ctx.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{base}/ingresar")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page).to_have_url(re.compile(r"/bandeja"))
    return ctx, page


def clerk_registers_paper(
    page, tmp_path, *, dni: str, name: str, phone: str, subject: str, fine: str, pages: int = 1
) -> str:
    """The desk clerk registers a paper request to suspend a coercive collection (goes to Tesorería)."""
    page.get_by_role("link", name="Registrar documento").click()
    page.get_by_role("button", name=re.compile("Suspensión de cobranza coactiva")).click()
    page.get_by_label("Número de DNI (8 dígitos)").fill(dni)
    page.get_by_label("Nombres y apellidos").fill(name)
    page.get_by_label("Celular o teléfono").fill(phone)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Asunto: ¿qué solicita?").fill(subject)
    page.get_by_label(re.compile("Número de la multa")).fill(fine)
    page.get_by_role("button", name="Continuar").click()
    scan = tmp_path / "escaneo.pdf"
    scan.write_bytes(make_pdf(pages, "Escaneo de solicitud en papel"))
    page.locator("#principal-escaneo input[type=file]").set_input_files(str(scan))
    expect(page.get_by_text("escaneo.pdf")).to_be_visible()
    page.get_by_role("button", name="Continuar").click()
    number, _key = send_filing(page)
    return number
