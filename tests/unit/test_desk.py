"""Mesa de Partes review of online filings (issue 14, item 7) and copies marked read (item 6):
where a filing lands with the flag on and off, the desk's Enviados tab, reclassifying (and its
refusals), observing and deriving from the desk; a copy's read mark per recipient."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import admin, audit, casework, routing
from sgd_app.domain.calendar import load_calendar
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from sgd_app.domain.models import Expediente, Movement, Procedure
from tests.conftest import desk_review, principal, unit_by_code
from tests.unit.test_routing import _act, _case, _file


def _proc(engine, code) -> Procedure:
    with db.session(engine) as s:
        return s.exec(select(Procedure).where(Procedure.code == code)).one()


@pytest.fixture
def desk(seeded, store):
    desk_review(seeded, True, "CONST-AF")
    return {
        "engine": seeded,
        "store": store,
        "mesa": principal(seeded, "mesa"),
        "rop": principal(seeded, "rop"),
        "dnfpe": principal(seeded, "dnfpe"),
        "tes": principal(seeded, "tesoreria"),
        "admin": principal(seeded, "admin"),
    }


def test_review_on_puts_an_online_filing_in_the_desk_inbox(desk):
    e, mesa, rop = desk["engine"], desk["mesa"], desk["rop"]
    case = _file(e, desk["store"])
    assert case.current_unit_id == unit_by_code(e, "MP").id and case.awaiting_receipt
    with db.session(e) as s:
        assert [r.number for r in routing.inbox(s, mesa, tab="por_recibir").rows] == [case.number]
        assert routing.inbox(s, rop, tab="por_recibir").total == 0
        with pytest.raises(NotFound):  # not routed yet: the unit does not even see it
            routing.get_case(s, rop, case.number)
        move = s.exec(select(Movement).where(Movement.expediente_id == case.id)).one()
        assert (move.from_unit_id, move.to_unit_id, move.actor_id) == (None, unit_by_code(e, "MP").id, None)
        assert routing.inbox(s, mesa, tab="enviados").total == 0


def test_review_off_routes_straight_to_the_unit_and_not_into_the_desk_enviados(desk):
    e, mesa, rop = desk["engine"], desk["mesa"], desk["rop"]
    case = _file(e, desk["store"], code="REN-OP", fields={"organizacion": "Partido X"})
    assert _proc(e, "REN-OP").desk_review is False
    assert case.current_unit_id == unit_by_code(e, "ROP").id
    with db.session(e) as s:
        assert [r.number for r in routing.inbox(s, rop, tab="por_recibir").rows] == [case.number]
        assert routing.inbox(s, mesa, tab="por_recibir").total == 0
        # The desk never touched it: not in its Enviados (the system routed it).
        assert routing.inbox(s, mesa, tab="enviados").total == 0


def test_paper_registered_at_the_desk_is_in_its_enviados(desk):
    e, mesa = desk["engine"], desk["mesa"]
    case = _file(e, desk["store"], channel="presencial", registered_by_id=mesa.user.id)
    assert case.current_unit_id == unit_by_code(e, "ROP").id  # review is for online filings only
    with db.session(e) as s:
        assert [r.number for r in routing.inbox(s, mesa, tab="enviados").rows] == [case.number]


def test_the_desk_reclassifies_then_derives_to_the_new_unit(desk):
    e, mesa, dnfpe = desk["engine"], desk["mesa"], desk["dnfpe"]
    case = _file(e, desk["store"])
    n = case.number
    new = _proc(e, "DEN-HV")
    with pytest.raises(Forbidden, match="Primero reciba"):
        _act(e, routing.reclassify, mesa, n, procedure_id=new.id)
    _act(e, routing.receive, mesa, n)
    with db.session(e) as s:
        assert "reclasificar" in routing.allowed_actions(mesa, _case(e, n))
        assert "observar" in routing.allowed_actions(mesa, _case(e, n))
        assert [c.id for c in routing.procedure_choices(s)].count(new.id) == 1
    with pytest.raises(InvalidInput, match="ya tiene ese procedimiento"):
        _act(e, routing.reclassify, mesa, n, procedure_id=_proc(e, "CONST-AF").id)
    with pytest.raises(InvalidInput, match="Elija un procedimiento"):
        _act(e, routing.reclassify, mesa, n, procedure_id="abc")
    got = _act(e, routing.reclassify, mesa, n, procedure_id=new.id)
    assert got.id == new.id
    after = _case(e, n)
    with db.session(e) as s:
        cal = load_calendar(s)
        assert after.procedure_id == new.id
        assert after.due_on == cal.add_business_days(after.filed_on, new.deadline_days)
        assert after.current_due_on == after.due_on
        events = s.exec(select(audit.AuditEvent).where(audit.AuditEvent.object_id == n)).all()
        ev = [x for x in events if x.action == "reclasificar"]
        assert len(ev) == 1 and '"a":"DEN-HV"' in ev[0].data and '"de":"CONST-AF"' in ev[0].data
        timeline = routing.case_view(s, mesa, n).timeline
        assert timeline[-1]["title"] == "Procedimiento corregido por mesa de partes"
        assert "Denuncias" in timeline[-1]["text"] or new.name in timeline[-1]["text"]
        assert audit.verify(s).ok
    _act(e, routing.derive, mesa, n, to_unit_id=new.unit_id, instructions="Corresponde a fiscalización")
    assert _case(e, n).current_unit_id == unit_by_code(e, "DNFPE").id
    with db.session(e) as s:
        assert [r.number for r in routing.inbox(s, dnfpe, tab="por_recibir").rows] == [n]
        assert [r.number for r in routing.inbox(s, mesa, tab="enviados").rows] == [n]  # the desk did send it
    # The case has left the desk: no more corrections, not even by the desk.
    with pytest.raises(Forbidden, match="ya salió de mesa de partes"):
        _act(e, routing.reclassify, mesa, n, procedure_id=_proc(e, "CONST-AF").id)
    # Nor by the unit that holds it now: only the desk reclassifies.
    _act(e, routing.receive, dnfpe, n)
    with pytest.raises(Forbidden, match="Solo el personal de mesa de partes"):
        _act(e, routing.reclassify, dnfpe, n, procedure_id=_proc(e, "CONST-AF").id)


def test_only_desk_staff_reclassify(desk):
    e, mesa = desk["engine"], desk["mesa"]
    n = _file(e, desk["store"]).number
    _act(e, routing.receive, mesa, n)
    version = _case(e, n).version
    for who in (desk["admin"], desk["tes"], desk["rop"]):
        with pytest.raises((Forbidden, NotFound)), db.write_session(e) as s:
            routing.reclassify(s, who=who, number=n, version=version, procedure_id=_proc(e, "DEN-HV").id)
    assert _case(e, n).procedure_id == _proc(e, "CONST-AF").id and _case(e, n).version == version


def test_the_desk_observes_a_filing_it_holds(desk):
    e, mesa = desk["engine"], desk["mesa"]
    n = _file(e, desk["store"]).number
    _act(e, routing.receive, mesa, n)
    _act(e, casework.observe, mesa, n, items=["Falta la copia del DNI"])
    case = _case(e, n)
    assert case.status == "observado" and case.current_unit_id == unit_by_code(e, "MP").id


def test_admin_turns_desk_review_on_and_off(desk):
    e, who = desk["engine"], desk["admin"]
    p = _proc(e, "REN-OP")
    with db.write_session(e) as s:
        admin.update_procedure(
            s,
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
            desk_review=True,
        )
    assert _proc(e, "REN-OP").desk_review is True
    with db.session(e) as s:
        ev = s.exec(select(audit.AuditEvent).where(audit.AuditEvent.action == "editar_procedimiento")).all()
        assert '"revision_mesa":[false,true]' in ev[-1].data
    with db.write_session(e) as s:
        proc = admin.create_procedure(
            s,
            actor=who,
            code="NUEVO-1",
            name="Nuevo trámite",
            category="administrativo",
            unit_id=p.unit_id,
            deadline_days=5,
        )
        assert proc.desk_review is True  # default on
    with pytest.raises(Forbidden), db.write_session(e) as s:
        admin.create_procedure(
            s,
            actor=desk["mesa"],
            code="NUEVO-2",
            name="X",
            category="administrativo",
            unit_id=p.unit_id,
            deadline_days=5,
            desk_review=False,
        )


# ---------------------------------------------------------------- copies marked read
def test_a_copy_recipient_marks_it_read_once(seeded, store):
    e = seeded
    rop, tes, log = principal(e, "rop"), principal(e, "tesoreria"), principal(e, "logistica")
    n = _file(e, store).number
    _act(e, routing.receive, rop, n)
    _act(e, routing.derive, rop, n, to_unit_id=unit_by_code(e, "LOG").id, copies=[unit_by_code(e, "TES").id])
    with db.session(e) as s:
        assert routing.unread_copies(s, tes, n) == 1
        assert routing.unread_copies(s, rop, n) == 0
    with pytest.raises(Forbidden, match="no recibió este expediente en copia"), db.write_session(e) as s:
        routing.mark_copy_read(s, who=log, number=n)  # the destination, not a copy recipient
    with db.write_session(e) as s:
        assert routing.mark_copy_read(s, who=tes, number=n) == 1
    with pytest.raises(Conflict, match="ya estaba marcada"), db.write_session(e) as s:
        routing.mark_copy_read(s, who=tes, number=n)
    with db.session(e) as s:
        assert routing.unread_copies(s, tes, n) == 0
        copy = s.exec(select(Movement).where(Movement.action == "copia")).one()
        assert copy.received_by_id == tes.user.id and copy.received_at is not None
        events = s.exec(select(audit.AuditEvent).where(audit.AuditEvent.action == "leer_copia")).all()
        assert len(events) == 1 and events[0].actor == tes.actor
        row = routing.inbox(s, tes, tab="copias").rows[0]
        assert row.number == n and row.read_at is not None
        entry = next(t for t in routing.case_view(s, tes, n).timeline if t["action"] == "copia")
        assert entry["received_by"] == tes.user.full_name
        # The case itself did not move: LOG still has to receive it.
        assert s.exec(select(Expediente).where(Expediente.number == n)).one().awaiting_receipt
    with pytest.raises(NotFound), db.write_session(e) as s:  # a unit that cannot see the case
        routing.mark_copy_read(s, who=principal(e, "cusco"), number=n)


def test_the_case_page_panel_of_the_desk(desk):
    e, mesa, rop = desk["engine"], desk["mesa"], desk["rop"]
    n = _file(e, desk["store"]).number
    with db.session(e) as s:
        p = routing.desk_panel(s, mesa, n)
        assert not p.may_reclassify  # not received yet
        assert p.suggested_unit_id == unit_by_code(e, "ROP").id  # derive offers the procedure's unit
        assert {c.id for c in p.choices} == {x.id for x in s.exec(select(Procedure).where(Procedure.active)).all()}
        assert p.current_procedure_id == _proc(e, "CONST-AF").id and p.unread_copies == 0
        with pytest.raises(NotFound):
            routing.desk_panel(s, rop, n)
    _act(e, routing.receive, mesa, n)
    _act(e, routing.reclassify, mesa, n, procedure_id=_proc(e, "CERT-NOT").id)
    with db.session(e) as s:
        p = routing.desk_panel(s, mesa, n)
        assert p.may_reclassify and p.suggested_unit_id == unit_by_code(e, "ENEC").id
