"""The case page's "Enviar a otra entidad" in the browser (phone and desktop): ROP's official
opens it on a case with a signed oficio, a missing choice is said in Spanish, then the package is
queued with its CUO and the hoja de ruta shows "Enviado a otra entidad". (The delivery to a real
second instance is tests/integration/test_interop.py.)"""

from __future__ import annotations

import contextlib
import json

import pytest
from joserfc.jwk import ECKey
from playwright.sync_api import expect
from sqlmodel import col, select

from sgd_app import db
from sgd_app.domain import interop
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Document, Expediente
from tests.e2e.harness import db_rows, shot
from tests.e2e.steps import citizen_files, login

pytestmark = pytest.mark.e2e


def _signed_oficio_and_entity(server: dict, number: str) -> None:
    eng = db.make_engine(server["db_url"])
    try:
        key = ECKey.generate_key("P-256", private=True)
        entry = interop.EntityInput(name="Oficina Nacional de Procesos Electorales", ruc="20291973851",
                                    endpoint="http://127.0.0.1:9", category="Organismo electoral",
                                    public_jwk=json.dumps(key.as_dict(private=False)))  # fmt: skip
        with contextlib.suppress(InvalidInput):  # the server is shared by both widths: added once
            interop.add_entity(actor="admin", data=entry, engine=eng)
        with db.write_session(eng) as s:
            case = s.exec(select(Expediente).where(col(Expediente.number) == number)).one()
            s.add(Document(expediente_id=case.id, kind="oficio", label="Oficio N.° 012-2026-ROP",
                           filename="oficio-012-2026.pdf", sha256="cd" * 32, size=20480, pages=2, signed=True))  # fmt: skip
    finally:
        eng.dispose()


@pytest.mark.parametrize("on_phone", [False, True], ids=["escritorio", "celular"])
def test_rop_sends_a_signed_oficio_to_another_entity(app_server, browser, phone, tmp_path, on_phone):
    base = app_server["base"]
    number, _ = citizen_files(phone, base, tmp_path, "Constancia de afiliación para la ONPE")
    _signed_oficio_and_entity(app_server, number)
    ctx, page = login(browser, base, "rop", phone=on_phone)
    page.goto(f"{base}/expedientes/{number}")
    page.locator("#accion-recibir").click()
    page.locator("#accion-enviar-entidad").click()
    expect(page.locator("#campo-entidad")).to_be_visible()
    page.locator("#confirmar-envio").click()
    expect(page.locator("#envio-error")).to_have_text("Elija una entidad activa del directorio.")
    page.locator("#campo-entidad").select_option("20291973851")
    page.locator("#documentos-envio").get_by_text("Oficio N.° 012-2026-ROP: oficio-012-2026.pdf").click()
    expect(page.locator("#documentos-envio input[type=checkbox]")).to_be_checked()
    page.locator("#campo-note").fill("Se remite la constancia solicitada.")
    shot(page, f"interop-enviar-{'390' if on_phone else '1280'}")
    page.locator("#confirmar-envio").click()
    expect(page.get_by_text("Envío en cola con el CUO")).to_be_visible()
    expect(page.locator("#envios-entidades")).to_contain_text("En cola de envío")
    expect(page.get_by_text("Enviado a otra entidad").first).to_be_visible()
    shot(page, f"interop-enviado-{'390' if on_phone else '1280'}")
    (status,), = db_rows(app_server, "SELECT s.status FROM interopsend s JOIN expediente e ON e.id = s.expediente_id "
                                     "WHERE e.number = ?", number)  # fmt: skip
    assert status == "en_cola"
    ctx.close()
