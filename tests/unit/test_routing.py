"""Routing: every action allowed and refused by status, role and unit; deadlines and the traffic
light; delegation; two officials acting at once; inbox tabs and their scoping."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import audit, auth, intake, routing
from sgd_app.domain.calendar import BusinessCalendar
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.models import Delegation, Document, Expediente, Movement, Note, Unit
from tests.conftest import make_pdf, principal, unit_by_code

PW = "clave-demo-123"


_who = principal


_unit = unit_by_code


def _file(engine, store, code="CONST-AF", **kw):
    with db.write_session(engine) as s:
        return intake.file_case(
            s,
            store,
            procedure_code=code,
            filer=intake.FilerInput(
                doc_type="DNI",
                doc_number="45678912",
                name="Rosa Ñahui",
                kind="ciudadano",
                email="rosa@example.pe",
                phone="987654321",
            ),
            subject="Constancia de afiliación",
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
            **kw,
        ).case


def _case(engine, number) -> Expediente:
    with db.session(engine) as s:
        return s.exec(select(Expediente).where(Expediente.number == number)).one()


def _act(engine, fn, who, number, **kw):
    version = _case(engine, number).version
    with db.write_session(engine) as s:
        return fn(s, who=who, number=number, version=version, **kw)


@pytest.fixture
def world(seeded, store):
    """A case filed for ROP (Registro de Organizaciones Políticas), with the actors around it."""
    case = _file(seeded, store)
    return {
        "engine": seeded,
        "store": store,
        "number": case.number,
        "rop": _who(seeded, "rop"),
        "tes": _who(seeded, "tesoreria"),
        "log": _who(seeded, "logistica"),
        "jefe_log": _who(seeded, "jefe.logistica"),
        "gerente": _who(seeded, "gerente"),
        "mesa": _who(seeded, "mesa"),
        "admin": _who(seeded, "admin"),
    }


def test_receive_then_derive_with_copy_and_the_trail(world):
    e, n = world["engine"], world["number"]
    rop, log, tes = world["rop"], world["log"], world["tes"]
    with pytest.raises(Forbidden, match="Primero reciba"):
        _act(e, routing.derive, rop, n, to_unit_id=_unit(e, "LOG").id)
    _act(e, routing.receive, rop, n)
    case = _case(e, n)
    assert case.status == "en_tramite" and not case.awaiting_receipt
    _act(
        e,
        routing.derive,
        rop,
        n,
        to_unit_id=_unit(e, "LOG").id,
        copies=[_unit(e, "TES").id],
        instructions="Informe en 2 días",
        priority="urgente",
        due_days=2,
    )
    case = _case(e, n)
    assert case.current_unit_id == _unit(e, "LOG").id and case.awaiting_receipt and case.priority == "urgente"
    assert case.current_due_on <= case.due_on
    with db.session(e) as s:
        moves = s.exec(select(Movement).where(Movement.expediente_id == case.id).order_by(Movement.id)).all()
        assert [m.action for m in moves] == ["derivar", "derivar", "copia"]
        assert moves[0].received_at is not None and moves[0].received_by_id == rop.user.id
        assert moves[2].to_unit_id == _unit(e, "TES").id
        events = s.exec(
            select(audit.AuditEvent).where(audit.AuditEvent.object_id == n).order_by(audit.AuditEvent.seq)
        ).all()
        assert [ev.action for ev in events] == ["registrar", "recibir", "derivar"]
        assert audit.verify(s).ok
    # ROP sent it: it still sees it (Enviados) but can no longer act on it.
    with db.session(e) as s:
        assert routing.get_case(s, rop, n)
        assert routing.allowed_actions(rop, _case(e, n)) == set()
        sent = routing.inbox(s, rop, tab="enviados")
        assert [r.number for r in sent.rows] == [n]
        # The copy recipient sees it under Copias and cannot act on it.
        copies = routing.inbox(s, tes, tab="copias")
        assert [r.number for r in copies.rows] == [n] and copies.counts["copias"] == 1
        assert routing.inbox(s, tes, tab="por_recibir").total == 0
        pending = routing.inbox(s, log, tab="por_recibir")
        assert [r.number for r in pending.rows] == [n]
    for fn, kw in (
        (routing.receive, {}),
        (routing.add_note, {"text": "Yo también opino"}),
        (routing.derive, {"to_unit_id": _unit(e, "CONT").id}),
    ):
        with pytest.raises(Forbidden, match="copias son solo para conocimiento"):
            _act(e, fn, tes, n, **kw)


def test_other_units_cannot_see_or_act(world):
    e, n, tes = world["engine"], world["number"], world["tes"]
    with db.session(e) as s:
        with pytest.raises(NotFound):
            routing.get_case(s, tes, n)
        with pytest.raises(NotFound):
            routing.case_view(s, tes, n)
        for tab in routing.TABS:
            page = routing.inbox(s, tes, tab=tab)
            assert n not in [r.number for r in page.rows] and page.total == 0
        doc_id = s.exec(select(Document.id)).first()
        with pytest.raises(NotFound):
            routing.document_for(s, tes, doc_id)
    with pytest.raises(NotFound):
        _act(e, routing.receive, tes, n)
    # The admin role alone gives no access to cases.
    with db.session(e) as s, pytest.raises(NotFound):
        routing.get_case(s, world["admin"], n)


def test_manager_sees_cases_of_units_below(world):
    e, rop = world["engine"], world["rop"]
    n = world["number"]
    _act(e, routing.receive, rop, n)
    _act(e, routing.derive, rop, n, to_unit_id=_unit(e, "TES").id)
    with db.session(e) as s:
        view = routing.case_view(s, world["gerente"], n)  # DGRS manager, TES is below DGRS
        assert view.unit == "Tesorería"
        assert view.actions == set()  # managers supervise; they do not act


def test_return_archive_attend_accumulate_by_role_and_status(world):
    e, store, rop = world["engine"], world["store"], world["rop"]
    n = world["number"]
    _act(e, routing.receive, rop, n)
    with pytest.raises(InvalidInput, match="motivo"):
        _act(e, routing.return_case, rop, n, reason="")
    _act(e, routing.return_case, rop, n, reason="Corresponde a otra unidad")
    assert _case(e, n).current_unit_id == _unit(e, "MP").id  # first step came from the desk
    mesa = world["mesa"]
    _act(e, routing.receive, mesa, n)
    _act(e, routing.derive, mesa, n, to_unit_id=_unit(e, "LOG").id)
    log, jefe = world["log"], world["jefe_log"]
    _act(e, routing.receive, log, n)
    with pytest.raises(Forbidden, match="rol"):
        _act(e, routing.archive, log, n, reason="No corresponde")  # officers cannot archive
    _act(e, routing.attend, log, n, summary="Se emitió la constancia solicitada")
    case = _case(e, n)
    assert case.status == "atendido" and case.closed_at is not None
    for fn, kw in (
        (routing.derive, {"to_unit_id": _unit(e, "TES").id}),
        (routing.add_note, {"text": "x y"}),
        (routing.archive, {"reason": "Ya atendido"}),
    ):
        with pytest.raises(Forbidden, match="atendido"):
            _act(e, fn, jefe, n, **kw)
    # Accumulate: a head joins a second case into an open one of the same unit.
    other = _file(e, store).number
    third = _file(e, store).number
    for num in (other, third):
        _act(e, routing.receive, rop, num)
        _act(e, routing.derive, rop, num, to_unit_id=_unit(e, "LOG").id)
        _act(e, routing.receive, log, num)
    with pytest.raises(InvalidInput, match=r"misma unidad|no encontramos|No encontramos"):
        _act(e, routing.accumulate, jefe, other, into_number=n)  # n is closed
    _act(e, routing.accumulate, jefe, other, into_number=third)
    acc = _case(e, other)
    assert acc.status == "acumulado" and acc.accumulated_into_id == _case(e, third).id
    _act(e, routing.archive, jefe, third, reason="Desistimiento del administrado")
    assert _case(e, third).status == "archivado"


def test_derive_validation(world):
    e, rop, n = world["engine"], world["rop"], world["number"]
    _act(e, routing.receive, rop, n)
    with pytest.raises(InvalidInputs) as err:
        _act(e, routing.derive, rop, n, to_unit_id=999999, priority="ya", due_days=90)
    assert set(err.value.errors) == {"to_unit", "priority", "due_days"}
    with pytest.raises(InvalidInputs) as err:
        _act(e, routing.derive, rop, n, to_unit_id=_unit(e, "TES").id, to_user_id=world["log"].user.id)
    assert "no trabaja en esa unidad" in err.value.errors["to_user"]
    with pytest.raises(InvalidInputs) as err:
        _act(e, routing.derive, rop, n, to_unit_id=_unit(e, "ROP").id)
    assert "otra unidad" in err.value.errors["to_unit"]
    with db.write_session(e) as s:
        u = s.exec(select(Unit).where(Unit.code == "ENEC")).one()
        u.active = False
        s.add(u)
    with pytest.raises(InvalidInputs) as err:
        _act(e, routing.derive, rop, n, to_unit_id=_unit(e, "ENEC").id)
    assert "activa" in err.value.errors["to_unit"]
    assert _case(e, n).current_unit_id == _unit(e, "ROP").id


def test_derive_to_an_official_and_step_deadline(world):
    e, rop, n = world["engine"], world["rop"], world["number"]
    _act(e, routing.receive, rop, n)
    log = _unit(e, "LOG")
    _act(e, routing.derive, rop, n, to_unit_id=log.id, to_user_id=world["log"].user.id, due_days=1)
    case = _case(e, n)
    assert case.current_user_id == world["log"].user.id
    cal = BusinessCalendar()
    assert case.current_due_on == min(cal.add_business_days(routing.today_lima(), 1), case.due_on)


def test_two_officials_at_the_same_moment_one_wins(world):
    e, n = world["engine"], world["number"]
    stale = _case(e, n).version
    with db.write_session(e) as s:
        routing.receive(s, who=world["rop"], number=n, version=stale)
    with pytest.raises(Conflict, match="Otro usuario"), db.write_session(e) as s:
        routing.receive(s, who=world["rop"], number=n, version=stale)
    fresh = _case(e, n).version
    assert fresh == stale + 1
    with pytest.raises(Conflict), db.write_session(e) as s:
        routing.add_note(s, who=world["rop"], number=n, version=stale, text="nota vieja")
    with db.session(e) as s:
        assert s.exec(select(Note)).all() == []


def test_notes_priority_and_annex(world):
    e, store, rop, n = world["engine"], world["store"], world["rop"], world["number"]
    _act(e, routing.receive, rop, n)
    _act(e, routing.add_note, rop, n, text="Verificar padrón de afiliados")
    _act(e, routing.set_priority, rop, n, priority="muy_urgente")
    annex = make_pdf(3, "Informe")
    version = _case(e, n).version
    with db.write_session(e) as s:
        routing.add_annex(s, store, who=rop, number=n, version=version, filename="informe.pdf", data=annex)
    with pytest.raises(InvalidInput, match="PDF"), db.write_session(e) as s:
        routing.add_annex(
            s, store, who=rop, number=n, version=_case(e, n).version, filename="x.pdf", data=b"no soy un pdf"
        )
    with db.session(e) as s:
        view = routing.case_view(s, rop, n)
    assert [x["text"] for x in view.notes] == ["Verificar padrón de afiliados"]
    assert view.case.priority == "muy_urgente"
    assert view.case.folios == 1 + 3
    assert [d["filename"] for d in view.documents][-1] == "informe.pdf"
    assert [t["action"] for t in view.timeline] == ["derivar", "prioridad", "anexo"]


def test_delegation_lets_the_delegate_act_for_the_head_within_dates(world):
    e, store = world["engine"], world["store"]
    jefe, log = world["jefe_log"], world["log"]
    log_unit = _unit(e, "LOG")
    today = routing.today_lima()
    with pytest.raises(Forbidden), db.write_session(e) as s:
        routing.delegate(s, who=log, unit_id=log_unit.id, to_user_id=jefe.user.id, starts_on=today, ends_on=today)
    with pytest.raises(InvalidInputs), db.write_session(e) as s:
        routing.delegate(
            s, who=jefe, unit_id=log_unit.id, to_user_id=world["tes"].user.id, starts_on=today, ends_on=today
        )
    with db.write_session(e) as s:
        routing.delegate(
            s, who=jefe, unit_id=log_unit.id, to_user_id=log.user.id, starts_on=today, ends_on=today + timedelta(days=7)
        )
    delegate = _who(e, "logistica")
    assert delegate.delegated == {log_unit.id: jefe.user.id}
    n = _file(e, store).number
    rop = world["rop"]
    _act(e, routing.receive, rop, n)
    _act(e, routing.derive, rop, n, to_unit_id=log_unit.id)
    _act(e, routing.receive, delegate, n)
    _act(e, routing.archive, delegate, n, reason="Archivo por encargo del jefe")
    with db.session(e) as s:
        view = routing.case_view(s, delegate, n)
        last = view.timeline[-1]
        assert last["action"] == "archivar" and "por encargo de Ana Torres Delgado" in last["by"]
        ev = s.exec(select(audit.AuditEvent).where(audit.AuditEvent.action == "archivar")).one()
        assert f'"en_nombre_de":"user:{jefe.user.id}"' in ev.data
    # Outside the date range the delegation gives nothing.
    with db.session(e) as s:
        assert auth.delegations_in_force(s, log.user.id, today=today + timedelta(days=8)) == {}
        assert auth.delegations_in_force(s, log.user.id, today=today - timedelta(days=1)) == {}
    with db.write_session(e) as s:
        d = s.exec(select(Delegation)).one()
        routing.revoke_delegation(s, who=jefe, delegation_id=d.id)
    assert _who(e, "logistica").delegated == {}


def test_traffic_light():
    cal = BusinessCalendar()
    mon = date(2026, 11, 30)
    assert routing.traffic_light(cal, mon, date(2026, 11, 27))[0] == "red"
    assert routing.traffic_light(cal, mon, mon) == ("amber", "Vence hoy")
    assert routing.traffic_light(cal, mon, date(2026, 12, 2)) == ("amber", "Vence en 2 día(s) hábil(es)")
    assert routing.traffic_light(cal, mon, date(2026, 12, 3))[0] == "green"
    # 8-9 Dec are holidays: from Fri 4 Dec, Thu 10 Dec is only 2 business days away.
    assert routing.traffic_light(cal, date(2026, 12, 4), date(2026, 12, 10))[0] == "amber"
    assert routing.traffic_light(cal, mon, None) == ("gray", "Sin plazo")


def test_inbox_tabs_filters_and_ordering(world):
    e, store, rop = world["engine"], world["store"], world["rop"]
    first = world["number"]
    second = _file(e, store).number
    with db.write_session(e) as s:
        s.exec(select(Expediente)).all()
        c = s.exec(select(Expediente).where(Expediente.number == second)).one()
        c.current_due_on = date(2026, 1, 5)  # long overdue
        s.add(c)
    with db.session(e) as s:
        page = routing.inbox(s, rop, tab="por_recibir", today=date(2026, 11, 30))
        assert [r.number for r in page.rows] == [second, first]  # soonest deadline first
        assert page.rows[0].light == "red"
        assert page.counts["por_recibir"] == 2 and page.counts["por_vencer"] >= 1
        f = routing.InboxFilters(priority="urgente")
        assert routing.inbox(s, rop, tab="por_recibir", filters=f).total == 0
        f = routing.InboxFilters(sender="Rosa")
        assert routing.inbox(s, rop, tab="por_recibir", filters=f).total == 2
        f = routing.InboxFilters(category="jurisdiccional")
        assert routing.inbox(s, rop, tab="por_recibir", filters=f).total == 0
        with pytest.raises(InvalidInput):
            routing.inbox(s, rop, tab="todo")


def test_daily_digest_lists_cases_expiring_within_one_business_day_once_per_day(world):
    from datetime import datetime

    from sgd_app import jobs
    from sgd_app.domain.models import OutboxMessage

    e, n = world["engine"], world["number"]
    with db.write_session(e) as s:
        c = s.exec(select(Expediente).where(Expediente.number == n)).one()
        c.current_due_on = date(2026, 12, 1)  # Tuesday
        s.add(c)
    monday = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    db.use_engine(e)
    try:
        assert jobs.staff_digest(e, monday) == "2 resumen(es)"  # the ROP officer and the ROP head
        assert jobs.staff_digest(e, monday) == "0 resumen(es)"  # the same day: not twice
    finally:
        db.use_engine(None)
    with db.session(e) as s:
        mails = s.exec(select(OutboxMessage)).all()
        assert sorted(m.to_addr for m in mails) == ["jefe_rop@demo.sgd.pe", "rop@demo.sgd.pe"]
        assert n in mails[0].body and "01/12/2026" in mails[0].body
        friday = routing.expiring_soon(
            s, [world["rop"].memberships[0][0].id], today=date(2026, 11, 25), calendar=BusinessCalendar()
        )
        assert friday == []  # on Wed 25 Nov a Tue 1 Dec deadline is 4 business days away


def test_labelled_fields_read_as_the_form_asked_them():
    defs = [{"name": "multa", "label": "Número de la multa"}, {"name": "sin_etiqueta"}]
    got = routing.labelled_fields(defs, {"viejo_campo": "x", "multa": "MULTA-1", "sin_etiqueta": "y", "vacio": ""})
    assert got == [("Número de la multa", "MULTA-1"), ("Sin etiqueta", "y"), ("Viejo campo", "x")]
    assert routing.labelled_fields(None, None) == []


def test_the_case_view_labels_the_procedures_own_data(seeded, store):
    case = _file(seeded, store, code="SUSP-MUL", fields={"multa": "MULTA-2026-00078"})
    tes = principal(seeded, "tesoreria")
    with db.session(seeded) as s:
        view = routing.case_view(s, tes, case.number)
    assert view.fields == [("Número de la multa o de la resolución de ejecución coactiva", "MULTA-2026-00078")]
