"""/admin, Cuentas institucionales (SsoLinksState) called as a hostile client could: an officer's
session links and unlinks nothing; an administrator's does, and unlinking ends the sessions the
link had opened. Against a real provider for the sign-in that the link allows."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import auth
from sgd_app.domain.sso.tables import ExternalIdentity
from sgd_app.state.admin_sso import SsoLinksState
from tests.integration import sso_steps
from tests.oidc_provider import PATRICIA


def _state(cookie: str = ""):
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {"cookie": cookie}, "ip": "10.0.0.9", "pathname": "/admin"}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(SsoLinksState.get_full_name().split(".")[1:])


def _cookie(username: str) -> str:
    return f"sgd_sesion={auth.login(username=username, password='clave-demo-123')}"


def _links() -> list[tuple[str, int]]:
    with db.session() as s:
        return [(i.subject, i.user_id) for i in s.exec(select(ExternalIdentity)).all()]


def test_only_an_administrator_links_and_unlinking_ends_the_session(app_db, oidc_provider, monkeypatch):
    sso_steps.configure(monkeypatch, oidc_provider)
    officer = _state(_cookie("rop"))
    SsoLinksState.link.fn(officer, {"username": "rop", "subject": PATRICIA["sub"]})
    assert _links() == [] and "Solo un administrador" in officer.notice

    admin = _state(_cookie("admin"))
    SsoLinksState.load.fn(admin)
    assert admin.enabled and admin.rows == []
    SsoLinksState.link.fn(admin, {"username": "nadie", "subject": "x"})
    assert admin.errors["username"] == "No existe ese usuario." and _links() == []
    SsoLinksState.link.fn(admin, {"username": "rop", "subject": PATRICIA["sub"]})
    assert len(_links()) == 1 and admin.rows[0]["subject"] == PATRICIA["sub"]
    SsoLinksState.link.fn(admin, {"username": "sg", "subject": PATRICIA["sub"]})
    assert admin.errors["subject"] == "Esa cuenta institucional ya está vinculada a un usuario."

    signed = sso_steps.sign_in(sso_steps.app_client(), oidc_provider, PATRICIA)
    token = signed.cookies.get(settings.SESSION_COOKIE)
    assert auth.resolve(token).user.username == "rop"
    SsoLinksState.unlink.fn(officer, admin.rows[0]["id"])
    assert len(_links()) == 1
    SsoLinksState.unlink.fn(admin, admin.rows[0]["id"])
    assert _links() == [] and admin.rows == []
    with pytest.raises(auth.NotAuthenticated):  # the session opened through the removed link ended
        auth.resolve(token)
    again = sso_steps.sign_in(sso_steps.app_client(), oidc_provider, PATRICIA)
    assert again.headers["location"] == "/ingresar?motivo=sso-no_vinculada"
    SsoLinksState.unlink.fn(admin, "no-es-un-id")
    assert admin.notice == "Esa vinculación ya no existe."
