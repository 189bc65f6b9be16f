"""/admin, Entidades in the browser, at 1280 and 390 px: an administrator adds an entity of the
directory (a bad RUC refused next to its field), edits its endpoint, imports a JSON file with
another one, and deactivates the first; the database follows each act."""

from __future__ import annotations

import json

import pytest
from joserfc.jwk import ECKey
from playwright.sync_api import expect

from tests.e2e.harness import db_rows, shot
from tests.e2e.steps import login

pytestmark = pytest.mark.e2e

# RUCs of no other test: the session's app is shared, and test_interop_send needs ONPE (20291973851) active.
RUCS = {"1280": ("20600000013", "20600000021"), "390": ("20600000030", "20600000048")}


def _jwk() -> str:
    return json.dumps(ECKey.generate_key("P-256", private=True).as_dict(private=False))


@pytest.mark.parametrize("phone", [False, True], ids=["1280", "390"])
def test_admin_adds_edits_imports_and_deactivates_entities(app_server, browser, phone, tmp_path):
    base = app_server["base"]
    size = "390" if phone else "1280"
    ruc, other = RUCS[size]
    ctx, page = login(browser, base, "admin", phone=phone)
    page.goto(f"{base}/admin")
    page.get_by_role("tab", name="Entidades").click()
    expect(page.get_by_role("heading", name="Agregar una entidad")).to_be_visible()

    page.locator("#ent-nombre").fill(f"Oficina Nacional de Procesos Electorales {size}")
    page.locator("#ent-ruc").fill(ruc[:-1] + str((int(ruc[-1]) + 1) % 10))  # wrong check digit
    page.locator("#ent-categoria").fill("Organismo electoral")
    page.locator("#ent-endpoint").fill("https://sgd.onpe.example.pe")
    page.locator("#ent-jwk").fill(_jwk())
    page.locator("#ent-guardar").click()
    expect(page.locator("#ent-ruc-error")).to_contain_text("RUC")
    page.locator("#ent-ruc").fill(ruc)
    page.locator("#ent-guardar").click()
    entry = page.locator("#lista-entidades li").filter(has_text=ruc)
    expect(entry).to_contain_text("Activa")
    assert db_rows(app_server, "SELECT endpoint, active FROM interopentity WHERE ruc = ?", ruc) == [
        ("https://sgd.onpe.example.pe", True)
    ]

    entry.get_by_role("button", name="Editar").click()
    expect(page.get_by_role("heading", name=f"Editar la entidad RUC {ruc}")).to_be_visible()
    expect(page.locator("#ent-endpoint")).to_have_value("https://sgd.onpe.example.pe")
    page.locator("#ent-endpoint").fill("https://sgd2.onpe.example.pe")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(entry).to_contain_text("https://sgd2.onpe.example.pe")

    directory = {"entidades": [{"nombre": f"Registro Nacional {size}", "ruc": other, "categoria": "Organismo",
                                "endpoint": "https://sgd.reniec.example.pe", "clave_publica": json.loads(_jwk())}]}  # fmt: skip
    page.locator("#entidades-archivo input[type=file]").set_input_files(
        {"name": "directorio.json", "mimeType": "application/json", "buffer": json.dumps(directory).encode()}
    )
    expect(page.locator("#lista-entidades li").filter(has_text=other)).to_contain_text("Activa")
    shot(page, f"admin-entidades-{size}")

    entry.get_by_role("button", name="Desactivar").click()
    expect(entry).to_contain_text("Desactivada")
    assert db_rows(app_server, "SELECT active FROM interopentity WHERE ruc = ?", ruc) == [(False,)]
    ctx.close()
