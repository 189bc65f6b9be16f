"""Administration (sgd_app/domain/admin/): units as a tree, users and roles, the catalogue and
non-working days. Every change is refused to non-admins, validated per field in Spanish, and
audited in the same transaction. SQLite, and PostgreSQL when SGD_TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from sgd_app import db, seed
from sgd_app.domain import admin, audit, auth, intake, ratelimit
from sgd_app.domain.calendar import load_calendar
from sgd_app.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidInputs,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
)
from sgd_app.domain.models import AuditEvent, Expediente, Membership, NonWorkingDay, Procedure, StaffSession, Unit, User
from tests.conftest import make_pdf

PASSWORD = "clave-demo-123"
JEE = "Jurado Electoral Especial de Lima Centro 1"


# ---------------------------------------------------------------- helpers
@pytest.fixture(autouse=True)
def chain_stays_intact(seeded):
    yield
    with db.session(seeded) as s:
        report = audit.verify(s)
        assert report.ok, report


def _login(engine, username: str, password: str = PASSWORD) -> str:
    with db.write_session(engine) as s:
        return auth.login(s, username=username, password=password)


def _who(engine, username: str, password: str = PASSWORD) -> auth.Principal:
    token = _login(engine, username, password)
    with db.session(engine) as s:
        return auth.resolve(s, token)


def _unit(engine, code: str) -> Unit:
    with db.session(engine) as s:
        return s.exec(select(Unit).where(Unit.code == code)).one()


def _user(engine, username: str) -> User:
    with db.session(engine) as s:
        return s.exec(select(User).where(User.username == username)).one()


def _events(engine, action: str) -> list[AuditEvent]:
    with db.session(engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def _event_count(engine) -> int:
    with db.session(engine) as s:
        return s.exec(select(func.count()).select_from(AuditEvent)).one()


def _do(engine, fn, **kwargs):
    with db.write_session(engine) as s:
        return fn(s, **kwargs)


def _errors(engine, fn, **kwargs) -> dict[str, str]:
    """Run a call expected to be refused for bad input; return field -> message. Writes nothing."""
    before = _event_count(engine)
    with pytest.raises((InvalidInput, InvalidInputs)) as info:
        _do(engine, fn, **kwargs)
    assert _event_count(engine) == before
    exc = info.value
    return exc.errors if isinstance(exc, InvalidInputs) else {exc.field: exc.message}


def _jee(engine, who, **over):
    args = dict(
        actor=who,
        code="JEE-LC1",
        name=JEE,
        kind="temporal",
        place="Lima",
        valid_from=date(2026, 1, 15),
        valid_to=date(2026, 8, 31),
    )
    args.update(over)
    return _do(engine, admin.create_unit, **args)


# ---------------------------------------------------------------- access
def _every_call(engine):
    sg, rop_unit = _unit(engine, "SG"), _unit(engine, "ROP")
    rop_user = _user(engine, "rop")
    with db.session(engine) as s:
        proc = s.exec(select(Procedure).where(Procedure.code == "CONST-AF")).one()
    return [
        (admin.create_unit, dict(code="X1", name="X", kind="oficina")),
        (admin.update_unit, dict(unit_id=sg.id, name="X", kind="direccion")),
        (admin.close_unit, dict(unit_id=rop_unit.id)),
        (admin.reopen_unit, dict(unit_id=rop_unit.id)),
        (
            admin.create_user,
            dict(
                username="nuevo",
                full_name="N N",
                email="n@jne.gob.pe",
                password="x" * 12,
                memberships=[(sg.id, "admin")],
            ),
        ),
        (admin.set_memberships, dict(user_id=rop_user.id, memberships=[(sg.id, "admin")])),
        (admin.set_active, dict(user_id=_user(engine, "admin").id, active=False)),
        (admin.reset_password, dict(user_id=_user(engine, "admin").id, password="robada-1234567")),
        (admin.create_procedure, dict(code="P1", name="P", category="administrativo", unit_id=sg.id, deadline_days=5)),
        (
            admin.update_procedure,
            dict(
                procedure_id=proc.id,
                name="P",
                description="",
                category="administrativo",
                unit_id=sg.id,
                deadline_days=5,
                public=False,
                active=False,
                fields=[],
                required_annexes=[],
            ),
        ),
        (admin.add_non_working_day, dict(day=date(2026, 12, 24), reason="Navidad")),
        (admin.remove_non_working_day, dict(day=date(2026, 12, 24))),
    ]


@pytest.mark.parametrize("username", ["rop", "jefe.logistica", "gerente", "mesa"])
def test_every_change_is_refused_to_non_admins(seeded, username):
    who = _who(seeded, username)
    with db.write_session(seeded) as s:
        s.add(NonWorkingDay(day=date(2026, 12, 24), reason="Navidad"))
    before = _event_count(seeded)
    for fn, kwargs in _every_call(seeded):
        with pytest.raises(Forbidden) as info:
            _do(seeded, fn, actor=who, **kwargs)
        assert info.value.message.startswith("Solo un administrador puede"), fn.__name__
    assert _event_count(seeded) == before
    with db.session(seeded) as s:
        assert s.exec(select(Unit).where(Unit.code == "X1")).first() is None
        assert s.get(NonWorkingDay, date(2026, 12, 24)) is not None
        assert s.exec(select(Membership).where(Membership.user_id == _user(seeded, "rop").id)).one().role == "officer"
        assert _user(seeded, "admin").active


def test_a_deactivated_admin_principal_loses_the_admin_role_at_next_resolve(seeded):
    """The role is read fresh from the database on every request: a removed admin is refused."""
    who = _who(seeded, "admin")
    second = _do(
        seeded,
        admin.create_user,
        actor=who,
        username="admin2",
        full_name="Segunda Admin",
        email="admin2@jne.gob.pe",
        password="segunda-clave-2026",
        memberships=[(_unit(seeded, "SG").id, "admin")],
    )
    _do(seeded, admin.set_memberships, actor=who, user_id=second.id, memberships=[(_unit(seeded, "SG").id, "officer")])
    fresh = _who(seeded, "admin2", "segunda-clave-2026")
    assert not fresh.has_role("admin")
    with pytest.raises(Forbidden):
        _do(seeded, admin.create_unit, actor=fresh, code="X1", name="X", kind="oficina")


# ---------------------------------------------------------------- what the admin screen reads
@pytest.mark.parametrize("username", ["rop", "jefe.logistica", "gerente", "mesa"])
def test_the_screens_reads_are_refused_to_non_admins(seeded, username):
    """The /admin page reads through these queries (each in its own read session): an officer's
    principal gets Forbidden, never the staff list or a unit's form."""
    who = _who(seeded, username)
    sg, rop_user = _unit(seeded, "SG"), _user(seeded, "rop")
    with db.session(seeded) as s:
        proc = s.exec(select(Procedure).where(Procedure.code == "CONST-AF")).one()
    reads = [
        (admin.overview, {}),
        (admin.unit_to_edit, dict(unit_id=sg.id)),
        (admin.user_to_edit, dict(user_id=rop_user.id)),
        (admin.procedure_to_edit, dict(procedure_id=proc.id)),
    ]
    for fn, kwargs in reads:
        with pytest.raises(Forbidden) as info:
            fn(actor=who, engine=seeded, **kwargs)
        assert info.value.message.startswith("Solo un administrador puede"), fn.__name__


def test_the_overview_lists_everything_the_screen_shows(seeded):
    who = _who(seeded, "admin")
    with db.write_session(seeded) as s:
        s.add(NonWorkingDay(day=date(2026, 12, 24), reason="Navidad"))
    shown = admin.overview(actor=who, engine=seeded)
    with db.session(seeded) as s:
        assert [(u.code, d) for u, d in shown.units] == [(u.code, d) for u, d in admin.list_units_tree(s)]
        assert [r.user.username for r in shown.users] == [r.user.username for r in admin.list_users(s)]
        assert [p.code for p, _ in shown.procedures] == [p.code for p, _ in admin.list_procedures(s)]
    assert [(d.day, d.reason) for d in shown.non_working_days] == [(date(2026, 12, 24), "Navidad")]


def test_unit_to_edit_offers_no_parent_below_it_nor_a_closed_one(seeded):
    who = _who(seeded, "admin")
    sg, dgrs = _unit(seeded, "SG"), _unit(seeded, "DGRS")
    jee = _jee(seeded, who, parent_id=dgrs.id)  # outside SG's subtree, then closed
    _do(seeded, admin.close_unit, actor=who, unit_id=jee.id)
    found = admin.unit_to_edit(actor=who, unit_id=sg.id, engine=seeded)
    offered = {u.code for u, _ in found.parents}
    assert found.unit.code == "SG"
    assert "SG" not in offered and "MP" not in offered and "JEE-LC1" not in offered and "DGRS" in offered
    # A closed unit may stay under its current parent.
    assert "DGRS" in {u.code for u, _ in admin.unit_to_edit(actor=who, unit_id=jee.id, engine=seeded).parents}
    with pytest.raises(NotFound):
        admin.unit_to_edit(actor=who, unit_id="1 OR 1=1", engine=seeded)


def test_user_to_edit_and_procedure_to_edit(seeded):
    who = _who(seeded, "admin")
    found = admin.user_to_edit(actor=who, user_id=_user(seeded, "rop").id, engine=seeded)
    assert found.user.username == "rop" and [(u.code, r) for u, r in found.memberships] == [("ROP", "officer")]
    with db.session(seeded) as s:
        proc = s.exec(select(Procedure).where(Procedure.code == "REN-OP")).one()
    assert admin.procedure_to_edit(actor=who, procedure_id=str(proc.id), engine=seeded).code == "REN-OP"
    with pytest.raises(NotFound):
        admin.user_to_edit(actor=who, user_id=None, engine=seeded)
    with pytest.raises(NotFound):
        admin.procedure_to_edit(actor=who, procedure_id="999999", engine=seeded)


# ---------------------------------------------------------------- units
def test_create_temporary_unit_appears_in_the_tree_and_is_audited(seeded):
    who = _who(seeded, "admin")
    jne = _unit(seeded, "SG")
    unit = _jee(seeded, who, parent_id=jne.id)
    assert (unit.code, unit.kind, unit.active, unit.valid_to) == ("JEE-LC1", "temporal", True, date(2026, 8, 31))
    with db.session(seeded) as s:
        tree = admin.list_units_tree(s)
    codes = [(u.code, depth) for u, depth in tree]
    assert ("JEE-LC1", 1) in codes and ("SG", 0) in codes
    # parents come before their children
    pos = {code: i for i, (code, _) in enumerate(codes)}
    assert pos["SG"] < pos["JEE-LC1"] and pos["SG"] < pos["MP"] and pos["DGRS"] < pos["LOG"]
    assert len(codes) == len({c for c, _ in codes}) == 13
    ev = _events(seeded, "crear_unidad")[-1]
    assert (ev.actor, ev.object_type, ev.object_id) == (who.actor, "unit", "JEE-LC1")
    assert JEE in ev.data and "2026-08-31" in ev.data


def test_unit_code_is_normalised_to_upper_case(seeded):
    who = _who(seeded, "admin")
    unit = _do(
        seeded,
        admin.create_unit,
        actor=who,
        code=" od-pun ",
        name="Oficina Desconcentrada Puno",
        kind="od",
        place="Puno",
    )
    assert unit.code == "OD-PUN" and unit.place == "Puno" and unit.parent_id is None


@pytest.mark.parametrize(
    "over, field, words",
    [
        ({"code": "A"}, "code", "de 2 a 20"),
        ({"code": "X" * 21}, "code", "de 2 a 20"),
        ({"code": "JEE LC1"}, "code", "de 2 a 20"),
        ({"code": "JEÑ"}, "code", "de 2 a 20"),
        ({"code": ""}, "code", "Escriba el código"),
        ({"code": "ROP"}, "code", "Ya existe una unidad con el código ROP"),
        ({"name": "  "}, "name", "Escriba el nombre"),
        ({"name": "x" * 201}, "name", "máximo 200"),
        ({"kind": "comite"}, "kind", "Elija el tipo"),
        ({"place": ""}, "place", "Escriba la sede"),
        ({"valid_from": None}, "valid_from", "necesita fecha de inicio"),
        ({"valid_to": None}, "valid_to", "necesita fecha de cierre"),
        ({"valid_from": date(2026, 9, 1)}, "valid_to", "no puede ser anterior"),
        ({"valid_from": "2026-13-40"}, "valid_from", "no es una fecha válida"),
        ({"parent_id": 999999}, "parent_id", "no existe"),
        ({"parent_id": "abc"}, "parent_id", "no existe"),
    ],
)
def test_create_unit_validation(seeded, over, field, words):
    who = _who(seeded, "admin")
    errors = _errors(
        seeded,
        admin.create_unit,
        **{
            **dict(
                actor=who, code="JEE-LC1", name=JEE, kind="temporal", valid_from="2026-01-15", valid_to="2026-08-31"
            ),
            **over,
        },
    )
    assert words in errors[field], errors


def test_create_unit_reports_every_wrong_field_at_once(seeded):
    who = _who(seeded, "admin")
    errors = _errors(seeded, admin.create_unit, actor=who, code="!", name="", kind="temporal")
    assert set(errors) == {"code", "name", "valid_from", "valid_to"}


def test_update_unit_moves_renames_and_refuses_cycles(seeded):
    who = _who(seeded, "admin")
    sg, mp, dgrs = _unit(seeded, "SG"), _unit(seeded, "MP"), _unit(seeded, "DGRS")
    moved = _do(
        seeded,
        admin.update_unit,
        actor=who,
        unit_id=mp.id,
        name="Mesa de Partes Central",
        kind="oficina",
        parent_id=dgrs.id,
        place="Lima",
    )
    assert (moved.name, moved.parent_id, moved.code) == ("Mesa de Partes Central", dgrs.id, "MP")
    ev = _events(seeded, "editar_unidad")[-1]
    assert ev.object_id == "MP" and "Mesa de Partes Central" in ev.data and '"superior"' in ev.data
    # SG under one of its own dependants, or under itself: refused.
    sac = _unit(seeded, "SAC")
    assert (
        "no puede depender"
        in _errors(
            seeded, admin.update_unit, actor=who, unit_id=sg.id, name=sg.name, kind="direccion", parent_id=sac.id
        )["parent_id"]
    )
    assert (
        "no puede depender"
        in _errors(
            seeded, admin.update_unit, actor=who, unit_id=sg.id, name=sg.name, kind="direccion", parent_id=sg.id
        )["parent_id"]
    )
    # A deeper cycle: DGRS -> LOG (child of DGRS).
    log = _unit(seeded, "LOG")
    assert (
        "no puede depender"
        in _errors(
            seeded, admin.update_unit, actor=who, unit_id=dgrs.id, name=dgrs.name, kind="direccion", parent_id=log.id
        )["parent_id"]
    )
    # Changing an office into a temporary unit needs its dates.
    errors = _errors(
        seeded, admin.update_unit, actor=who, unit_id=log.id, name=log.name, kind="temporal", parent_id=dgrs.id
    )
    assert set(errors) == {"valid_from", "valid_to"}
    with pytest.raises(NotFound):
        _do(seeded, admin.update_unit, actor=who, unit_id=999999, name="X", kind="oficina")
    # Saving without changes is not an event.
    before = _event_count(seeded)
    _do(
        seeded,
        admin.update_unit,
        actor=who,
        unit_id=log.id,
        name=log.name,
        kind=log.kind,
        parent_id=log.parent_id,
        place=log.place,
    )
    _do(seeded, admin.update_procedure, **_proc_args(seeded, who))
    _do(
        seeded,
        admin.set_memberships,
        actor=who,
        user_id=_user(seeded, "rop").id,
        memberships=[(_unit(seeded, "ROP").id, "officer")],
    )
    assert _event_count(seeded) == before


def _file_case(engine, store, code="CONST-AF"):
    with db.write_session(engine) as s:
        return intake.file_case(
            s,
            store,
            procedure_code=code,
            filer=intake.FilerInput(
                doc_type="DNI",
                doc_number="45678912",
                name="María Ñahui Quispe",
                kind="ciudadano",
                email="maria@example.pe",
                phone="987654321",
            ),
            subject="Apelación",
            files=[intake.IncomingFile("solicitud.pdf", make_pdf(), "principal")],
        ).case


def test_closing_a_unit_with_open_cases_is_refused_until_they_are_finished(seeded, store):
    who = _who(seeded, "admin")
    jee = _jee(seeded, who, valid_to=date(2026, 12, 31))
    _do(
        seeded,
        admin.create_procedure,
        actor=who,
        code="JEE-APE",
        name="Apelación ante el JEE",
        category="jurisdiccional",
        unit_id=jee.id,
        deadline_days=3,
        desk_review=False,  # straight to the JEE (tests/unit/test_desk.py covers the desk's review)
    )
    case = _file_case(seeded, store, "JEE-APE")
    _file_case(seeded, store, "JEE-APE")
    assert case.current_unit_id == jee.id
    before = _event_count(seeded)
    with pytest.raises(Conflict) as info:
        _do(seeded, admin.close_unit, actor=who, unit_id=jee.id)
    assert "tiene 2 expedientes abiertos" in info.value.message and JEE in info.value.message
    assert _event_count(seeded) == before
    with db.write_session(seeded) as s:
        s.execute(update(Expediente).where(Expediente.id == case.id).values(status="archivado"))
    with pytest.raises(Conflict) as info:
        _do(seeded, admin.close_unit, actor=who, unit_id=jee.id)
    assert "tiene 1 expediente abierto." in info.value.message
    with db.write_session(seeded) as s:
        s.execute(update(Expediente).where(Expediente.current_unit_id == jee.id).values(status="atendido"))
    # No open cases left, but the catalogue still routes a procedure to the unit.
    with pytest.raises(Conflict) as info:
        _do(seeded, admin.close_unit, actor=who, unit_id=jee.id)
    assert "JEE-APE" in info.value.message
    assert _event_count(seeded) == before
    proc = _proc(seeded, "JEE-APE")
    _do(
        seeded,
        admin.update_procedure,
        actor=who,
        procedure_id=proc.id,
        name=proc.name,
        description="",
        category="jurisdiccional",
        unit_id=jee.id,
        deadline_days=3,
        public=True,
        active=False,
        fields=[],
        required_annexes=[],
    )
    closed = _do(seeded, admin.close_unit, actor=who, unit_id=jee.id)
    assert closed.active is False and closed.valid_to == date(2026, 12, 31)  # its own end date is kept
    ev = _events(seeded, "cerrar_unidad")[-1]
    assert ev.object_id == "JEE-LC1" and ev.actor == who.actor
    with pytest.raises(Conflict, match="ya está cerrada"):
        _do(seeded, admin.close_unit, actor=who, unit_id=jee.id)


def test_close_sets_today_when_no_end_date_and_reopen_clears_it(seeded):
    who = _who(seeded, "admin")
    od = _do(
        seeded, admin.create_unit, actor=who, code="ODPUN", name="Oficina Desconcentrada Puno", kind="od", place="Puno"
    )
    closed = _do(seeded, admin.close_unit, actor=who, unit_id=od.id)
    assert closed.valid_to == admin.today_lima() and not closed.active
    # Closed units stay in the tree (history), marked inactive; users cannot get new roles there.
    with db.session(seeded) as s:
        assert any(u.code == "ODPUN" and not u.active for u, _ in admin.list_units_tree(s))
    assert (
        "cerrada"
        in _errors(
            seeded,
            admin.create_user,
            actor=who,
            username="puno1",
            full_name="Pedro Puno",
            email="p@jne.gob.pe",
            password="una-clave-larga",
            memberships=[(od.id, "officer")],
        )["memberships"]
    )
    # And no new unit can hang from a closed one.
    assert (
        "cerrada"
        in _errors(seeded, admin.create_unit, actor=who, code="ODPUN-A", name="Anexo", kind="oficina", parent_id=od.id)[
            "parent_id"
        ]
    )
    opened = _do(seeded, admin.reopen_unit, actor=who, unit_id=od.id)
    assert opened.active and opened.valid_to is None
    assert [e.object_id for e in _events(seeded, "reabrir_unidad")] == ["ODPUN"]
    with pytest.raises(Conflict, match="ya está activa"):
        _do(seeded, admin.reopen_unit, actor=who, unit_id=od.id)


def test_close_refuses_units_with_active_dependants_or_procedures(seeded):
    who = _who(seeded, "admin")
    with pytest.raises(Conflict) as info:
        _do(seeded, admin.close_unit, actor=who, unit_id=_unit(seeded, "DGRS").id)
    assert "4 unidades dependientes activas" in info.value.message and "Logística" in info.value.message
    with pytest.raises(Conflict) as info:
        _do(seeded, admin.close_unit, actor=who, unit_id=_unit(seeded, "ROP").id)
    assert "CONST-AF" in info.value.message and "REN-OP" in info.value.message


def test_reopen_under_a_closed_parent_is_refused(seeded):
    who = _who(seeded, "admin")
    parent = _do(seeded, admin.create_unit, actor=who, code="PADRE", name="Padre", kind="direccion")
    child = _do(seeded, admin.create_unit, actor=who, code="HIJA", name="Hija", kind="oficina", parent_id=parent.id)
    _do(seeded, admin.close_unit, actor=who, unit_id=child.id)
    _do(seeded, admin.close_unit, actor=who, unit_id=parent.id)
    with pytest.raises(Conflict, match="Reabra primero la unidad superior Padre"):
        _do(seeded, admin.reopen_unit, actor=who, unit_id=child.id)


def test_closing_the_only_unit_with_admins_is_refused(seeded):
    who = _who(seeded, "admin")
    ti = _do(seeded, admin.create_unit, actor=who, code="TI", name="Tecnologías de la Información", kind="oficina")
    _do(seeded, admin.set_memberships, actor=who, user_id=who.user.id, memberships=[(ti.id, "admin")])
    with pytest.raises(Conflict, match="sin administrador activo"):
        _do(seeded, admin.close_unit, actor=who, unit_id=ti.id)


# ---------------------------------------------------------------- users
def test_create_user_can_sign_in_with_their_roles(seeded):
    who = _who(seeded, "admin")
    log, tes = _unit(seeded, "LOG"), _unit(seeded, "TES")
    user = _do(
        seeded,
        admin.create_user,
        actor=who,
        username=" Maria.Quispe ",
        full_name="María Quispe Rojas",
        email="MQuispe@JNE.gob.pe",
        password="clave-inicial-2026",
        memberships=[(log.id, "officer"), (str(tes.id), "head"), (log.id, "officer")],
    )
    assert user.username == "maria.quispe" and user.email == "MQuispe@jne.gob.pe"
    me = _who(seeded, "maria.quispe", "clave-inicial-2026")
    assert {(u.code, r) for u, r in me.memberships} == {("LOG", "officer"), ("TES", "head")}
    ev = _events(seeded, "crear_usuario")[-1]
    assert ev.actor == who.actor and ev.object_id == str(user.id) and "maria.quispe" in ev.data
    assert "clave-inicial-2026" not in ev.data
    with db.session(seeded) as s:
        listed = {r.user.username: r for r in admin.list_users(s)}
    assert {(u.code, r) for u, r in listed["maria.quispe"].memberships} == {("LOG", "officer"), ("TES", "head")}
    with db.session(seeded) as s:
        assert len(listed) == s.exec(select(func.count()).select_from(User)).one()


@pytest.mark.parametrize(
    "over, field, words",
    [
        ({"username": "ab"}, "username", "de 3 a 60"),
        ({"username": "1ana"}, "username", "empezar con una letra"),
        ({"username": "ana pérez"}, "username", "minúsculas"),
        ({"username": ""}, "username", "Escriba el nombre de usuario"),
        ({"username": "ROP"}, "username", "El usuario rop ya existe"),
        ({"full_name": " "}, "full_name", "Escriba los nombres"),
        ({"email": "no-es-correo"}, "email", "no es válido"),
        ({"email": ""}, "email", "Escriba el correo"),
        ({"password": "corta"}, "password", "al menos 10"),
        ({"password": "nuevo.usuario"}, "password", "igual al nombre de usuario"),
        ({"memberships": []}, "memberships", "al menos una unidad"),
        ({"memberships": [(1, "superusuario")]}, "memberships", "rol válido"),
        ({"memberships": [(999999, "officer")]}, "memberships", "no existe"),
        ({"memberships": ["x"]}, "memberships", "unidad y un rol"),
    ],
)
def test_create_user_validation(seeded, over, field, words):
    who = _who(seeded, "admin")
    base = dict(
        actor=who,
        username="nuevo.usuario",
        full_name="Nuevo Usuario",
        email="nuevo@jne.gob.pe",
        password="clave-inicial-2026",
        memberships=[(_unit(seeded, "LOG").id, "officer")],
    )
    errors = _errors(seeded, admin.create_user, **{**base, **over})
    assert words in errors[field], errors
    with db.session(seeded) as s:
        assert s.exec(select(User).where(User.username == "nuevo.usuario")).first() is None


def test_set_memberships_replaces_roles_and_is_audited(seeded):
    who = _who(seeded, "admin")
    rop = _user(seeded, "rop")
    log, rop_unit = _unit(seeded, "LOG"), _unit(seeded, "ROP")
    _do(
        seeded,
        admin.set_memberships,
        actor=who,
        user_id=rop.id,
        memberships=[(rop_unit.id, "head"), (log.id, "officer")],
    )
    me = _who(seeded, "rop")
    assert {(u.code, r) for u, r in me.memberships} == {("ROP", "head"), ("LOG", "officer")}
    ev = _events(seeded, "cambiar_roles")[-1]
    assert ev.object_id == str(rop.id) and '["ROP","officer"]' in ev.data and '["ROP","head"]' in ev.data
    assert (
        "al menos una unidad"
        in _errors(seeded, admin.set_memberships, actor=who, user_id=rop.id, memberships=[])["memberships"]
    )
    with pytest.raises(NotFound):
        _do(seeded, admin.set_memberships, actor=who, user_id=999999, memberships=[(log.id, "officer")])


def test_the_last_admin_cannot_remove_their_own_admin_role(seeded):
    who = _who(seeded, "admin")
    sg = _unit(seeded, "SG")
    errors = _errors(seeded, admin.set_memberships, actor=who, user_id=who.user.id, memberships=[(sg.id, "officer")])
    assert "único administrador activo" in errors["memberships"]
    assert _who(seeded, "admin").has_role("admin")
    # With a second admin it is allowed.
    _do(
        seeded,
        admin.create_user,
        actor=who,
        username="admin2",
        full_name="Segunda Admin",
        email="admin2@jne.gob.pe",
        password="segunda-clave-2026",
        memberships=[(sg.id, "admin")],
    )
    _do(seeded, admin.set_memberships, actor=who, user_id=who.user.id, memberships=[(sg.id, "officer")])
    assert not _who(seeded, "admin").has_role("admin")


def test_a_role_in_a_closed_unit_may_be_kept_but_not_added(seeded):
    who = _who(seeded, "admin")
    jee = _jee(seeded, who)
    log = _unit(seeded, "LOG")
    user = _do(
        seeded,
        admin.create_user,
        actor=who,
        username="jee.secretario",
        full_name="Secretario JEE",
        email="sec@jne.gob.pe",
        password="clave-jee-2026",
        memberships=[(jee.id, "officer")],
    )
    _do(seeded, admin.close_unit, actor=who, unit_id=jee.id)
    # Adding LOG while keeping the old (closed) JEE role is fine.
    _do(
        seeded,
        admin.set_memberships,
        actor=who,
        user_id=user.id,
        memberships=[(jee.id, "officer"), (log.id, "officer")],
    )
    # A new role in the closed unit is not.
    assert (
        "cerrada"
        in _errors(
            seeded,
            admin.set_memberships,
            actor=who,
            user_id=user.id,
            memberships=[(jee.id, "head"), (log.id, "officer")],
        )["memberships"]
    )


def test_deactivating_a_user_revokes_their_sessions(seeded):
    who = _who(seeded, "admin")
    rop = _user(seeded, "rop")
    t1, t2 = _login(seeded, "rop"), _login(seeded, "rop")
    _do(seeded, admin.set_active, actor=who, user_id=rop.id, active=False)
    with db.session(seeded) as s:
        for token in (t1, t2):
            with pytest.raises(NotAuthenticated):
                auth.resolve(s, token)
        rows = s.exec(select(StaffSession).where(StaffSession.user_id == rop.id)).all()
        assert rows and all(r.revoked_at is not None for r in rows)
    with pytest.raises(NotAuthenticated):
        _login(seeded, "rop")
    ev = _events(seeded, "desactivar_usuario")[-1]
    assert ev.object_id == str(rop.id) and '"sesiones_cerradas":2' in ev.data
    # Activating again lets them sign in (old sessions stay revoked).
    _do(seeded, admin.set_active, actor=who, user_id=rop.id, active=True)
    assert _who(seeded, "rop").user.username == "rop"
    with db.session(seeded) as s, pytest.raises(NotAuthenticated):
        auth.resolve(s, t1)
    assert [e.object_id for e in _events(seeded, "activar_usuario")] == [str(rop.id)]
    # Setting the same state again changes nothing and writes nothing.
    before = _event_count(seeded)
    _do(seeded, admin.set_active, actor=who, user_id=rop.id, active=True)
    assert _event_count(seeded) == before


def test_an_admin_cannot_deactivate_themselves_nor_the_last_admin(seeded):
    who = _who(seeded, "admin")
    with pytest.raises(Conflict, match="su propia cuenta"):
        _do(seeded, admin.set_active, actor=who, user_id=who.user.id, active=False)
    # A second admin whose role was just removed acts with a stale principal: the rule still holds.
    sg = _unit(seeded, "SG")
    b = _do(
        seeded,
        admin.create_user,
        actor=who,
        username="admin2",
        full_name="Segunda Admin",
        email="admin2@jne.gob.pe",
        password="segunda-clave-2026",
        memberships=[(sg.id, "admin")],
    )
    stale_b = _who(seeded, "admin2", "segunda-clave-2026")
    _do(seeded, admin.set_memberships, actor=who, user_id=b.id, memberships=[(sg.id, "officer")])
    with pytest.raises(Conflict, match="único administrador activo"):
        _do(seeded, admin.set_active, actor=stale_b, user_id=who.user.id, active=False)
    assert _user(seeded, "admin").active


def test_unlock_lifts_every_lock_out_of_the_account_and_is_audited(seeded, limits_storage):
    who = _who(seeded, "admin")
    rop = _user(seeded, "rop")
    ratelimit.tune("login-account", limit="6/hour")
    ratelimit.tune("login-source", free=0)

    def attempt(password: str, ip: str) -> str:
        with db.write_session(seeded) as s:
            return auth.login(s, username="rop", password=password, ip=ip)

    for ip in ("203.0.113.9", "203.0.113.10"):
        for _ in range(5 if ip.endswith("9") else 1):
            with pytest.raises(NotAuthenticated):
                attempt("mala-clave-1", ip)
    with pytest.raises(TooManyAttempts):
        attempt(PASSWORD, "203.0.113.9")  # that address is locked out for rop
    with pytest.raises(TooManyAttempts, match="equipo donde ya inició sesión"):
        attempt(PASSWORD, "192.0.2.1")  # and every unknown source
    assert "Bloqueada para equipos nuevos hasta" in admin.lock_notice(_user(seeded, "rop"))
    with pytest.raises(Forbidden):
        _do(seeded, admin.unlock, actor=_who(seeded, "mesa"), user_id=rop.id)

    unlocked = _do(seeded, admin.unlock, actor=who, user_id=rop.id)
    assert unlocked.lock_generation == rop.lock_generation + 1
    assert admin.lock_notice(_user(seeded, "rop")) == ""
    assert attempt(PASSWORD, "203.0.113.9") and attempt(PASSWORD, "192.0.2.1")
    ev = _events(seeded, "desbloquear_cuenta")[-1]
    assert ev.actor == f"user:{who.user.id}" and ev.object_id == str(rop.id)
    assert json.loads(ev.data) == {"usuario": "rop", "bloqueada_para_equipos_nuevos": True}
    with pytest.raises(NotFound):
        _do(seeded, admin.unlock, actor=who, user_id=99999)


def test_reset_password_changes_it_unlocks_and_ends_other_sessions(seeded):
    who = _who(seeded, "admin")
    rop = _user(seeded, "rop")
    old_token = _login(seeded, "rop")
    ratelimit.tune("login-account", limit="3/hour")
    ratelimit.tune("login-source", free=0)
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            _login(seeded, "rop", "mala-clave-1")
    assert admin.lock_notice(_user(seeded, "rop")).startswith("Bloqueada para equipos nuevos hasta ")
    _do(
        seeded, admin.reset_password, actor=who, user_id=rop.id, password="nueva-clave-2026", confirm="nueva-clave-2026"
    )
    with db.session(seeded) as s, pytest.raises(NotAuthenticated):
        auth.resolve(s, old_token)
    with pytest.raises(NotAuthenticated):
        _login(seeded, "rop", PASSWORD)
    assert _login(seeded, "rop", "nueva-clave-2026")
    assert admin.lock_notice(_user(seeded, "rop")) == ""
    ev = _events(seeded, "restablecer_clave")[-1]
    assert ev.object_id == str(rop.id) and "nueva-clave" not in ev.data
    assert (
        "no coinciden"
        in _errors(
            seeded,
            admin.reset_password,
            actor=who,
            user_id=rop.id,
            password="otra-clave-2026",
            confirm="otra-clave-2027",
        )["confirm"]
    )
    assert (
        "al menos 10" in _errors(seeded, admin.reset_password, actor=who, user_id=rop.id, password="corta")["password"]
    )
    # An admin resetting their own password keeps the session they are using.
    _do(seeded, admin.reset_password, actor=who, user_id=who.user.id, password="admin-nueva-2026")
    with db.session(seeded) as s:
        assert s.get(StaffSession, who.session_id).revoked_at is None


# ---------------------------------------------------------------- procedures
def _proc(engine, code: str) -> Procedure:
    with db.session(engine) as s:
        return s.exec(select(Procedure).where(Procedure.code == code)).one()


def _proc_args(engine, who, code="INS-ENC", **over):
    p = _proc(engine, code)
    args = dict(
        actor=who,
        procedure_id=p.id,
        name=p.name,
        description=p.description,
        category=p.category,
        unit_id=p.unit_id,
        deadline_days=p.deadline_days,
        public=p.public,
        active=p.active,
        fields=p.fields,
        required_annexes=p.required_annexes,
    )
    args.update(over)
    return args


def test_update_procedure_changes_the_catalogue_and_is_audited(seeded):
    who = _who(seeded, "admin")
    tes = _unit(seeded, "TES")
    fields = admin.parse_field_lines(
        "representante | Representante legal | obligatorio | Nombre completo\n"
        "ruc_empresa | RUC de la empresa | opcional"
    )
    p = _do(
        seeded,
        admin.update_procedure,
        **_proc_args(
            seeded,
            who,
            deadline_days="15",
            unit_id=tes.id,
            fields=fields,
            required_annexes=["Vigencia de poder", "Ficha RUC"],
            public=False,
        ),
    )
    assert (p.deadline_days, p.unit_id, p.public) == (15, tes.id, False)
    assert p.fields == [
        {"name": "representante", "label": "Representante legal", "required": True, "help": "Nombre completo"},
        {"name": "ruc_empresa", "label": "RUC de la empresa", "required": False, "help": ""},
    ]
    assert p.required_annexes == ["Vigencia de poder", "Ficha RUC"]
    with db.session(seeded) as s:
        assert "INS-ENC" not in {x.code for x in intake.public_procedures(s)}
        listed = {x.code: unit.code for x, unit in admin.list_procedures(s)}
    assert listed["INS-ENC"] == "TES" and len(listed) == len(seed.PROCEDURES)
    ev = _events(seeded, "editar_procedimiento")[-1]
    assert ev.object_id == "INS-ENC" and '"plazo":[10,15]' in ev.data and '"publico":[true,false]' in ev.data


@pytest.mark.parametrize(
    "over, field, words",
    [
        ({"deadline_days": 0}, "deadline_days", "entre 1 y 365"),
        ({"deadline_days": 366}, "deadline_days", "entre 1 y 365"),
        ({"deadline_days": "diez"}, "deadline_days", "entre 1 y 365"),
        ({"name": ""}, "name", "Escriba el nombre"),
        ({"category": "penal"}, "category", "administrativo o jurisdiccional"),
        ({"unit_id": 999999}, "unit_id", "Elija la unidad"),
        ({"description": "x" * 2001}, "description", "2000"),
        ({"fields": [{"name": "Número", "label": "N"}]}, "fields", "minúscula"),
        ({"fields": [{"name": "numero", "label": "N"}, {"name": "numero", "label": "M"}]}, "fields", "repetido"),
        ({"fields": [{"name": "numero", "label": " "}]}, "fields", "escriba la etiqueta"),
        ({"fields": "numero"}, "fields", "lista"),
        ({"fields": ["numero"]}, "fields", "formato"),
        ({"required_annexes": ["Poder", " "]}, "required_annexes", "Anexo 2"),
        ({"required_annexes": ["Poder", "Poder"]}, "required_annexes", "repetido"),
        ({"required_annexes": [f"A{i}" for i in range(11)]}, "required_annexes", "como máximo 10"),
    ],
)
def test_update_procedure_validation(seeded, over, field, words):
    who = _who(seeded, "admin")
    errors = _errors(seeded, admin.update_procedure, **_proc_args(seeded, who, **over))
    assert words in errors[field], errors
    assert _proc(seeded, "INS-ENC").deadline_days == 10


def test_procedure_cannot_point_at_a_closed_unit(seeded):
    who = _who(seeded, "admin")
    od = _do(seeded, admin.create_unit, actor=who, code="ODPUN", name="Oficina Desconcentrada Puno", kind="od")
    _do(seeded, admin.close_unit, actor=who, unit_id=od.id)
    assert "cerrada" in _errors(seeded, admin.update_procedure, **_proc_args(seeded, who, unit_id=od.id))["unit_id"]


def test_create_procedure_and_duplicate_code(seeded):
    who = _who(seeded, "admin")
    rop = _unit(seeded, "ROP")
    p = _do(
        seeded,
        admin.create_procedure,
        actor=who,
        code="insc-op",
        name="Inscripción de organización política",
        category="administrativo",
        unit_id=rop.id,
        deadline_days=30,
        required_annexes=("Acta de fundación",),
    )
    assert p.code == "INSC-OP" and p.public and p.active and p.required_annexes == ["Acta de fundación"]
    assert _events(seeded, "crear_procedimiento")[-1].object_id == "INSC-OP"
    assert (
        "Ya existe"
        in _errors(
            seeded,
            admin.create_procedure,
            actor=who,
            code="CONST-AF",
            name="X",
            category="administrativo",
            unit_id=rop.id,
            deadline_days=3,
        )["code"]
    )


def test_field_lines_parse_and_format_round_trip():
    text = "organizacion | Organización política | obligatorio | Nombre completo\nproceso | Proceso | opcional"
    fields = admin.parse_field_lines(text + "\n\n")
    assert fields[0] == {
        "name": "organizacion",
        "label": "Organización política",
        "required": True,
        "help": "Nombre completo",
    }
    assert fields[1]["required"] is False
    assert admin.format_field_lines(fields) == text
    assert admin.parse_field_lines("numero | Número") == [
        {"name": "numero", "label": "Número", "required": False, "help": ""}
    ]
    with pytest.raises(InvalidInput, match="Línea 2"):
        admin.parse_field_lines("numero | Número\nsolo-un-dato")
    with pytest.raises(InvalidInput, match=r"obligatorio.*opcional"):
        admin.parse_field_lines("numero | Número | tal vez")
    assert admin.parse_annex_lines(" Poder \n\nFicha RUC\n") == ["Poder", "Ficha RUC"]


# ---------------------------------------------------------------- non-working days
def test_non_working_days_add_remove_and_the_calendar_sees_them(seeded):
    who = _who(seeded, "admin")
    day = date(2026, 7, 27)  # a Monday
    _do(
        seeded,
        admin.add_non_working_day,
        actor=who,
        day="2026-07-27",
        reason="Día no laborable compensable (D. S. 2026)",
    )
    with db.session(seeded) as s:
        cal = load_calendar(s)
        assert not cal.is_business_day(day)
        assert [d.day for d in admin.list_non_working_days(s)] == [day]
    assert (
        "ya está registrado" in _errors(seeded, admin.add_non_working_day, actor=who, day=day, reason="Otra vez")["day"]
    )
    # Any date is allowed, a weekend too.
    _do(seeded, admin.add_non_working_day, actor=who, day=date(2026, 8, 1), reason="Sábado de prueba")
    ev = _events(seeded, "agregar_dia_no_laborable")
    assert [e.object_id for e in ev] == ["2026-07-27", "2026-08-01"] and ev[0].actor == who.actor
    _do(seeded, admin.remove_non_working_day, actor=who, day=day)
    with db.session(seeded) as s:
        assert load_calendar(s).is_business_day(day)
        assert [d.day for d in admin.list_non_working_days(s, since=date(2026, 1, 1))] == [date(2026, 8, 1)]
    assert _events(seeded, "quitar_dia_no_laborable")[-1].object_id == "2026-07-27"
    with pytest.raises(NotFound):
        _do(seeded, admin.remove_non_working_day, actor=who, day=day)
    with pytest.raises(NotFound):
        _do(seeded, admin.remove_non_working_day, actor=who, day="no-es-fecha")


@pytest.mark.parametrize(
    "day, reason, field, words",
    [
        ("", "Motivo", "day", "Elija la fecha"),
        ("2026-02-30", "Motivo", "day", "no es una fecha válida"),
        ("2026-07-27", " ", "reason", "Escriba el motivo"),
        ("2026-07-27", "x" * 201, "reason", "200"),
    ],
)
def test_non_working_day_validation(seeded, day, reason, field, words):
    who = _who(seeded, "admin")
    assert words in _errors(seeded, admin.add_non_working_day, actor=who, day=day, reason=reason)[field]
