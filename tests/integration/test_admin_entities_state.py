"""/admin, Entidades (EntitiesState) called as a hostile client could: an officer's session adds,
edits, deactivates and imports nothing; an administrator's adds an entity (a bad RUC or a private
JWK refused next to its field, nothing written), edits its endpoint and key, deactivates it (its
packages are then refused as remitente_inactivo) and imports a JSON file (all or nothing). The same
domain functions as ``python -m sgd_app entidad``; each act audited. On the app's database."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import reflex as rx
from joserfc.jwk import ECKey
from reflex.istate.data import RouterData
from sqlmodel import col, select

from sgd_app import db
from sgd_app.domain import auth, interop
from sgd_app.domain.models import AuditEvent
from sgd_app.state.admin_entities import EntitiesState
from tests.conftest import run_async

RUC = "20291973851"


def _state(cookie: str = ""):
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {"cookie": cookie}, "ip": "10.0.0.9", "pathname": "/admin"}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(EntitiesState.get_full_name().split(".")[1:])


def _cookie(username: str) -> str:
    return f"sgd_sesion={auth.login(username=username, password='clave-demo-123')}"


def _jwk(private: bool = False) -> str:
    return json.dumps(ECKey.generate_key("P-256", private=True).as_dict(private=private))


def _form(**over) -> dict:
    return {"name": "Oficina Nacional de Procesos Electorales", "ruc": RUC, "category": "Organismo electoral",
            "endpoint": "https://sgd.onpe.example.pe", "public_jwk": _jwk(), "client_id": "sgd-onpe",
            "our_client_id": "sgd-jne", **over}  # fmt: skip


def _file(data: bytes) -> list[rx.UploadFile]:
    return [rx.UploadFile(file=io.BytesIO(data), path=Path("directorio.json"))]


def _entities() -> list[interop.InteropEntity]:
    return interop.list_entities()


def test_only_an_administrator_manages_the_directory_of_entities(app_db):
    officer = _state(_cookie("rop"))
    EntitiesState.save.fn(officer, _form())
    run_async(EntitiesState.import_file.fn(officer, _file(json.dumps({"entidades": [_form()]}).encode())))
    assert _entities() == []

    admin = _state(_cookie("admin"))
    EntitiesState.load.fn(admin)
    assert admin.rows == []
    EntitiesState.save.fn(admin, _form(ruc="20291973850"))  # wrong check digit
    assert "RUC" in admin.errors["ruc"] and _entities() == []
    EntitiesState.save.fn(admin, _form(public_jwk=_jwk(private=True)))
    assert "pública" in admin.errors["public_jwk"] and _entities() == []
    EntitiesState.save.fn(admin, _form(endpoint="ftp://sgd.onpe"))
    assert "URL" in admin.errors["endpoint"] and _entities() == []
    EntitiesState.save.fn(admin, _form())
    assert [r["ruc"] for r in admin.rows] == [RUC] and admin.rows[0]["active"] == "1"
    assert "agregada" in admin.notice

    # edit: the endpoint and the key change, the RUC does not
    EntitiesState.edit.fn(admin, RUC)
    assert admin.editing == RUC and admin.draft["endpoint"] == "https://sgd.onpe.example.pe"
    officer_edit = _state(_cookie("rop"))
    officer_edit.editing = RUC  # a forged tab
    EntitiesState.save.fn(officer_edit, _form(endpoint="https://atacante.example"))
    new_key = _jwk()
    EntitiesState.save.fn(admin, _form(endpoint="https://sgd2.onpe.example.pe/", public_jwk=new_key, ruc="x"))
    (e,) = _entities()
    assert e.endpoint == "https://sgd2.onpe.example.pe" and json.loads(e.public_jwk) == json.loads(new_key)
    assert admin.editing == ""

    # deactivate: its packages are refused from then on
    EntitiesState.deactivate.fn(officer, RUC)
    assert _entities()[0].active
    EntitiesState.deactivate.fn(admin, RUC)
    assert not _entities()[0].active and admin.rows[0]["active"] == ""
    with pytest.raises(interop.SenderRefused) as refused:
        interop.receive(client_id="sgd-onpe", token="x", files=[])
    assert refused.value.code == "remitente_inactivo"

    # import: all or nothing
    good = {"nombre": "Registro Nacional de Identificación", "ruc": "20295613620", "categoria": "Organismo electoral",
            "endpoint": "https://sgd.reniec.example.pe", "clave_publica": json.loads(_jwk())}  # fmt: skip
    bad = {**good, "ruc": "20295613621", "nombre": "Otra"}
    run_async(EntitiesState.import_file.fn(admin, _file(json.dumps({"entidades": [good, bad]}).encode())))
    assert admin.errors["file"].startswith("No se importó nada: Entidad 2:") and len(_entities()) == 1
    run_async(EntitiesState.import_file.fn(admin, _file(b"\xff\xfe no es json")))
    assert admin.errors["file"] and len(_entities()) == 1
    run_async(EntitiesState.import_file.fn(admin, _file(json.dumps({"entidades": [good]}).encode())))
    assert admin.errors["file"] == "" and "1 entidad(es) nueva(s)" in admin.notice
    assert sorted(r["ruc"] for r in admin.rows) == sorted([RUC, "20295613620"])
    with db.session() as s:
        actions = s.exec(select(AuditEvent.action).where(col(AuditEvent.object_type) == "entidad")).all()
    assert actions.count("entidad_registrar") == 2 and actions.count("entidad_actualizar") == 1
    assert actions.count("entidad_desactivar") == 1
