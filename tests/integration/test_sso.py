"""Single sign-on end to end against a real OpenID provider (node-oidc-provider on loopback):
the browser's trips as plain HTTP (httpx at the provider, the API's TestClient at our side)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import select

from sgd_app import db, settings
from sgd_app.domain import auth, sso
from sgd_app.domain.models import AuditEvent, Membership, StaffSession, Unit, User
from sgd_app.domain.sso.tables import ExternalIdentity, SsoSession
from tests.integration import sso_steps
from tests.oidc_provider import ANA, PATRICIA


@dataclass
class Event:
    object_id: str
    data: dict


def _events(engine, action: str) -> list[Event]:
    with db.session(engine) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()
        return [Event(r.object_id, json.loads(r.data) if isinstance(r.data, str) else r.data) for r in rows]


def _link(engine, prov, username: str, person: dict) -> None:
    with db.write_session(engine) as s:
        sso.link_identity(s, by=None, username=username, subject=person["sub"], issuer=prov.issuer)


def _counts(engine) -> tuple[int, int, int]:
    with db.session(engine) as s:
        return (
            len(s.exec(select(StaffSession)).all()),
            len(s.exec(select(ExternalIdentity)).all()),
            len(s.exec(select(SsoSession)).all()),
        )


@pytest.fixture
def sso_app(app_db, oidc_provider, monkeypatch):
    sso_steps.configure(monkeypatch, oidc_provider)
    return app_db, oidc_provider


def test_admin_mapping_signs_in_and_logout_ends_both_sessions(sso_app):
    engine, prov = sso_app
    _link(engine, prov, "rop", PATRICIA)
    app = sso_steps.app_client()
    idp = httpx.Client(base_url=prov.issuer, follow_redirects=False, timeout=10)
    r = sso_steps.sign_in(app, prov, PATRICIA, idp=idp)
    assert r.status_code == 303 and r.headers["location"] == "/bandeja"
    token = r.cookies.get(settings.SESSION_COOKIE)
    who = auth.resolve(token, engine=engine)
    assert who.user.username == "rop" and who.roles == {"officer"}
    assert "httponly" in r.headers["set-cookie"].lower()
    ok = _events(engine, "ingresar_sso")
    assert len(ok) == 1 and ok[0].object_id == str(who.user.id)
    assert next(e.data for e in _events(engine, "vincular_identidad"))["por"] == "línea de órdenes"

    # Salir: the local session ends and the browser goes to the provider's end_session_endpoint.
    out = app.post("/api/v1/sesion/salir", headers={"origin": "http://testserver"})
    assert out.status_code == 303
    end = httpx.URL(out.headers["location"])
    assert str(end).startswith(f"{prov.issuer}/session/end?")
    assert end.params["post_logout_redirect_uri"] == "http://testserver/api/v1/sso/salida"
    assert end.params["id_token_hint"].count(".") == 2
    with pytest.raises(auth.NotAuthenticated):
        auth.resolve(token, engine=engine)
    assert _counts(engine)[2] == 0  # the stored ID token went with the session
    assert [e.data.get("ip") is None for e in _events(engine, "salir")] == [True]
    # At the provider: "¿Cerrar sesión?", the one button, then back to our /api/v1/sso/salida.
    page = idp.get(str(end))
    assert page.status_code == 200 and "op.logoutForm" in page.text
    action = page.text.split('action="', 1)[1].split('"', 1)[0]
    xsrf = page.text.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
    done = idp.post(action, data={"xsrf": xsrf, "logout": "yes"})
    assert done.status_code == 303 and done.headers["location"].startswith("http://testserver/api/v1/sso/salida")
    assert app.get("/api/v1/sso/salida").headers["location"] == "/ingresar?motivo=salio"
    # The provider's session is gone too: the next sign-in asks for the password again.
    start = app.get("/api/v1/sso/ingresar")
    page = idp.get(start.headers["location"])
    while page.status_code in (302, 303):
        page = idp.get(str(page.url.join(page.headers["location"])))
    assert 'name="password"' in page.text


def test_unlinked_account_is_refused_with_a_spanish_reason_and_nothing_written(sso_app):
    engine, prov = sso_app
    before = _counts(engine)
    r = sso_steps.sign_in(sso_steps.app_client(), prov, ANA)
    assert r.headers["location"] == "/ingresar?motivo=sso-no_vinculada"
    assert _counts(engine) == before
    refused = _events(engine, "rechazar_ingreso_sso")
    assert [(e.data["motivo"], e.data["sub"]) for e in refused] == [("no_vinculada", ANA["sub"])]
    assert "no está vinculada a un usuario del sistema" in sso.MESSAGES["no_vinculada"]


def test_verified_email_links_on_first_sign_in_and_groups_map_roles(sso_app, monkeypatch):
    engine, prov = sso_app
    sso_steps.configure(
        monkeypatch,
        prov,
        oidc_linking="email",
        oidc_group_roles="jne-logistica-jefes=LOG:head;jne-tablero=DGRS:manager;jne-rop-oficiales=ROP:officer",
    )
    r = sso_steps.sign_in(sso_steps.app_client(), prov, ANA)
    assert r.headers["location"] == "/bandeja"
    who = auth.resolve(r.cookies.get(settings.SESSION_COOKIE), engine=engine)
    assert who.user.username == "jefe.logistica"
    assert {(u.code, role) for u, role in who.memberships} == {("LOG", "head"), ("DGRS", "manager")}
    linked = _events(engine, "vincular_identidad")
    assert [e.data["por"] for e in linked] == ["correo verificado"]
    assert _events(engine, "sincronizar_roles_sso")[0].data["agregados"] == [["DGRS", "manager"]]
    # The second time the link is there: no new link, no role change.
    r = sso_steps.sign_in(sso_steps.app_client(), prov, ANA)
    assert r.headers["location"] == "/bandeja"
    assert len(_events(engine, "vincular_identidad")) == 1 and len(_events(engine, "sincronizar_roles_sso")) == 1
    # A role the group claim no longer gives is taken away (only the pairs the mapping names).
    sso_steps.configure(monkeypatch, prov, oidc_linking="email", oidc_group_roles="jne-auditores=DGRS:manager")
    sso_steps.sign_in(sso_steps.app_client(), prov, ANA)
    with db.session(engine) as s:
        dgrs = s.exec(select(Unit).where(Unit.code == "DGRS")).one()
        roles = s.exec(select(Membership.unit_id, Membership.role).where(Membership.user_id == who.user.id)).all()
    assert (dgrs.id, "manager") not in roles and len(roles) == 1


def test_email_linking_needs_the_mode(sso_app):
    _engine, prov = sso_app
    r = sso_steps.sign_in(sso_steps.app_client(), prov, ANA)  # mode "admin": the e-mail is not enough
    assert r.headers["location"] == "/ingresar?motivo=sso-no_vinculada"


def test_wrong_nonce_is_refused(sso_app):
    engine, prov = sso_app
    _link(engine, prov, "rop", PATRICIA)
    before = _counts(engine)

    def other_nonce(params):  # the request reaches the provider with a nonce that is not this browser's
        params["nonce"] = "nonce-de-otra-solicitud-0123456789"

    r = sso_steps.sign_in(sso_steps.app_client(), prov, PATRICIA, mutate=other_nonce)
    assert r.headers["location"] == "/ingresar?motivo=sso-nonce"
    assert _counts(engine) == before
    assert [e.data["motivo"] for e in _events(engine, "rechazar_ingreso_sso")] == ["nonce"]


def test_tampered_id_token_is_refused(sso_app):
    engine, prov = sso_app
    _link(engine, prov, "rop", PATRICIA)
    before = _counts(engine)
    prov.tamper("firma")
    r = sso_steps.sign_in(sso_steps.app_client(), prov, PATRICIA)
    assert r.headers["location"] == "/ingresar?motivo=sso-token"
    assert _counts(engine) == before
    assert "firma no válida" in _events(engine, "rechazar_ingreso_sso")[0].data["detalle"]
    prov.tamper("off")
    assert sso_steps.sign_in(sso_steps.app_client(), prov, PATRICIA).headers["location"] == "/bandeja"


def test_state_of_another_browser_and_another_providers_answer_are_refused(sso_app):
    engine, prov = sso_app
    _link(engine, prov, "rop", PATRICIA)
    victim, attacker = sso_steps.app_client(), sso_steps.app_client()
    attacker.get("/api/v1/sso/ingresar")  # the attacker's own pending sign-in (its cookie)
    start = victim.get("/api/v1/sso/ingresar")
    with httpx.Client(base_url=prov.issuer, follow_redirects=False, timeout=10) as idp:
        back = sso_steps.at_provider(idp, start.headers["location"], PATRICIA)
    path = back.removeprefix("http://testserver")
    # The victim's code and state, delivered to another browser (login CSRF / injection): refused.
    assert attacker.get(path).headers["location"] == "/ingresar?motivo=sso-estado"
    # Without the pending sign-in's cookie at all, too.
    assert sso_steps.app_client().get(path).headers["location"].endswith("sso-estado")
    # The right browser, but the answer names another provider, or none while this one always names
    # itself (RFC 9207, mix-up): refused before the code is redeemed.
    for iss in ("https://otro-proveedor.example.pe", None):
        trip = sso_steps.app_client()
        begun = trip.get("/api/v1/sso/ingresar")
        with httpx.Client(base_url=prov.issuer, follow_redirects=False, timeout=10) as idp:
            url = httpx.URL(sso_steps.at_provider(idp, begun.headers["location"], PATRICIA))
        assert url.params["iss"] == prov.issuer
        params = {k: v for k, v in url.params.items() if k != "iss"} | ({"iss": iss} if iss else {})
        assert trip.get("/api/v1/sso/retorno", params=params).headers["location"] == "/ingresar?motivo=sso-estado"
    details = [e.data["detalle"] for e in _events(engine, "rechazar_ingreso_sso")]
    assert sum("iss de la respuesta" in d for d in details) == 2
    assert _counts(engine)[0] == 0  # no session anywhere


def test_key_rotation_refetches_the_jwks(sso_app):
    engine, prov = sso_app
    _link(engine, prov, "rop", PATRICIA)
    assert sso_steps.sign_in(sso_steps.app_client(), prov, PATRICIA).headers["location"] == "/bandeja"
    prov.rotate_keys("clave-2")  # same issuer and port, a new signing key: our cached JWKS lacks it
    assert sso_steps.sign_in(sso_steps.app_client(), prov, PATRICIA).headers["location"] == "/bandeja"
    assert len(_events(engine, "ingresar_sso")) == 2


def test_server_clock_behind_is_refused_as_clock_skew(sso_app, monkeypatch):
    engine, prov = sso_app
    _link(engine, prov, "rop", PATRICIA)
    app = sso_steps.app_client()
    start = app.get("/api/v1/sso/ingresar")
    with httpx.Client(base_url=prov.issuer, follow_redirects=False, timeout=10) as idp:
        back = httpx.URL(sso_steps.at_provider(idp, start.headers["location"], PATRICIA))
    with pytest.raises(sso.SsoRefused) as refused:  # this server's clock 10 minutes behind the provider's
        sso.finish(
            sso.from_settings(),
            secret=settings.secret_key(),
            cookie=app.cookies.get(settings.SSO_STATE_COOKIE),
            state=back.params["state"],
            code=back.params["code"],
            iss=back.params["iss"],
            now=time.time() - 600,
        )
    assert refused.value.reason == "reloj"
    assert "La hora de este servidor" in refused.value.message


def test_provider_down_is_a_spanish_message(app_db, monkeypatch, tmp_path):
    from tests.oidc_provider import start_provider

    prov = start_provider(tmp_path, redirect_base="http://testserver")
    prov.stop()  # nobody listens at the issuer now
    sso_steps.configure(monkeypatch, prov)
    r = sso_steps.app_client().get("/api/v1/sso/ingresar")
    assert r.headers["location"] == "/ingresar?motivo=sso-proveedor_caido"
    assert [e.data["motivo"] for e in _events(app_db, "rechazar_ingreso_sso")] == ["proveedor_caido"]


def test_not_configured(app_db):
    r = sso_steps.app_client().get("/api/v1/sso/ingresar")
    assert r.headers["location"] == "/ingresar?motivo=sso-no_configurado"


def test_password_login_off_for_all_but_break_glass(app_db, monkeypatch):
    monkeypatch.setattr(settings, "LOCAL_PASSWORDS", "emergencia")
    monkeypatch.setattr(settings, "BREAK_GLASS_USERS", frozenset({"admin"}))
    app = sso_steps.app_client()
    form = {"usuario": "rop", "clave": "clave-demo-123"}
    assert app.post("/api/v1/sesion", data=form).headers["location"] == "/ingresar?motivo=institucional"
    wrong = app.post("/api/v1/sesion", data={**form, "clave": "otra-clave"})
    assert wrong.headers["location"] == "/ingresar?motivo=credenciales"
    ok = app.post("/api/v1/sesion", data={"usuario": "admin", "clave": "clave-demo-123"})
    assert ok.headers["location"] == "/bandeja" and ok.cookies.get(settings.SESSION_COOKIE)


def test_failed_answers_are_limited_per_address_and_audited_once_locked(sso_app):
    from sgd_app.domain import ratelimit

    engine, _prov = sso_app
    ratelimit.configure("memory://", overrides={"sso-fail-ip": "3/15 minutes"})
    app = sso_steps.app_client()
    for _ in range(3):  # forged answers: no pending sign-in, another state
        assert app.get("/api/v1/sso/retorno?code=x&state=y").headers["location"].endswith("sso-estado")
    for _ in range(3):
        assert app.get("/api/v1/sso/retorno?code=x&state=y").headers["location"].endswith("sso-limite")
    motives = [e.data["motivo"] for e in _events(engine, "rechazar_ingreso_sso")]
    assert motives == ["estado", "estado", "estado", "limite"]  # the lock-out is audited once, not each try
    assert "Demasiados intentos fallidos" in sso.MESSAGES["limite"]


def test_a_deactivated_user_is_refused(sso_app):
    engine, prov = sso_app
    _link(engine, prov, "rop", PATRICIA)
    with db.write_session(engine) as s:
        user = s.exec(select(User).where(User.username == "rop")).one()
        user.active = False
        s.add(user)
    before = _counts(engine)
    r = sso_steps.sign_in(sso_steps.app_client(), prov, PATRICIA)
    assert r.headers["location"] == "/ingresar?motivo=sso-inactiva"
    assert _counts(engine) == before
