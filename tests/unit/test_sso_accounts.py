"""Linking provider identities to staff accounts, the switch that leaves local passwords to
break-glass administrators, the pending sign-in cookie and the group -> role setting."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import auth, sso
from sgd_app.domain.errors import Forbidden, InvalidInput, NotFound
from sgd_app.domain.models import AuditEvent, User
from sgd_app.domain.sso import flow
from sgd_app.domain.sso.tables import ExternalIdentity

PASSWORD = "clave-demo-123"
ISSUER = "https://idp.jne.example.pe"


def _principal(engine, username: str) -> auth.Principal:
    return auth.resolve(auth.login(username=username, password=PASSWORD, engine=engine), engine=engine)


def _audited(engine, action: str) -> list[dict]:
    with db.session(engine) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()
        return [json.loads(e.data) for e in rows]


def test_an_administrator_links_an_identity_once(seeded):
    admin = _principal(seeded, "admin")
    sso.link_identity(by=admin, username="rop", subject="sub-rop-1", issuer=ISSUER, engine=seeded)
    with pytest.raises(InvalidInput, match="ya está vinculada"):
        sso.link_identity(by=admin, username="sg", subject="sub-rop-1", issuer=ISSUER, engine=seeded)
    with pytest.raises(NotFound):
        sso.link_identity(by=admin, username="nadie", subject="sub-2", issuer=ISSUER, engine=seeded)
    with pytest.raises(InvalidInput):
        sso.link_identity(by=admin, username="rop", subject="  ", issuer=ISSUER, engine=seeded)
    with pytest.raises(Forbidden):
        sso.link_identity(by=_principal(seeded, "rop"), username="rop", subject="sub-3", issuer=ISSUER, engine=seeded)
    with db.session(seeded) as s:
        rows = s.exec(select(ExternalIdentity)).all()
        rop = s.exec(select(User).where(User.username == "rop")).one()
    assert [(r.subject, r.user_id, r.linked_by) for r in rows] == [("sub-rop-1", rop.id, admin.actor)]
    assert _audited(seeded, "vincular_identidad") == [{"iss": ISSUER, "sub": "sub-rop-1", "por": "administrador"}]
    assert [i.subject for i in sso.identities_of(rop.id, engine=seeded)] == ["sub-rop-1"]


def test_local_passwords_only_for_break_glass_administrators(seeded):
    kw = {"password": PASSWORD, "engine": seeded, "local_passwords": "emergencia"}
    with pytest.raises(auth.PasswordsOff, match="cuenta institucional"):
        auth.sign_in(username="rop", **kw)
    assert auth.sign_in(username="admin", **kw).token  # every administrator when no list is given
    with pytest.raises(auth.PasswordsOff):
        auth.sign_in(username="admin", break_glass=frozenset({"otro.admin"}), **kw)
    assert auth.sign_in(username="admin", break_glass=frozenset({"admin"}), **kw).token
    with pytest.raises(auth.PasswordsOff):  # on the list but no administrator: still no password
        auth.sign_in(username="rop", break_glass=frozenset({"rop"}), **kw)
    with pytest.raises(auth.NotAuthenticated) as wrong:  # a wrong password says nothing about the switch
        auth.sign_in(username="rop", **{**kw, "password": "otra"})
    assert not isinstance(wrong.value, auth.PasswordsOff)
    refused = _audited(seeded, "rechazar_ingreso")
    assert len(refused) == 3 and all("desactivada" in r["motivo"] for r in refused)
    assert auth.sign_in(username="rop", password=PASSWORD, engine=seeded).token  # the default: everyone


def test_pending_sign_in_cookie_is_bound_signed_and_short_lived():
    secret = b"k" * 32
    body = "estado1.nonce1.2000000000"
    cookie = f"{body}.{flow._mac(secret, body)}"
    assert flow._pending(secret, cookie, "estado1", 1_999_999_000) == ("estado1", "nonce1")
    for bad_cookie, state, now in [
        (cookie, "estado2", 1_999_999_000),  # another request's state
        (cookie, "estado1", 2_000_000_001),  # expired
        (cookie.replace("nonce1", "nonce2"), "estado1", 1_999_999_000),  # altered
        (f"{body}.{flow._mac(b'x' * 32, body)}", "estado1", 1_999_999_000),  # another secret
        ("", "estado1", 0),
        ("basura", "estado1", 0),
        ("estado1.nonce1.2000000000.ñandú", "estado1", 0),  # not ASCII: refused, not a server error
    ]:
        with pytest.raises(sso.SsoRefused) as refused:
            flow._pending(secret, bad_cookie, state, now)
        assert refused.value.reason == "estado"
    verifier = flow._verifier(secret, "estado1", "nonce1")
    assert 43 <= len(verifier) <= 128 and verifier != flow._verifier(secret, "estado1", "nonce2")


def test_group_roles_setting():
    pairs = sso.parse_group_roles(" jne-rop=rop:officer ; jne-admin=SG:admin ;")
    assert [(g.group, g.unit_code, g.role) for g in pairs] == [
        ("jne-rop", "ROP", "officer"),
        ("jne-admin", "SG", "admin"),
    ]
    for bad in ("jne-rop", "jne-rop=ROP", "jne-rop=ROP:rey", "=ROP:officer"):
        with pytest.raises(ValueError, match="SGD_OIDC_GROUP_ROLES"):
            sso.parse_group_roles(bad)
