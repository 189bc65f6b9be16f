"""AdminState called the way a hostile client could: every public handler is a remote call with
any arguments. Without a session, with a forged cookie, or with an officer's valid session,
nothing is read and nothing is written; an admin's session works."""

from __future__ import annotations

from datetime import date

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import func, select

from sgd_app import db
from sgd_app.domain import auth, ratelimit
from sgd_app.domain.errors import NotAuthenticated
from sgd_app.domain.models import AuditEvent, Membership, NonWorkingDay, Procedure, StaffSession, Unit, User
from sgd_app.state.admin import ERROR_KEYS, NO_PERMISSION, AdminState

PASSWORD = "clave-demo-123"
JEE = "Jurado Electoral Especial de Lima Centro 1"


def _state(cookie: str = ""):
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {"cookie": cookie}, "ip": "10.0.0.9", "pathname": "/admin"}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(AdminState.get_full_name().split(".")[1:])


def _login(username: str, password: str = PASSWORD) -> str:
    with db.write_session() as s:
        return auth.login(s, username=username, password=password)


def _cookie(username: str) -> str:
    return f"sgd_sesion={_login(username)}"


def _ids() -> dict[str, int]:
    with db.session() as s:
        units = {u.code: u.id for u in s.exec(select(Unit)).all()}
        users = {u.username: u.id for u in s.exec(select(User)).all()}
        procs = {p.code: p.id for p in s.exec(select(Procedure)).all()}
    return {
        **{f"unit:{k}": v for k, v in units.items()},
        **{f"user:{k}": v for k, v in users.items()},
        **{f"proc:{k}": v for k, v in procs.items()},
    }


def _snapshot() -> dict[str, object]:
    """Everything an admin handler could change."""
    with db.session() as s:
        return {
            "events": s.exec(select(func.count()).select_from(AuditEvent)).one(),
            "units": sorted((u.code, u.name, u.active, u.parent_id, u.valid_to) for u in s.exec(select(Unit)).all()),
            "users": sorted(
                (u.username, u.active, u.password_hash, u.lock_generation) for u in s.exec(select(User)).all()
            ),
            "memberships": sorted((m.user_id, m.unit_id, m.role) for m in s.exec(select(Membership)).all()),
            "procedures": sorted(
                (p.code, p.name, p.deadline_days, p.public, p.active) for p in s.exec(select(Procedure)).all()
            ),
            "days": sorted(d.day for d in s.exec(select(NonWorkingDay)).all()),
            "revoked": s.exec(
                select(func.count()).select_from(StaffSession).where(StaffSession.revoked_at.is_not(None))
            ).one(),
        }


def _hostile_calls(ids: dict[str, int]) -> dict[str, list[tuple]]:
    """Plausible (and some junk) arguments for every public handler of AdminState."""
    sg, admin_id = str(ids["unit:SG"]), str(ids["user:admin"])
    unit_form = {
        "code": "JEE-LC1",
        "name": JEE,
        "kind": "temporal",
        "parent_id": sg,
        "place": "Lima",
        "valid_from": "2026-01-15",
        "valid_to": "2026-08-31",
    }
    return {
        "load": [()],
        "set_tab": [("usuarios",), ("x" * 10_000,)],
        "cancel_form": [()],
        "new_unit": [()],
        "edit_unit": [(sg,), ("1 OR 1=1",), (None,)],
        "save_unit": [(unit_form,), ("no-es-un-dict",), ({"name": ["lista"]},)],
        "close_unit": [(str(ids["unit:ENEC"]),), (str(ids["unit:SG"]),)],
        "reopen_unit": [(str(ids["unit:ENEC"]),)],
        "new_user": [()],
        "save_user": [
            (
                {
                    "username": "intruso",
                    "full_name": "Intruso",
                    "email": "i@x.pe",
                    "password": "clave-intrusa-1",
                    "unit_id": sg,
                    "role": "admin",
                },
            )
        ],
        "set_user_active": [(admin_id, False), (str(ids["user:rop"]), "false")],
        "unlock_user": [(str(ids["user:rop"]),)],
        "open_password": [(admin_id,)],
        "save_password": [({"password": "clave-robada-123", "confirm": "clave-robada-123"},)],
        "open_memberships": [(admin_id,)],
        "add_membership_row": [({"unit_id": sg, "role": "admin"},)],
        "remove_membership_row": [(0,), ("x",)],
        "save_memberships": [()],
        "new_procedure": [()],
        "edit_procedure": [(str(ids["proc:CONST-AF"]),)],
        "save_procedure": [
            (
                {
                    "name": "Trámite falso",
                    "category": "administrativo",
                    "unit_id": sg,
                    "deadline_days": "1",
                    "fields": "",
                    "required_annexes": "",
                },
            )
        ],
        "add_day": [({"day": "2026-12-24", "reason": "Navidad"},)],
        "remove_day": [("2026-12-31",)],
    }


def _assert_shows_nothing(st) -> None:
    assert st.units == [] and st.users == [] and st.procedures == [] and st.days == []
    assert st.unit_options == [] and st.parent_options == [] and st.m_rows == []
    assert st.allowed is False and st.admin_name == "" and st.form == ""
    assert st.f_code == "" and st.f_name == "" and st.f_email == "" and st.edit_id == ""
    assert set(st.errors) == set(ERROR_KEYS) and not any(st.errors.values())


def test_every_public_handler_is_covered_here(app_db):
    # dismiss_notice (the Notice mixin, state/notice.py) only hides the message on screen; it is
    # called hostilely with every other handler in tests/security/test_handlers.py.
    handlers = set(AdminState.event_handlers) - {"setvar", "dismiss_notice"}
    assert handlers == set(_hostile_calls(_ids())), "a new handler needs its hostile-client case below"


@pytest.mark.parametrize("who", ["none", "forged", "garbage", "officer", "head", "revoked_admin"])
def test_handlers_refuse_anyone_but_an_admin(app_db, who):
    with db.write_session() as s:
        s.add(NonWorkingDay(day=date(2026, 12, 31), reason="Fin de año"))
    if who == "revoked_admin":
        token = _login("admin")
        with db.write_session() as s:
            auth.logout(s, token)
        cookie = f"sgd_sesion={token}"
    else:
        cookie = {
            "none": "",
            "forged": "sgd_sesion=forjada-por-el-cliente",
            "garbage": "sgd_sesion=\x00;;=",
            "officer": _cookie("rop"),
            "head": _cookie("jefe.logistica"),
        }[who]
    ids = _ids()
    before = _snapshot()
    signed_in = who in ("officer", "head")
    for name, calls in _hostile_calls(ids).items():
        for args in calls:
            st = _state(cookie)
            # A state that (somehow) still held data from an earlier admin session is wiped too.
            st.users = [{"id": "1", "username": "admin", "email": "secreto@jne.gob.pe"}]
            st.edit_id = str(ids["user:admin"])
            st.form = "pwd"
            result = getattr(AdminState, name).fn(st, *args)
            _assert_shows_nothing(st)
            text = str(result) + st.notice  # a refusal is the state's inline notice, not a toast
            if signed_in:
                assert st.denied is True, name
                if name != "load":
                    assert NO_PERMISSION in text, name
            else:
                assert st.denied is False, name
                assert "/ingresar" in text, name
    assert _snapshot() == before


def test_officer_opening_admin_sees_the_no_permission_message(app_db):
    st = _state(_cookie("rop"))
    result = AdminState.load.fn(st)
    assert result is None and st.denied and not st.allowed
    _assert_shows_nothing(st)


def test_setvar_cannot_open_the_door(app_db):
    """Reflex's generic ``setvar`` handler calls ``set_<name>``: with auto-setters off, only the
    explicit ``set_tab`` exists, and it checks the role like every other handler."""
    ids = _ids()
    st = _state(_cookie("rop"))
    before = _snapshot()
    for var, value in (
        ("allowed", True),
        ("form", "pwd"),
        ("edit_id", str(ids["user:admin"])),
        ("m_rows", [{"unit_id": str(ids["unit:SG"]), "role": "admin"}]),
        ("errors", {}),
    ):
        with pytest.raises(AttributeError):
            AdminState.setvar.fn(st, var, value)
    AdminState.setvar.fn(st, "tab", "usuarios")  # goes through set_tab, which refuses
    assert st.tab == "unidades" and st.denied
    AdminState.save_password.fn(st, {"password": "clave-robada-123", "confirm": "clave-robada-123"})
    AdminState.save_memberships.fn(st)
    assert _snapshot() == before
    _assert_shows_nothing(st)


# ---------------------------------------------------------------- the admin
@pytest.fixture
def admin_state(app_db):
    st = _state(_cookie("admin"))
    assert AdminState.load.fn(st) is None
    return st


def test_admin_loads_everything(admin_state):
    st = admin_state
    assert st.allowed and not st.denied and st.admin_name == "Administrador del sistema"
    codes = [u["code"] for u in st.units]
    assert codes.index("SG") < codes.index("MP") and codes.index("DGRS") < codes.index("LOG")
    mp = next(u for u in st.units if u["code"] == "MP")
    assert mp["depth"] == "1" and mp["parent"] == "Secretaría General" and mp["status"] == "Activa"
    assert any(u["username"] == "rop" and "Servidor(a) — ROP" in u["roles"] for u in st.users)
    assert {p["code"] for p in st.procedures} >= {"CONST-AF", "INS-ENC"}
    assert all(isinstance(v, str) for row in st.units + st.users + st.procedures for v in row.values())
    assert set(st.errors) == set(ERROR_KEYS)


def test_admin_creates_and_closes_a_temporary_unit(admin_state):
    st = admin_state
    unit_form = {
        "code": "jee-lc1",
        "name": JEE,
        "kind": "temporal",
        "parent_id": "",
        "place": "Lima",
        "valid_from": "2026-01-15",
        "valid_to": "2026-08-31",
    }
    # Only the open form is saved: a submit without opening it (or a second one) does nothing.
    AdminState.save_unit.fn(st, unit_form)
    assert all(u["code"] != "JEE-LC1" for u in st.units)
    AdminState.new_unit.fn(st)
    assert st.form == "unit" and st.edit_id == ""
    # Wrong data: Spanish messages next to the fields; every key of every form still present.
    AdminState.save_unit.fn(
        st,
        {
            "code": "j",
            "name": "",
            "kind": "temporal",
            "parent_id": "",
            "valid_from": "2026-09-01",
            "valid_to": "2026-08-31",
        },
    )
    assert set(st.errors) == set(ERROR_KEYS)
    assert "de 2 a 20" in st.errors["unit_code"] and "Escriba el nombre" in st.errors["unit_name"]
    assert "anterior" in st.errors["unit_valid_to"] and st.form == "unit"
    assert st.f_from == "2026-09-01"  # what was typed is kept for the form to show again
    result = AdminState.save_unit.fn(st, unit_form)
    assert (
        result is None
        and "creada" in st.notice
        and st.notice_kind == "ok"
        and st.form == ""
        and not any(st.errors.values())
    )
    assert AdminState.save_unit.fn(st, unit_form) is None  # a double submit creates nothing more
    row = next(u for u in st.units if u["code"] == "JEE-LC1")
    assert row["kind_label"] == "Unidad temporal" and row["dates"] == "15/01/2026 – 31/08/2026"
    AdminState.close_unit.fn(st, row["id"])
    row = next(u for u in st.units if u["code"] == "JEE-LC1")
    assert row["active"] == "" and row["status"] == "Cerrada"
    # Closing a unit with dependants is refused with a message.
    dgrs = next(u for u in st.units if u["code"] == "DGRS")
    result = AdminState.close_unit.fn(st, dgrs["id"])
    assert "dependientes" in st.errors["units_general"] and "dependientes" in st.notice and st.notice_kind == "error"
    with db.session() as s:
        assert s.exec(select(Unit).where(Unit.code == "DGRS")).one().active


def test_admin_edits_a_unit_and_cannot_make_a_cycle(admin_state):
    st = admin_state
    sg = next(u for u in st.units if u["code"] == "SG")
    AdminState.edit_unit.fn(st, sg["id"])
    assert st.form == "unit" and st.f_code == "SG" and st.f_name == "Secretaría General"
    # Its own dependants are not offered as parents...
    offered = {o["label"].strip() for o in st.parent_options}
    assert not any("(MP)" in o or "(SG)" in o for o in offered)
    # ...and a forged parent id is refused by the domain anyway.
    mp = next(u for u in st.units if u["code"] == "MP")
    AdminState.save_unit.fn(
        st, {"name": "Secretaría General", "kind": "direccion", "parent_id": mp["id"], "place": "Lima"}
    )
    assert "no puede depender" in st.errors["unit_parent_id"]


def test_admin_manages_users(admin_state):
    st = admin_state
    sg = next(u for u in st.units if u["code"] == "SG")
    log = next(u for u in st.units if u["code"] == "LOG")
    AdminState.new_user.fn(st)
    AdminState.save_user.fn(
        st,
        {"username": "x", "full_name": "", "email": "no", "password": "corta", "unit_id": log["id"], "role": "officer"},
    )
    assert st.errors["user_username"] and st.errors["user_full_name"] and st.errors["user_email"]
    assert st.errors["user_password"] and st.form == "user"
    AdminState.save_user.fn(
        st,
        {
            "username": "luis.rojas",
            "full_name": "Luis Rojas Vela",
            "email": "lrojas@jne.gob.pe",
            "password": "clave-inicial-2026",
            "unit_id": log["id"],
            "role": "officer",
        },
    )
    assert "creado" in st.notice
    new = next(u for u in st.users if u["username"] == "luis.rojas")
    assert new["roles"] == "Servidor(a) — LOG" and new["status"] == "Activo"
    # Memberships: add head of LOG, save.
    AdminState.open_memberships.fn(st, new["id"])
    assert [r["role"] for r in st.m_rows] == ["officer"]
    AdminState.add_membership_row.fn(st, {"unit_id": log["id"], "role": "head"})
    AdminState.add_membership_row.fn(st, {"unit_id": log["id"], "role": "head"})
    assert "ya están" in st.errors["mem_memberships"] and len(st.m_rows) == 2
    AdminState.add_membership_row.fn(st, {"unit_id": "999999", "role": "head"})
    assert len(st.m_rows) == 2
    AdminState.remove_membership_row.fn(st, 0)
    AdminState.save_memberships.fn(st)
    assert next(u for u in st.users if u["username"] == "luis.rojas")["roles"] == "Jefe(a) de unidad — LOG"
    # Password reset, then deactivation ends the user's session.
    token = _login("luis.rojas", "clave-inicial-2026")
    AdminState.open_password.fn(st, new["id"])
    AdminState.save_password.fn(st, {"password": "nueva-clave-2026", "confirm": "otra"})
    assert "no coinciden" in st.errors["pwd_confirm"]
    AdminState.save_password.fn(st, {"password": "nueva-clave-2026", "confirm": "nueva-clave-2026"})
    assert st.form == "" and _login("luis.rojas", "nueva-clave-2026")
    AdminState.set_user_active.fn(st, new["id"], False)
    assert next(u for u in st.users if u["username"] == "luis.rojas")["status"] == "Inactivo"
    with db.session() as s, pytest.raises(Exception):
        auth.resolve(s, token)
    # The admin cannot remove their own admin role (the only admin).
    me = next(u for u in st.users if u["username"] == "admin")
    AdminState.open_memberships.fn(st, me["id"])
    AdminState.remove_membership_row.fn(st, 0)
    AdminState.add_membership_row.fn(st, {"unit_id": sg["id"], "role": "officer"})
    AdminState.save_memberships.fn(st)
    assert "único administrador" in st.errors["mem_memberships"]
    AdminState.set_user_active.fn(st, me["id"], False)
    assert "propia cuenta" in st.notice and "propia cuenta" in st.errors["users_general"]


def test_admin_sees_a_locked_account_and_unlocks_it(admin_state):
    st = admin_state
    ratelimit.tune("login-account", limit="2/hour")
    ratelimit.tune("login-source", free=0)
    for _ in range(2):
        with pytest.raises(NotAuthenticated), db.write_session() as s:
            auth.login(s, username="rop", password="equivocada", ip="203.0.113.9")
    AdminState.load.fn(st)  # the list as the admin opens the page
    rop = next(u for u in st.users if u["username"] == "rop")
    assert rop["locked"].startswith("Bloqueada para equipos nuevos hasta ")
    assert all(u["locked"] == "" for u in st.users if u["username"] != "rop")
    AdminState.unlock_user.fn(st, rop["id"])
    assert "desbloqueada" in st.notice
    assert next(u for u in st.users if u["username"] == "rop")["locked"] == ""
    assert _login("rop")  # from any address again
    with db.session() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "desbloquear_cuenta")).one()


def test_admin_edits_a_procedure_with_field_lines(admin_state):
    st = admin_state
    proc = next(p for p in st.procedures if p["code"] == "REN-OP")
    AdminState.edit_procedure.fn(st, proc["id"])
    assert st.f_fields.startswith("organizacion | Organización política a la que renuncia | obligatorio")
    form = {
        "name": "Renuncia a organización política",
        "description": "d",
        "category": "administrativo",
        "unit_id": str(next(u for u in st.units if u["code"] == "ROP")["id"]),
        "deadline_days": "400",
        "public": "on",
        "fields": "Organización | X",
        "required_annexes": "Copia de DNI",
    }
    AdminState.save_procedure.fn(st, form)
    assert "minúscula" in st.errors["proc_fields"]
    AdminState.save_procedure.fn(st, {**form, "fields": "organizacion | Organización | obligatorio"})
    assert "entre 1 y 365" in st.errors["proc_deadline_days"]
    AdminState.save_procedure.fn(
        st, {**form, "fields": "organizacion | Organización | obligatorio", "deadline_days": "7"}
    )
    assert st.form == ""
    with db.session() as s:
        p = s.exec(select(Procedure).where(Procedure.code == "REN-OP")).one()
    # "active" was not ticked: a browser sends nothing for an unticked checkbox.
    assert (p.deadline_days, p.public, p.active, p.required_annexes) == (7, True, False, ["Copia de DNI"])


def test_admin_adds_and_removes_non_working_days(admin_state):
    st = admin_state
    AdminState.add_day.fn(st, {"day": "2026-07-27", "reason": "Día no laborable compensable"})
    assert "registrado" in st.notice
    assert st.days == [{"day": "2026-07-27", "label": "Lunes 27/07/2026", "reason": "Día no laborable compensable"}]
    AdminState.add_day.fn(st, {"day": "2026-07-27", "reason": "Otra vez"})
    assert "ya está registrado" in st.errors["day_day"]
    AdminState.remove_day.fn(st, "2026-07-27")
    assert st.days == []


def test_an_admin_demoted_after_loading_is_refused_at_the_next_click(admin_state):
    """The role is checked by the handler guard on every call, not remembered from ``load``."""
    st = admin_state
    assert st.users
    with db.write_session() as s:
        me = s.exec(select(User).where(User.username == "admin")).one()
        sg = s.exec(select(Unit).where(Unit.code == "SG")).one()
        s.add(Membership(user_id=me.id, unit_id=sg.id, role="officer"))
        for m in s.exec(select(Membership).where(Membership.user_id == me.id, Membership.role == "admin")).all():
            s.delete(m)
    before = _snapshot()
    AdminState.new_user.fn(st)
    assert NO_PERMISSION in st.notice and st.denied
    _assert_shows_nothing(st)
    assert AdminState.load.fn(st) is None and st.denied and not st.allowed
    assert _snapshot() == before


def test_a_notice_stays_until_dismissed_or_the_next_act(admin_state):
    """The message after an act is state (state/notice.py), not a toast: it stays on screen until
    the person closes it or does something else."""
    st = admin_state
    AdminState.add_day.fn(st, {"day": "2026-07-28", "reason": "Fiestas Patrias"})
    assert "registrado" in st.notice and st.notice_kind == "ok"
    AdminState.dismiss_notice.fn(st)
    assert st.notice == "" and st.notice_kind == ""
    AdminState.remove_day.fn(st, "2026-07-28")
    assert st.notice
    AdminState.set_tab.fn(st, "usuarios")  # the next act clears it
    assert st.notice == ""
