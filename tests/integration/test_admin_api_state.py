"""/admin, Clientes API (ApiClientsState) called as a hostile client could: an officer's session
registers and changes nothing; an administrator's registers a client_secret client (the secret
shown once and it works at the token endpoint), refuses a bad JWK next to its field, registers a
private_key_jwt client, changes a limit, deactivates and reactivates — and the token endpoint
follows each change. On the app's database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json

import reflex as rx
from fastapi.testclient import TestClient
from reflex.istate.data import RouterData
from sqlmodel import col, select

from sgd_app import db
from sgd_app.api import BodyLimit, api
from sgd_app.domain import auth
from sgd_app.domain.apiclients import ApiClient
from sgd_app.domain.models import AuditEvent
from sgd_app.state.admin_api import ApiClientsState
from tests.integration import api_clients as ac


def _state(cookie: str = ""):
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {"cookie": cookie}, "ip": "10.0.0.9", "pathname": "/admin"}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(ApiClientsState.get_full_name().split(".")[1:])


def _cookie(username: str) -> str:
    return f"sgd_sesion={auth.login(username=username, password='clave-demo-123')}"


def _clients() -> list[ApiClient]:
    with db.session() as s:
        return list(s.exec(select(ApiClient).order_by(col(ApiClient.id))).all())


FORM = {
    "name": "SGD del ONPE",
    "ruc": "20131370998",
    "username": "rop",
    "scope_expedientes:leer": "on",
    "scope_verificacion": "on",
    "auth_method": "client_secret",
    "rate_limit": "",
}


def test_only_an_administrator_manages_api_clients(app_db):
    officer = _state(_cookie("rop"))
    ApiClientsState.register.fn(officer, FORM)
    assert _clients() == [] and "Solo un administrador" in officer.notice and officer.new_secret == ""

    admin = _state(_cookie("admin"))
    ApiClientsState.load.fn(admin)
    assert admin.rows == []
    # bad input: a clear message next to the field, nothing written
    ApiClientsState.register.fn(admin, {**FORM, "ruc": "123"})
    assert admin.errors["ruc"] == "El RUC debe tener 11 dígitos." and _clients() == []
    ApiClientsState.register.fn(admin, {k: v for k, v in FORM.items() if not k.startswith("scope_")})
    assert admin.errors["scopes"] == "Indique al menos un alcance." and _clients() == []
    ApiClientsState.register.fn(admin, {**FORM, "rate_limit": "mucho"})
    assert "120/minute" in admin.errors["rate_limit"] and _clients() == []
    ApiClientsState.register.fn(admin, {**FORM, "auth_method": "private_key_jwt", "public_jwk": "{no es json"})
    assert admin.errors["public_jwk"] == "La clave pública no es un JWK válido." and _clients() == []
    private = ac.new_key("EC")
    ApiClientsState.register.fn(
        admin, {**FORM, "auth_method": "private_key_jwt", "public_jwk": json.dumps(private.as_dict(private=True))}
    )
    assert "Registre solo la clave pública" in admin.errors["public_jwk"] and _clients() == []

    # client_secret: the secret shown once, and it works
    ApiClientsState.register.fn(admin, FORM)
    (client,) = _clients()
    assert admin.new_client_id == client.client_id and len(admin.new_secret) > 30
    assert admin.new_secret not in client.secret_hash
    secret = admin.new_secret
    row = admin.rows[0]
    assert row["name"] == "SGD del ONPE" and row["scopes"] == "expedientes:leer, verificacion"
    assert row["active"] == "1" and row["last"] == "nunca" and row["account"] == "rop"
    http = TestClient(BodyLimit(api))
    form = {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret}
    tok = http.post(ac.TOKEN, data=form)
    assert tok.status_code == 200, tok.text
    got = http.get("/api/v1/ext/buscar?q=constancia", headers={"Authorization": f"Bearer {tok.json()['access_token']}"})
    assert got.status_code == 200
    ApiClientsState.load.fn(admin)  # the secret is gone for good; the last use shows
    assert admin.new_secret == "" and admin.rows[0]["last"] != "nunca"

    # private_key_jwt with the public half
    ApiClientsState.set_method.fn(admin, "private_key_jwt")
    ApiClientsState.register.fn(
        admin, {**FORM, "name": "Interoperabilidad PIDE", "auth_method": "private_key_jwt",
                "public_jwk": json.dumps(private.as_dict(private=False))},
    )  # fmt: skip
    assert admin.new_secret == "" and len(_clients()) == 2 and admin.rows[1]["method"].startswith("Clave pública")
    jwt_client = _clients()[1]
    assert http.post(ac.TOKEN, data=ac.jwt_form(jwt_client.client_id, private)).status_code == 200

    # the limit: refused when malformed, changed, audited
    ApiClientsState.edit_limit.fn(officer, client.client_id)
    ApiClientsState.edit_limit.fn(admin, client.client_id)
    ApiClientsState.save_limit.fn(admin, {"rate_limit": "diez"})
    assert "120/minute" in admin.errors["limit"] and _clients()[0].rate_limit == ""
    ApiClientsState.save_limit.fn(admin, {"rate_limit": "2/minute"})
    assert _clients()[0].rate_limit == "2/minute" and admin.rows[0]["limit_label"] == "2/minute"

    # deactivate: no more tokens; an officer cannot reactivate; the administrator can
    ApiClientsState.set_active.fn(admin, client.client_id, False)
    assert not _clients()[0].active and admin.rows[0]["active"] == ""
    assert http.post(ac.TOKEN, data=form).status_code == 401
    ApiClientsState.set_active.fn(officer, client.client_id, True)
    assert not _clients()[0].active
    ApiClientsState.set_active.fn(admin, client.client_id, True)
    assert _clients()[0].active and http.post(ac.TOKEN, data=form).status_code == 200

    with db.session() as s:
        acts = [e.action for e in s.exec(select(AuditEvent).where(col(AuditEvent.object_type) == "apiclient"))]
    for action in ("api_cliente_registrar", "api_cliente_limite", "api_cliente_desactivar", "api_cliente_reactivar"):
        assert action in acts
