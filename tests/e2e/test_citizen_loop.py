"""The whole conversation with a filer: file, observation, fix from the phone, signed answer in
the casilla and by e-mail (a real SMTP server receives the app's mail)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import make_pdf
from tests.e2e.steps import citizen_files
from tests.e2e.steps import login as _login

pytestmark = pytest.mark.e2e


def test_file_observe_fix_answer_and_casilla(app_server, browser, phone, tmp_path):
    base, mail = app_server["base"], app_server["mail"]
    page = phone
    # 1. The citizen files from a phone and gets the confirmation e-mail with number and key.
    number, key = citizen_files(page, base, tmp_path, "Constancia de no afiliación (expediente con observación)")
    confirmation = mail.wait_for(lambda m: number in m["subject"] and key in m["body"])
    assert confirmation["to"] == ["maria.nahui@example.pe"] and "/seguimiento" in confirmation["body"]

    # 2. The officer receives it and observes it (all observations in one act).
    ctx, staff = _login(browser, base, "rop")
    staff.goto(f"{base}/expedientes/{number}")
    staff.locator("#accion-recibir").click()
    staff.locator("#accion-observar").click()
    staff.get_by_label(re.compile("Observaciones")).fill("Adjunte la copia de su DNI\nIndique su distrito")
    staff.locator("#confirmar").click()
    expect(staff.locator("#estado-expediente")).to_have_text("Observado")
    mail.wait_for(lambda m: number in m["subject"] and "Adjunte la copia de su DNI" in m["body"])

    # 3. The citizen sees the observations and fixes them from the phone.
    page.goto(f"{base}/seguimiento?numero={number}")
    expect(page.get_by_label("Número de expediente")).to_have_value(number)
    page.get_by_label("Clave de acceso").fill(key)
    page.get_by_role("button", name="Consultar").click()
    expect(page.locator("#lista-observaciones")).to_contain_text("Adjunte la copia de su DNI")
    page.get_by_label(re.compile("Explique cómo subsana")).fill("Adjunto mi DNI; vivo en Wanchaq, Cusco.")
    dni = tmp_path / "dni.pdf"
    dni.write_bytes(make_pdf(1, "Copia del DNI"))
    page.locator("#subsanacion input[type=file]").set_input_files(str(dni))
    expect(page.get_by_text("dni.pdf")).to_be_visible()
    page.locator("#enviar-subsanacion").click()
    expect(page.locator("#resultado-estado")).to_have_text("Subsanado")
    expect(page.locator("#subsanacion-recibida")).to_have_text(re.compile("Subsanación recibida"))  # inline, no toast
    expect(page.locator("#lista-observaciones")).to_have_count(0)

    # 4. The officer drafts the answer, the head signs it, the officer attends with it.
    staff.goto(f"{base}/expedientes/{number}")
    expect(staff.locator("#estado-expediente")).to_have_text("Subsanado")
    staff.locator("#accion-redactar").click()
    staff.get_by_label("Tipo de documento").select_option(label="Carta")
    staff.get_by_label("Dirigido a").fill("María Fernanda Ñahui Quispe")
    staff.get_by_label("Asunto", exact=True).fill("Constancia del estado de afiliación")
    staff.get_by_label("Contenido").fill(
        "Se hace constar que usted no figura afiliada a ninguna organización política."
    )
    staff.locator("#confirmar").click()
    # ... and an internal report the citizen must never see.
    staff.locator("#accion-redactar").click()
    staff.get_by_label("Tipo de documento").select_option(label="Informe")
    staff.get_by_label("Dirigido a").fill("Jefatura del Registro de Organizaciones Políticas")
    staff.get_by_label("Asunto", exact=True).fill("Verificación interna del padrón de afiliados")
    staff.get_by_label("Contenido").fill("Se revisó el padrón de afiliados de las organizaciones inscritas.")
    staff.locator("#confirmar").click()
    for _ in range(2):
        staff.get_by_role("button", name="Enviar a firma").first.click()
        staff.get_by_label("Firma (jefe de la unidad)").select_option(label="Óscar Villanueva Paz")
        staff.locator("#confirmar").click()
        expect(staff.locator("#enviar-titulo")).to_have_count(0)
    expect(staff.get_by_text("En firma")).to_have_count(2)
    hctx, head = _login(browser, base, "jefe.rop")
    head.goto(f"{base}/firma")
    head.get_by_role("button", name="Seleccionar todos").click()
    head.locator("#firmar-seleccionados").click()
    head.locator("#confirmar-firma").click()
    expect(head.locator("#resultado-firma")).to_contain_text("Firmado")
    hctx.close()
    staff.goto(f"{base}/expedientes/{number}")
    staff.locator("#accion-atender").click()
    staff.get_by_label("Cómo se atendió").fill("Se emitió la constancia solicitada")
    carta = staff.locator("#campo-answer option", has_text="CARTA N°").first.get_attribute("value")
    staff.get_by_label(re.compile("Respuesta firmada")).select_option(value=carta)  # the signed carta
    expect(staff.locator("#campo-answer")).to_contain_text("CARTA N°")
    staff.locator("#confirmar").click()
    expect(staff.locator("#estado-expediente")).to_have_text("Atendido")
    ctx.close()
    mail.wait_for(
        lambda m: number in m["subject"] and "casilla" in m["body"].lower() and "respuesta" in m["subject"].lower()
    )

    # 5. The citizen opens the casilla with a one-time code and downloads the signed answer.
    page.goto(f"{base}/casilla")
    page.wait_for_load_state("networkidle")
    # The mailbox lives for the whole run and other tests ask for codes too: wait for a new one.
    codes_before = len([m for m in mail.messages if "código" in m["subject"].lower()])
    page.get_by_label("Número de documento").fill("45678912")
    page.get_by_role("button", name="Enviarme un código").click()
    expect(page.locator("#aviso-codigo")).to_be_visible()
    mail.wait_for(lambda m: len([x for x in mail.messages if "código" in x["subject"].lower()]) > codes_before)
    code_mail = [m for m in mail.messages if "código" in m["subject"].lower()][codes_before]
    code = re.search(r"\b(\d{6})\b", code_mail["body"]).group(1)
    page.get_by_label("Código recibido (6 dígitos)").fill(code)
    page.get_by_role("button", name="Abrir mi casilla").click()
    expect(page.locator("#avisos")).to_contain_text("Observaciones a su expediente")
    page.locator("#avisos").get_by_text(re.compile("Respuesta a su expediente")).click()
    expect(page.locator("#cuerpo-aviso")).to_contain_text("atendió su pedido")
    with page.expect_download() as dl:
        page.locator("#descargar-aviso").click()
    answer = Path(dl.value.path()).read_bytes()
    assert answer.startswith(b"%PDF") and b"/ByteRange" in answer
    # ... which verifies as VÁLIDO.
    signed = tmp_path / "respuesta.pdf"
    signed.write_bytes(answer)
    page.goto(f"{base}/verificar")
    page.wait_for_load_state("networkidle")
    page.locator("#verificar input[type=file]").set_input_files(str(signed))
    expect(page.locator("#veredicto")).to_have_text("VÁLIDO", timeout=30000)
    # Tracking shows "Atendido" and offers the signed answer too.
    page.goto(f"{base}/seguimiento?numero={number}")
    expect(page.get_by_label("Número de expediente")).to_have_value(number)
    page.get_by_label("Clave de acceso").fill(key)
    page.get_by_role("button", name="Consultar").click()
    expect(page.locator("#resultado-estado")).to_have_text("Atendido")
    expect(page.locator("#descargar-respuesta")).to_be_visible()
    # What they filed, and what was sent to them; never the units' internal report.
    expect(page.locator("#documentos-presentados")).to_contain_text("solicitud.pdf")
    expect(page.locator("#documentos-enviados")).to_contain_text("CARTA N°")
    expect(page.get_by_text(re.compile("INFORME N°"))).to_have_count(0)
