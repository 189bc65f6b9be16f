"""/admin, Clientes API in the browser, at 1280 and 390 px: an administrator registers a
client_secret client (the secret shown once, copied), the secret gets a token from the running
server; a private key pasted as the "public" JWK is refused next to the field; a private_key_jwt
client is registered with its public JWK; the limit changes; the client is deactivated (the
token endpoint refuses it) and reactivated."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.harness import axe_violations, db_rows, dump, shot
from tests.e2e.steps import login
from tests.integration import api_clients as ac

pytestmark = pytest.mark.e2e


def _token(base: str, client_id: str, secret: str) -> int:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return httpx.post(f"{base}/api/v1/oauth/token", data=form, timeout=20).status_code


def _search(base: str, client_id: str, secret: str) -> int:
    """One call of the API with a fresh token (the tab shows it as the last use)."""
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    tok = httpx.post(f"{base}/api/v1/oauth/token", data=form, timeout=20).json()["access_token"]
    headers = {"Authorization": f"Bearer {tok}"}
    return httpx.get(f"{base}/api/v1/ext/buscar", params={"q": "constancia"}, headers=headers, timeout=20).status_code


def _open_tab(page, base: str) -> None:
    page.goto(f"{base}/admin")
    page.get_by_role("tab", name="Clientes API").click()
    expect(page.get_by_role("heading", name="Registrar un cliente")).to_be_visible()


@pytest.mark.parametrize("phone", [False, True], ids=["1280", "390"])
def test_admin_registers_limits_and_deactivates_an_api_client(app_server, browser, phone):
    base = app_server["base"]
    size = "390" if phone else "1280"
    name = f"SGD del ONPE {size}"
    ctx, page = login(browser, base, "admin", phone=phone)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    _open_tab(page, base)

    page.locator("#api-nombre").fill(name)
    page.locator("#api-ruc").fill("2013137099")  # ten digits
    page.locator("#api-cuenta").fill("rop")
    page.locator("#alcance-expedientes-leer").check()
    page.locator("#api-metodo").select_option("client_secret")
    expect(page.locator("#api-jwk")).to_have_count(0)
    page.get_by_role("button", name="Registrar cliente").click()
    expect(page.locator("#api-ruc-error")).to_contain_text("El RUC debe tener 11 dígitos.")
    page.locator("#api-ruc").fill("20131370998")
    page.get_by_role("button", name="Registrar cliente").click()
    secret_box = page.locator("#nuevo-secreto")
    expect(secret_box).to_be_visible()
    secret = secret_box.inner_text().strip()
    client_id = page.locator("#nuevo-client-id").inner_text().strip()
    assert client_id.startswith("sgd-") and len(secret) > 30
    shot(page, f"admin-api-secreto-{size}")
    problems = {}
    if found := axe_violations(page):
        problems["secreto"] = found
    page.locator("#copiar-secreto").click()
    expect(page.locator("#secreto-copia")).to_have_text("Secreto copiado.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert _search(base, client_id, secret) == 200
    ((stored,),) = db_rows(app_server, "SELECT secret_hash FROM apiclient WHERE client_id = ?", client_id)
    assert secret not in stored
    page.get_by_role("button", name="Ya lo guardé").click()
    expect(secret_box).to_have_count(0)
    row = page.locator("#lista-clientes-api li", has_text=name)
    expect(row).to_contain_text("Activo")
    expect(row).to_contain_text("expedientes:leer")
    expect(row).to_contain_text("Secreto (client_secret)")

    # private_key_jwt: a private key pasted is refused next to the field; the public half is taken
    key = ac.new_key("EC")
    page.locator("#api-nombre").fill(f"PIDE {size}")
    page.locator("#api-ruc").fill("20131370998")
    page.locator("#api-cuenta").fill("rop")
    page.locator("#alcance-verificacion").check()
    page.locator("#api-metodo").select_option("private_key_jwt")
    page.locator("#api-jwk").fill(json.dumps(key.as_dict(private=True)))
    page.get_by_role("button", name="Registrar cliente").click()
    expect(page.locator("#api-jwk-error")).to_contain_text("Registre solo la clave pública")
    page.locator("#api-jwk").fill(json.dumps(key.as_dict(private=False)))
    page.get_by_role("button", name="Registrar cliente").click()
    jwt_row = page.locator("#lista-clientes-api li", has_text=f"PIDE {size}")
    expect(jwt_row).to_contain_text("Clave pública (private_key_jwt)")
    expect(page.locator("#nuevo-secreto")).to_have_count(0)
    ((jwt_id,),) = db_rows(app_server, "SELECT client_id FROM apiclient WHERE name = ?", f"PIDE {size}")
    jwt_form = ac.jwt_form(jwt_id, key, aud=f"{base}/api/v1/oauth/token")
    assert httpx.post(f"{base}/api/v1/oauth/token", data=jwt_form, timeout=20).status_code == 200

    # the limit
    row.get_by_role("button", name=f"Cambiar límite de {name}").click()
    page.locator("#api-nuevo-limite").fill("mucho")
    page.get_by_role("button", name="Guardar límite").click()
    expect(page.locator("#api-nuevo-limite-error")).to_contain_text("120/minute")
    page.locator("#api-nuevo-limite").fill("30/minute")
    page.get_by_role("button", name="Guardar límite").click()
    expect(row).to_contain_text("límite 30/minute")
    ((limit,),) = db_rows(app_server, "SELECT rate_limit FROM apiclient WHERE client_id = ?", client_id)
    assert limit == "30/minute"
    expect(row).not_to_contain_text("Último uso: nunca")  # the search made with its token above

    # deactivate and reactivate
    row.get_by_role("button", name=f"Desactivar {name}").click()
    expect(row).to_contain_text("Desactivado")
    assert _token(base, client_id, secret) == 401
    shot(page, f"admin-api-clientes-{size}")
    if found := axe_violations(page):
        problems["lista y límite"] = found
    assert not problems, dump(problems)
    row.get_by_role("button", name=f"Reactivar {name}").click()
    expect(row).to_contain_text("Activo")
    assert _token(base, client_id, secret) == 200
    ctx.close()
