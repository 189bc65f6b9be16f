"""The bell: what arrived and is not received, my drafts returned (until resent or discarded), what
is due today, and what waits for my signature; each item names its case; reading writes nothing."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import bell, drafting, intake, routing, signing
from sgd_app.domain.models import AuditEvent, Expediente, Unit
from tests.conftest import make_pdf
from tests.unit.test_drafting import _doc, _draft, _send, _step, _who, world  # noqa: F401


def _bell(w, who):
    return bell.bell(who, today=drafting.today(), engine=w["e"])


def _kinds(b) -> list[tuple[str, str]]:
    return [(i.kind, i.number) for i in b.items]


def test_an_arrived_case_shows_until_it_is_received(world):  # noqa: F811
    w = world
    e = w["e"]
    with db.write_session(e) as s:
        case = intake.file_case(
            s,
            w["store"],
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="40000001", name="Juan Pérez", email="j@example.pe", phone="987654321"
            ),
            subject="Otra constancia",
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        ).case
    rop = w["rop"]
    with db.session(e) as s:
        log_id = s.exec(select(Unit.id).where(Unit.code == "LOG")).one()
    for fn, kw in ((routing.receive, {}), (routing.derive, {"to_unit_id": log_id})):
        with db.write_session(e) as s:
            version = s.exec(select(Expediente.version).where(Expediente.id == case.id)).one()
            fn(s, who=rop, number=case.number, version=version, **kw)
    tes = _who(e, "tesoreria")  # (signing in is recorded: before counting)
    with db.session(e) as s:
        events_before = len(s.exec(select(AuditEvent.seq)).all())
    got = _bell(w, w["log"])
    assert ("llegado", case.number) in _kinds(got) and got.count >= 1
    assert any("Otra constancia" in i.text for i in got.items)
    assert ("llegado", case.number) not in _kinds(_bell(w, tes))  # not another unit's
    with db.session(e) as s:
        assert len(s.exec(select(AuditEvent.seq)).all()) == events_before  # a read: nothing recorded
    with db.write_session(e) as s:
        version = s.exec(select(Expediente.version).where(Expediente.id == case.id)).one()
        routing.receive(s, who=w["log"], number=case.number, version=version)
    assert ("llegado", case.number) not in _kinds(_bell(w, w["log"]))


def test_signature_waiting_then_returned_draft_until_corrected(world):  # noqa: F811
    w = world
    doc_id = _draft(w)
    assert ("por_firmar", w["number"]) not in _kinds(_bell(w, w["jefe"]))
    _send(w, doc_id, [])
    got = _bell(w, w["jefe"])
    assert ("por_firmar", w["number"]) in _kinds(got)
    assert any(i.text.startswith("Firma: «") for i in got.items)
    with db.write_session(w["e"]) as s:
        signing.reject(s, who=w["jefe"], step_id=_step(w, w["jefe"], doc_id), comment="Falta el número de la multa")
    assert ("por_firmar", w["number"]) not in _kinds(_bell(w, w["jefe"]))
    mine = _bell(w, w["log"])
    returned = [i for i in mine.items if i.kind == "devuelto"]
    assert [i.number for i in returned] == [w["number"]]
    assert "Falta el número de la multa" in returned[0].text
    with db.write_session(w["e"]) as s:
        drafting.update_draft(
            s,
            who=w["log"],
            doc_id=doc_id,
            version=_doc(w, doc_id).version,
            subject="Atención de la constancia (corregida)",
            body="Se remite el informe con la multa MULTA-1.",
            recipients="Jefatura de Logística",
        )
    assert [i.kind for i in _bell(w, w["log"]).items].count("devuelto") == 1  # still to send again
    with db.write_session(w["e"]) as s:
        drafting.discard_draft(s, who=w["log"], doc_id=doc_id, version=_doc(w, doc_id).version)
    assert not [i for i in _bell(w, w["log"]).items if i.kind == "devuelto"]


def test_due_today_in_my_unit(world):  # noqa: F811
    w = world
    assert ("vence_hoy", w["number"]) not in _kinds(_bell(w, w["log"]))
    with db.write_session(w["e"]) as s:
        s.exec(update(Expediente).where(Expediente.number == w["number"]).values(current_due_on=drafting.today()))
    got = _bell(w, w["log"])
    assert ("vence_hoy", w["number"]) in _kinds(got)
    assert ("vence_hoy", w["number"]) not in _kinds(_bell(w, _who(w["e"], "tesoreria")))
