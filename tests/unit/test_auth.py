"""Staff login, sessions, lock-outs and known devices, and signed links (sgd_app/domain/auth.py).

The ``seeded`` fixture creates 12 demo accounts (password 'clave-demo-123'). To keep the file
fast, argon2id runs here with minimal cost parameters (same algorithm and code paths, ~1 ms per
hash instead of ~100 ms), also for the dummy hash used when the user does not exist; one test
loads a pristine copy of the module to check the production hasher itself.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text, update
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import auth, ratelimit
from sgd_app.domain.errors import NotAuthenticated
from sgd_app.domain.models import AuditEvent, KnownDevice, StaffSession, Unit, User, utcnow

PASSWORD = "clave-demo-123"
WRONG = "Usuario o contraseña incorrectos."
ENDED = "Su sesión terminó. Vuelva a ingresar."

_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True, scope="module")
def fast_argon2():
    mp = pytest.MonkeyPatch()
    mp.setattr(auth, "_hasher", _FAST_HASHER)
    mp.setattr(auth, "_DUMMY_HASH", _FAST_HASHER.hash("contraseña-inexistente"))
    yield
    mp.undo()


# ---------------------------------------------------------------- helpers
def login(engine, username: str = "rop", password: str = PASSWORD, ip: str = "10.0.0.1", **kw) -> str:
    with db.write_session(engine) as s:
        return auth.login(s, username=username, password=password, ip=ip, **kw)


def resolve(engine, token: str | None, **kw) -> auth.Principal:
    with db.session(engine) as s:
        return auth.resolve(s, token, **kw)


def user(engine, username: str) -> User:
    with db.session(engine) as s:
        return s.exec(select(User).where(User.username == username)).one()


def session_row(engine, token: str) -> StaffSession:
    with db.session(engine) as s:
        return s.exec(select(StaffSession).where(StaffSession.token_hash == auth.token_hash(token))).one()


def set_session(engine, token: str, **values) -> None:
    with db.write_session(engine) as s:
        s.execute(update(StaffSession).where(StaffSession.token_hash == auth.token_hash(token)).values(**values))


def actions(engine) -> list[str]:
    with db.session(engine) as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()]


# ---------------------------------------------------------------- passwords
def test_production_hasher_is_argon2id_with_library_defaults(monkeypatch):
    # tests/conftest.py and this file swap auth._hasher for a cheap one: load auth.py afresh.
    spec = importlib.util.spec_from_file_location("_pristine_auth", auth.__file__)
    pristine = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "_pristine_auth", pristine)  # @dataclass looks it up
    spec.loader.exec_module(pristine)
    h = pristine.hash_password("una clave cualquiera")
    assert h.startswith("$argon2id$v=19$")
    assert not PasswordHasher().check_needs_rehash(h)  # library's recommended parameters
    assert pristine._DUMMY_HASH.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(pristine._DUMMY_HASH)
    assert pristine.verify_password(h, "una clave cualquiera")


def test_verify_password():
    h = auth.hash_password("clave correcta")
    assert h.startswith("$argon2id$") and "clave correcta" not in h
    assert auth.verify_password(h, "clave correcta") is True
    assert auth.verify_password(h, "clave incorrecta") is False
    assert auth.verify_password("no-es-un-hash", "x") is False
    assert auth.verify_password("", "contraseña-inexistente") is True  # the dummy hash is used


# ---------------------------------------------------------------- login / resolve
def test_login_returns_token_and_resolve_gives_the_principal(seeded):
    token = login(seeded, "rop")
    assert isinstance(token, str) and len(token) >= 40

    who = resolve(seeded, token)
    assert who.user.username == "rop"
    assert who.user.full_name == "Patricia Chávez León"
    assert who.roles == {"officer"}
    assert [(u.code, r) for u, r in who.memberships] == [("ROP", "officer")]
    with db.session(seeded) as s:
        rop_unit = s.exec(select(Unit).where(Unit.code == "ROP")).one()
    assert who.unit_ids == {rop_unit.id}
    assert who.has_role("officer") and who.has_role("head", "officer")
    assert not who.has_role("head", "admin")
    assert who.actor == f"user:{who.user.id}"
    assert who.session_id == session_row(seeded, token).id
    assert actions(seeded)[-1] == "ingresar"


def test_user_with_two_roles_and_username_normalised(seeded):
    who = resolve(seeded, login(seeded, "  CUSCO "))
    assert who.user.username == "cusco"
    assert who.roles == {"officer", "head"}
    assert len(who.unit_ids) == 1
    assert [u.code for u, _ in who.memberships] == ["ODCUS", "ODCUS"]


def test_each_login_opens_its_own_session(seeded):
    t1, t2 = login(seeded), login(seeded)
    assert t1 != t2
    assert resolve(seeded, t1).session_id != resolve(seeded, t2).session_id


def test_session_expiry_is_absolute_hours_after_login(seeded):
    before = utcnow()
    token = login(seeded, absolute_hours=12)
    row = session_row(seeded, token)
    expires = auth._aware(row.expires_at)
    assert before + timedelta(hours=12) - timedelta(seconds=5) <= expires <= utcnow() + timedelta(hours=12)
    assert row.ip == "10.0.0.1" and row.revoked_at is None


def test_wrong_password_and_unknown_user_get_the_same_refusal(seeded):
    with pytest.raises(NotAuthenticated) as wrong:
        login(seeded, "rop", "clave-equivocada")
    with pytest.raises(NotAuthenticated) as unknown:
        login(seeded, "no-existe", PASSWORD)
    with pytest.raises(NotAuthenticated) as empty:
        login(seeded, "", "")
    assert wrong.value.message == unknown.value.message == empty.value.message == WRONG
    assert str(wrong.value) == str(unknown.value)
    assert wrong.value.status_code == 401
    assert ratelimit.count("login-source", "rop", "g0", "10.0.0.1") == 1  # the failure was counted
    assert "ingresar" not in actions(seeded)


def test_unknown_user_still_checks_a_password_hash(seeded, monkeypatch):
    calls = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    with pytest.raises(NotAuthenticated):
        login(seeded, "no-existe", PASSWORD)
    assert calls == [""]  # verified against the dummy hash: same work as for a real user


def test_inactive_user_refused_like_a_wrong_password(seeded):
    token = login(seeded, "rop")
    with db.write_session(seeded) as s:
        u = s.exec(select(User).where(User.username == "rop")).one()
        u.active = False
        s.add(u)
    with pytest.raises(NotAuthenticated) as e:
        login(seeded, "rop", PASSWORD)
    assert e.value.message == WRONG
    with pytest.raises(NotAuthenticated) as e:
        resolve(seeded, token)  # an open session ends with the account
    assert e.value.message == ENDED


def test_inactive_unit_gives_no_membership(seeded):
    token = login(seeded, "rop")
    with db.write_session(seeded) as s:
        s.execute(update(Unit).where(Unit.code == "ROP").values(active=False))
    who = resolve(seeded, token)
    assert who.memberships == [] and who.unit_ids == set() and not who.has_role("officer")


def test_missing_or_unknown_token(seeded):
    for token in (None, ""):
        with pytest.raises(NotAuthenticated) as e:
            resolve(seeded, token)
        assert e.value.message == "Inicie sesión para continuar."
    with pytest.raises(NotAuthenticated) as e:
        resolve(seeded, "token-inventado")
    assert e.value.message == ENDED


# ---------------------------------------------------------------- lock-out (domain/ratelimit.py)
def sign_in(engine, username: str = "rop", password: str = PASSWORD, ip: str = "10.0.0.1", **kw) -> auth.SignIn:
    with db.write_session(engine) as s:
        return auth.sign_in(s, username=username, password=password, ip=ip, **kw)


def fail(engine, times: int, username: str = "rop", ip: str = "203.0.113.9", **kw) -> None:
    for i in range(times):
        with pytest.raises(NotAuthenticated):
            login(engine, username, f"mala-{i}", ip=ip, **kw)


def refused(engine, username: str = "rop", ip: str = "203.0.113.9", **kw) -> ratelimit.Limited:
    with pytest.raises(ratelimit.Limited) as e:
        sign_in(engine, username, PASSWORD, ip=ip, **kw)
    return e.value


def audited(engine, action: str) -> list[dict]:
    with db.session(engine) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()
        return [json.loads(e.data) for e in rows]


@pytest.fixture
def no_pauses():
    """The progressive pauses off, so that a test can fail several times in a row."""
    ratelimit.tune("login-source", free=0)
    ratelimit.tune("login-device", free=0)


def test_five_failures_lock_the_account_from_that_source_only(seeded, limits_storage, no_pauses):
    fail(seeded, 4)
    assert audited(seeded, "bloquear_cuenta") == []
    with pytest.raises(NotAuthenticated) as fifth:
        login(seeded, "rop", "mala-5", ip="203.0.113.9")
    assert fifth.value.message == WRONG  # the fifth failure itself says nothing more
    assert [d["limite"] for d in audited(seeded, "bloquear_cuenta")] == ["login-source"]

    e = refused(seeded)  # even the right password is refused from there
    assert e.rule == "login-source" and re.search(r"Intente nuevamente (hoy|mañana) a las \d\d:\d\d\.", e.message)
    assert 14 * 60 < e.retry_after <= 15 * 60 and e.status_code == 429
    # the same account from another address, and other accounts, are not affected
    assert resolve(seeded, login(seeded, "rop", ip="198.51.100.20")).user.username == "rop"
    assert resolve(seeded, login(seeded, "mesa", ip="203.0.113.9")).user.username == "mesa"


def test_unknown_user_is_counted_and_locked_the_same_way(seeded, limits_storage, no_pauses):
    fail(seeded, 5, username="no-existe")
    e = refused(seeded, username="no-existe")
    assert e.rule == "login-source"
    assert audited(seeded, "bloquear_cuenta") == []  # no account: nothing to audit or unlock


def test_lock_out_ends_after_its_time(seeded, limits_storage, no_pauses):
    ratelimit.tune("login-source", limit="2/2 seconds", lock="2 seconds")
    fail(seeded, 2)
    refused(seeded)
    time.sleep(2.2)
    assert login(seeded, "rop", ip="203.0.113.9")


def test_progressive_pause_grows_and_is_enforced(seeded, limits_storage):
    assert ratelimit.rule("login-source").free == 2
    fail(seeded, 2)  # the second failure starts a 1 s pause
    e = refused(seeded)
    assert e.waiting and e.message == "Espere 1 s antes de volver a intentarlo." and e.retry_after <= 1
    time.sleep(1.1)
    fail(seeded, 1)  # the third: 2 s
    assert 1 < refused(seeded).retry_after <= 2
    time.sleep(2.1)
    fail(seeded, 1)  # the fourth: 4 s
    assert 3 < refused(seeded).retry_after <= 4
    assert audited(seeded, "rechazar_ingreso_bloqueado") == []  # pauses are not lock-outs


def test_success_clears_the_count_of_that_source(seeded, limits_storage, no_pauses):
    fail(seeded, 4)
    login(seeded, "rop", ip="203.0.113.9")
    fail(seeded, 4)  # 4 more: not 5 since the success, so no lock
    assert login(seeded, "rop", ip="203.0.113.9")


def test_a_known_device_signs_in_while_the_attackers_are_locked_out(seeded, limits_storage, no_pauses):
    device = sign_in(seeded, "rop", ip="10.0.0.5").device_token
    assert device  # a browser seen for the first time gets a device token
    ratelimit.tune("login-account", limit="8/hour")
    fail(seeded, 5, ip="203.0.113.9")  # (rop, 203.0.113.9) locked
    fail(seeded, 3, ip="203.0.113.10")  # 8 from unknown sources: the account is locked for them
    assert refused(seeded, ip="203.0.113.9").rule == "login-source"
    e = refused(seeded, ip="192.0.2.77")  # a fresh address, right password: still refused
    assert e.rule == "login-account" and "equipo donde ya inició sesión" in e.message
    assert [d["limite"] for d in audited(seeded, "bloquear_cuenta")] == ["login-source", "login-account"]
    # the real user, on their own browser, from the attacker's address even
    again = sign_in(seeded, "rop", ip="203.0.113.9", device_token=device)
    assert resolve(seeded, again.token).user.username == "rop"
    assert again.device_token == ""  # known: no new token
    # a device token is worth something only for its own user
    assert refused(seeded, "rop", ip="192.0.2.77", device_token="inventado").rule == "login-account"
    mesa = sign_in(seeded, "mesa", ip="10.0.0.5").device_token
    assert refused(seeded, "rop", ip="192.0.2.77", device_token=mesa).rule == "login-account"


def test_failures_from_a_known_device_count_against_that_device_only(seeded, limits_storage, no_pauses):
    device = sign_in(seeded, "rop", ip="10.0.0.5").device_token
    fail(seeded, 5, ip="10.0.0.5", device_token=device)
    e = refused(seeded, ip="10.0.0.5", device_token=device)
    assert e.rule == "login-device"
    assert [d["origen"] for d in audited(seeded, "bloquear_cuenta")] == ["equipo conocido"]
    # the same address without the device token, and the account elsewhere, are untouched
    assert login(seeded, "rop", ip="10.0.0.5")
    assert ratelimit.count("login-account", "rop", "g0") == 0


def test_lock_out_refusals_are_audited_once_per_lock_out(seeded, limits_storage, no_pauses):
    fail(seeded, 5)
    for _ in range(4):
        refused(seeded)
    refusals = audited(seeded, "rechazar_ingreso_bloqueado")
    assert refusals == [{"ip": "203.0.113.9", "limite": "login-source", "origen": "equipo desconocido"}]


def test_too_many_failures_from_one_address(seeded, limits_storage, no_pauses):
    device = sign_in(seeded, "rop", ip="203.0.113.9").device_token
    ratelimit.tune("login-ip", limit="6/15 minutes")
    for name in ("mesa", "rop", "no-existe"):
        fail(seeded, 2, username=name)
    e = refused(seeded, "ccampos")  # any account, from that address
    assert e.rule == "login-ip" and "conexión" in e.message
    assert audited(seeded, "bloquear_cuenta")[0]["limite"] == "login-ip"
    assert login(seeded, "mesa", ip="203.0.113.10")  # another address is still served
    assert sign_in(seeded, "rop", ip="203.0.113.9", device_token=device).token  # a known device too


def test_only_the_hash_of_a_device_token_is_kept_and_devices_are_pruned(seeded):
    tokens = [sign_in(seeded, "rop").device_token for _ in range(auth.DEVICES_KEPT + 2)]
    with db.session(seeded) as s:
        rows = s.exec(select(KnownDevice).where(KnownDevice.user_id == user(seeded, "rop").id)).all()
    assert len(rows) == auth.DEVICES_KEPT
    assert {r.token_hash for r in rows} == {auth.token_hash(t) for t in tokens[2:]}
    with seeded.connect() as conn:
        stored = [str(v) for r in conn.execute(text("SELECT * FROM knowndevice")) for v in r]
    assert not any(t in v for t in tokens for v in stored)
    # an old device is forgotten after device_days
    with db.write_session(seeded) as s:
        s.execute(update(KnownDevice).values(created_at=utcnow() - timedelta(days=181)))
    assert sign_in(seeded, "rop", device_token=tokens[-1]).device_token  # treated as new


def test_reset_password_and_reactivation_lift_the_lock_out(seeded, no_pauses):
    fail(seeded, 5)
    refused(seeded)
    with db.write_session(seeded) as s:
        auth.bump_lock_generation(s, s.exec(select(User).where(User.username == "rop")).one())
    assert login(seeded, "rop", ip="203.0.113.9")
    assert user(seeded, "rop").lock_generation == 1


# ---------------------------------------------------------------- logout and expiry
def test_logout_revokes_the_session(seeded):
    token = login(seeded)
    other = login(seeded)
    with db.write_session(seeded) as s:
        auth.logout(s, token)
    with pytest.raises(NotAuthenticated) as e:
        resolve(seeded, token)
    assert e.value.message == ENDED
    assert session_row(seeded, token).revoked_at is not None
    assert resolve(seeded, other).user.username == "rop"  # only that session ends
    n = len(actions(seeded))
    assert actions(seeded)[-1] == "salir"
    with db.write_session(seeded) as s:
        auth.logout(s, token)  # twice: nothing more happens
        auth.logout(s, None)
        auth.logout(s, "desconocido")
    assert len(actions(seeded)) == n


def test_idle_expiry(seeded):
    token = login(seeded)
    set_session(seeded, token, last_seen_at=utcnow() - timedelta(minutes=59))
    resolve(seeded, token, idle_minutes=60)  # still alive, and touched
    assert utcnow() - auth._aware(session_row(seeded, token).last_seen_at) < timedelta(minutes=1)

    set_session(seeded, token, last_seen_at=utcnow() - timedelta(minutes=61))
    with pytest.raises(NotAuthenticated) as e:
        resolve(seeded, token, idle_minutes=60)
    assert e.value.message == ENDED
    # a longer idle allowance accepts the same session
    assert resolve(seeded, token, idle_minutes=120).user.username == "rop"


def test_resolve_without_touch_does_not_extend(seeded):
    token = login(seeded)
    old = utcnow() - timedelta(minutes=30)
    set_session(seeded, token, last_seen_at=old)
    resolve(seeded, token, touch=False)
    seen = auth._aware(session_row(seeded, token).last_seen_at)
    assert abs(seen - old) < timedelta(seconds=1)


def test_absolute_expiry(seeded):
    token = login(seeded)
    set_session(seeded, token, expires_at=utcnow() - timedelta(seconds=1))  # recently active
    with pytest.raises(NotAuthenticated) as e:
        resolve(seeded, token, idle_minutes=10_000)
    assert e.value.message == ENDED


def test_zero_hour_session_is_already_expired(seeded):
    token = login(seeded, absolute_hours=0)
    with pytest.raises(NotAuthenticated):
        resolve(seeded, token)


def test_database_keeps_only_the_sha256_of_the_token(seeded):
    token = login(seeded)
    assert auth.token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    row = session_row(seeded, token)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with seeded.connect() as conn:
        stored = [str(v) for r in conn.execute(text("SELECT * FROM staffsession")) for v in r]
        trail = [str(v) for r in conn.execute(text("SELECT * FROM auditevent")) for v in r]
    assert stored and not any(token in v for v in stored)
    assert not any(token in v for v in trail)


# ---------------------------------------------------------------- signed links
SECRET = b"s" * 32
NOW = 1_800_000_000.0


def test_signed_token_valid_until_expiry():
    tok = auth.sign_token(SECRET, "cargo", "2026-0000123", ttl_seconds=600, now=NOW)
    expires, mac = tok.split(".")
    assert int(expires) == NOW + 600 and len(mac) == 40
    assert auth.check_token(SECRET, "cargo", "2026-0000123", tok, now=NOW)
    assert auth.check_token(SECRET, "cargo", "2026-0000123", tok, now=NOW + 600)
    assert not auth.check_token(SECRET, "cargo", "2026-0000123", tok, now=NOW + 601)
    # without ``now`` the real clock is used: a fresh token is valid
    fresh = auth.sign_token(SECRET, "cargo", "X", ttl_seconds=60)
    assert auth.check_token(SECRET, "cargo", "X", fresh)
    stale = auth.sign_token(SECRET, "cargo", "X", ttl_seconds=60, now=NOW - 10**9)  # year 1995
    assert not auth.check_token(SECRET, "cargo", "X", stale)


def test_signed_token_refused_when_tampered_or_for_something_else():
    tok = auth.sign_token(SECRET, "cargo", "2026-0000123", ttl_seconds=600, now=NOW)
    expires, mac = tok.split(".")
    flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    check = lambda t, **kw: auth.check_token(  # noqa: E731
        kw.get("secret", SECRET), kw.get("purpose", "cargo"), kw.get("subject", "2026-0000123"), t, now=NOW
    )
    assert check(tok)
    assert not check(f"{expires}.{flipped}")
    assert not check(f"{int(expires) + 3600}.{mac}")  # longer life, same mac
    assert not check(tok, subject="2026-0000124")
    assert not check(tok, purpose="descarga")
    assert not check(tok, secret=b"t" * 32)
    for garbage in ("", None, "abc", "x.y", f"{expires}", f"{expires}.", "." + mac):
        assert not check(garbage), garbage
    # expired: signed in the past
    old = auth.sign_token(SECRET, "cargo", "2026-0000123", ttl_seconds=60, now=NOW - 120)
    assert not check(old)
