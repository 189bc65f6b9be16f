"""Observations (art. 136): one act, the clock stops, fixed in time keeps the filing date and
moves the deadlines, not fixed becomes "no presentado"; the casilla and its notices."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import intake, observations, ratelimit, routing
from sgd_app.domain.calendar import BusinessCalendar
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts
from sgd_app.domain.models import AuditEvent, CasillaAccount, Expediente, Notice, Observation, OutboxMessage
from tests.conftest import make_pdf, principal

PW = "clave-demo-123"
CASILLA = "https://sgd.example.pe/casilla"
FIX = "https://sgd.example.pe/seguimiento"
# Monday 30 Nov 2026, 10:00 Lima; 8-9 Dec are holidays.
MON = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


_who = principal


def _case(e, number) -> Expediente:
    with db.session(e) as s:
        return s.exec(select(Expediente).where(Expediente.number == number)).one()


@pytest.fixture
def filed(seeded, store):
    with db.write_session(seeded) as s:
        r = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="rosa@example.pe", phone="987654321"
            ),
            subject="Constancia de afiliación",
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
            received_at=datetime(2026, 11, 27, 15, 0, tzinfo=UTC),
        )  # Friday
    rop = _who(seeded, "rop")
    with db.write_session(seeded) as s:
        routing.receive(s, who=rop, number=r.case.number, version=1)
    return {"e": seeded, "store": store, "number": r.case.number, "rop": rop}


def _observe(f, now=MON, items=("Falta la copia del DNI", "Precise la organización política")):
    with db.write_session(f["e"]) as s:
        return observations.observe(
            s,
            who=f["rop"],
            number=f["number"],
            version=_case(f["e"], f["number"]).version,
            items=list(items),
            casilla_url=CASILLA,
            fix_url=FIX,
            now=now,
        )


def test_observe_stops_the_clock_notifies_and_is_made_once(filed):
    f = filed
    obs = _observe(f)
    case = _case(f["e"], f["number"])
    assert case.status == "observado"
    assert obs.observed_on == date(2026, 11, 30) and obs.deadline_on == date(2026, 12, 2)
    assert routing.allowed_actions(f["rop"], case) == set()  # cannot be routed while observed
    with db.session(f["e"]) as s:
        notices = s.exec(select(Notice).where(Notice.expediente_id == case.id)).all()
        assert [(n.kind, n.deposited_at.replace(tzinfo=UTC)) for n in notices] == [("observacion", MON)]
        mails = s.exec(select(OutboxMessage).where(OutboxMessage.to_addr == "rosa@example.pe")).all()
        assert len(mails) == 2  # the casilla alert and the observation itself
        assert any("Falta la copia del DNI" in m.body for m in mails)
        page = routing.inbox(s, f["rop"], tab="en_tramite")
        assert [r.number for r in page.rows] == [f["number"]] and page.rows[
            0
        ].light_label == "Observado: plazo detenido"
    with pytest.raises(Forbidden):
        _observe(f, items=["Otra observación más"])


def test_fixed_in_time_keeps_the_filing_date_and_moves_deadlines_by_the_stopped_days(filed):
    f = filed
    before = _case(f["e"], f["number"])
    _observe(f)
    # Fixed on Wednesday 2 Dec (the last day): 2 business days were stopped.
    with db.write_session(f["e"]) as s:
        case = s.exec(select(Expediente).where(Expediente.number == f["number"])).one()
        observations.fix(
            s,
            f["store"],
            case=case,
            note="Adjunto la copia del DNI",
            files=[intake.IncomingFile("dni.pdf", make_pdf(1, "DNI"), "anexo")],
            now=datetime(2026, 12, 2, 22, 0, tzinfo=UTC),
        )
    after = _case(f["e"], f["number"])
    cal = BusinessCalendar()
    assert after.status == "subsanado" and after.filed_on == before.filed_on == date(2026, 11, 27)
    assert after.due_on == cal.add_business_days(before.due_on, 2)
    assert after.folios == before.folios + 1
    assert "derivar" in routing.allowed_actions(f["rop"], after)  # the case resumes
    with db.session(f["e"]) as s:
        assert s.exec(select(Observation)).one().status == "subsanada"
    with pytest.raises(Conflict), db.write_session(f["e"]) as s:
        observations.fix(s, f["store"], case=after, note="Otra vez", files=[], now=MON)


def test_two_business_days_across_a_holiday_and_expiry_makes_it_not_filed(filed):
    f = filed
    # Observed Friday 4 Dec: Mon 7 is a business day, 8 and 9 are holidays -> deadline Thu 10.
    obs = _observe(f, now=datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    assert obs.deadline_on == date(2026, 12, 10)
    with db.write_session(f["e"]) as s:
        assert observations.expire_overdue(s, casilla_url=CASILLA, today=date(2026, 12, 10)) == []
    with pytest.raises(Forbidden, match="venció"), db.write_session(f["e"]) as s:
        case = s.exec(select(Expediente).where(Expediente.number == f["number"])).one()
        observations.fix(
            s, f["store"], case=case, note="Tarde", files=[], now=datetime(2026, 12, 11, 15, 0, tzinfo=UTC)
        )
    with db.write_session(f["e"]) as s:
        assert observations.expire_overdue(s, casilla_url=CASILLA, today=date(2026, 12, 11)) == [f["number"]]
    with db.write_session(f["e"]) as s:  # running the job again does nothing twice
        assert observations.expire_overdue(s, casilla_url=CASILLA, today=date(2026, 12, 12)) == []
    case = _case(f["e"], f["number"])
    assert case.status == "no_presentado" and case.closed_at is not None
    with db.session(f["e"]) as s:
        kinds = [n.kind for n in s.exec(select(Notice).order_by(Notice.id)).all()]
        assert kinds == ["observacion", "no_presentado"]
        ev = s.exec(select(AuditEvent).where(AuditEvent.action == "no_presentado")).one()
        assert "art. 136" in ev.data
        view = routing.case_view(s, f["rop"], f["number"])
        assert view.timeline[-1]["title"] == "No presentado"


def test_fix_validation(filed):
    f = filed
    _observe(f)
    case = _case(f["e"], f["number"])
    with pytest.raises(InvalidInput, match="Adjunte"), db.write_session(f["e"]) as s:
        observations.fix(s, f["store"], case=case, note="", files=[], now=MON)
    with pytest.raises(InvalidInput, match="PDF"), db.write_session(f["e"]) as s:
        observations.fix(
            s,
            f["store"],
            case=case,
            note="Adjunto",
            files=[intake.IncomingFile("x.pdf", b"no soy pdf", "anexo")],
            now=MON,
        )
    assert _case(f["e"], f["number"]).status == "observado"


def test_casilla_code_opens_it_notices_are_listed_and_reading_is_acknowledged(filed):
    f = filed
    _observe(f)
    with db.write_session(f["e"]) as s:
        code = observations.request_code(s, doc_type="DNI", doc_number="45678912", now=MON)
        assert code and len(code) == 6
        assert observations.request_code(s, doc_type="DNI", doc_number="00000000", now=MON) is None
    with db.session(f["e"]) as s:
        sent = s.exec(select(OutboxMessage).where(OutboxMessage.body.contains(code))).all()
        assert len(sent) == 1 and sent[0].to_addr == "rosa@example.pe"
        assert code not in s.exec(select(CasillaAccount)).one().code_hash  # only a hash is kept
    with pytest.raises(InvalidInput), db.write_session(f["e"]) as s:
        observations.open_casilla(s, doc_type="DNI", doc_number="45678912", code="000000", now=MON)
    with db.write_session(f["e"]) as s:
        party_id = observations.open_casilla(s, doc_type="DNI", doc_number="45678912", code=code, now=MON)
    with pytest.raises(InvalidInput):  # single use
        with db.write_session(f["e"]) as s:
            observations.open_casilla(s, doc_type="DNI", doc_number="45678912", code=code, now=MON)
    with db.write_session(f["e"]) as s:
        notices = observations.notices_of(s, party_id)
        assert [n.kind for n in notices] == ["observacion"] and notices[0].read_at is None
        observations.read_notice(s, party_id=party_id, notice_id=notices[0].id)
    with db.session(f["e"]) as s:
        assert s.exec(select(Notice)).one().read_at is not None
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "acuse_lectura")).one()


def test_casilla_code_guessing_is_limited(filed):
    f = filed
    with db.write_session(f["e"]) as s:
        observations.request_code(s, doc_type="DNI", doc_number="45678912", now=MON)
    for _ in range(observations.MAX_CODE_FAILURES):
        with pytest.raises(InvalidInput), db.write_session(f["e"]) as s:
            observations.open_casilla(s, doc_type="DNI", doc_number="45678912", code="123456", now=MON)
    with pytest.raises(TooManyAttempts), db.write_session(f["e"]) as s:
        observations.open_casilla(s, doc_type="DNI", doc_number="45678912", code="123456", now=MON)


def _codes_sent(f) -> int:
    with db.session(f["e"]) as s:
        return len(s.exec(select(OutboxMessage).where(OutboxMessage.to_addr == "rosa@example.pe")).all())


def test_wrong_codes_count_per_document_across_codes_and_lock_it_for_a_day(filed, limits_storage):
    f = filed
    assert ratelimit.rule("casilla-fail-doc").limit == "10/day"
    minute = timedelta(minutes=1)
    for n, wrong in enumerate((4, 4, 2)):  # three codes, none of them used up (5 per code)
        with db.write_session(f["e"]) as s:
            code = observations.request_code(s, doc_type="DNI", doc_number="45678912", now=MON + n * minute)
        assert code
        for _ in range(wrong):
            with pytest.raises(InvalidInput), db.write_session(f["e"]) as s:
                bad = f"{(int(code) + 1) % 10**6:06d}"
                observations.open_casilla(
                    s, doc_type="DNI", doc_number="45678912", code=bad, client_ip=f"203.0.113.{n}", now=MON + n * minute
                )
    # the tenth wrong code locked the document: even the right code of the last one is refused
    with pytest.raises(ratelimit.Limited) as e, db.write_session(f["e"]) as s:
        observations.open_casilla(s, doc_type="DNI", doc_number="45678912", code=code, now=MON + 2 * minute)
    assert e.value.message.startswith("Por seguridad, el ingreso con este documento está bloqueado")
    assert re.search(r"Intente nuevamente (mañana|hoy) a las \d\d:\d\d\.$", e.value.message)
    assert 23 * 3600 < e.value.retry_after <= 24 * 3600
    with pytest.raises(ratelimit.Limited), db.write_session(f["e"]) as s:  # and no more codes are sent
        observations.send_code(s, doc_type="DNI", doc_number="45678912", client_ip="192.0.2.1")
    with db.session(f["e"]) as s:
        locks = s.exec(select(AuditEvent).where(AuditEvent.action == "bloquear_casilla")).all()
        assert [(a.object_type, a.object_id) for a in locks] == [("documento", "DNI:45678912")]
    for _ in range(3):
        with pytest.raises(ratelimit.Limited), db.write_session(f["e"]) as s:
            observations.open_casilla(s, doc_type="DNI", doc_number="45678912", code=code, now=MON + 2 * minute)
    with db.session(f["e"]) as s:  # the refusals of one lock-out are audited once
        refusals = s.exec(select(AuditEvent).where(AuditEvent.action == "rechazar_casilla_bloqueada")).all()
        assert len(refusals) == 1


def test_a_document_without_casilla_is_locked_the_same_way(filed, limits_storage):
    f = filed
    ratelimit.tune("casilla-fail-doc", limit="3/day")
    for _ in range(3):
        with pytest.raises(InvalidInput), db.write_session(f["e"]) as s:
            observations.open_casilla(s, doc_type="DNI", doc_number="00000000", code="123456", now=MON)
    with pytest.raises(ratelimit.Limited, match="el ingreso con este documento está bloqueado"):
        with db.write_session(f["e"]) as s:
            observations.open_casilla(s, doc_type="DNI", doc_number="00000000", code="123456", now=MON)


def test_codes_sent_per_document_are_capped_per_day_without_revealing_the_casilla(filed, limits_storage):
    f = filed
    assert ratelimit.rule("casilla-code-doc").limit == "5/day"
    for doc in ("45678912", "00000000"):  # one with a casilla, one without: the same answers
        for n in range(5):
            observations.send_code(doc_type="DNI", doc_number=doc, client_ip=f"198.51.100.{n}", engine=f["e"])
        with pytest.raises(ratelimit.Limited) as e:
            observations.send_code(doc_type="DNI", doc_number=doc, client_ip="198.51.100.99", engine=f["e"])
        assert e.value.message.startswith("Por seguridad, no enviamos más códigos para este documento por hoy.")
    assert _codes_sent(f) == 1  # one code a minute at most anyway


def test_codes_sent_per_address_are_capped(filed, limits_storage):
    f = filed
    ratelimit.tune("casilla-code-ip", limit="3/day")
    for n in range(3):
        observations.send_code(doc_type="DNI", doc_number=f"4000000{n}", client_ip="198.51.100.7", engine=f["e"])
    with pytest.raises(ratelimit.Limited, match="no enviamos más códigos desde su conexión"):
        observations.send_code(doc_type="DNI", doc_number="45678912", client_ip="198.51.100.7", engine=f["e"])
    assert _codes_sent(f) == 0
    observations.send_code(doc_type="DNI", doc_number="45678912", client_ip="198.51.100.8", engine=f["e"])
    assert _codes_sent(f) == 1


def test_code_requests_are_counted_per_address_and_slowed_down(filed):
    f = filed
    ip = "198.51.100.7"
    assert observations.code_request_delay(client_ip=ip) == 0
    free = ratelimit.rule("casilla-code-ip").free
    for i in range(free):
        observations.send_code(doc_type="DNI", doc_number=f"4567891{i}", client_ip=ip, engine=f["e"])
    assert observations.code_request_delay(client_ip=ip) > 0
    assert observations.code_request_delay(client_ip="198.51.100.8") == 0


def test_one_code_a_minute_at_most_however_many_requests(filed):
    f = filed
    for _ in range(3):
        observations.send_code(doc_type="DNI", doc_number="45678912", client_ip="198.51.100.7", engine=f["e"])
    with db.session(f["e"]) as s:
        assert len(s.exec(select(OutboxMessage).where(OutboxMessage.to_addr == "rosa@example.pe")).all()) == 1


def test_an_opened_casilla_closes_after_thirty_minutes():
    assert observations.casilla_still_open(1000.0, 1000.0 + 30 * 60 - 1)
    assert not observations.casilla_still_open(1000.0, 1000.0 + 30 * 60)
    assert not observations.casilla_still_open(0.0, 1.0)


def test_a_fix_carries_at_most_five_files():
    observations.check_fix_files(observations.MAX_ANNEXES)
    with pytest.raises(InvalidInput, match="como máximo 5 archivos") as exc:
        observations.check_fix_files(observations.MAX_ANNEXES + 1)
    assert exc.value.field == "files"


def test_the_filer_sees_the_observations_and_fixes_them_by_number(filed):
    f = filed
    _observe(f)
    extras = observations.filer_extras(f["number"], engine=f["e"])
    assert extras.observations == ["Falta la copia del DNI", "Precise la organización política"]
    assert extras.can_fix and extras.deadline_on is not None and not extras.has_answer
    observations.fix_by_number(
        f["store"],
        number=f["number"],
        note="Adjunto la copia del DNI",
        files=[intake.IncomingFile("dni.pdf", make_pdf(), "anexo")],
        now=MON,
        engine=f["e"],
    )
    after = observations.filer_extras(f["number"], engine=f["e"])
    assert not after.can_fix and after.observations == []
    assert _case(f["e"], f["number"]).status == "subsanado"
    with pytest.raises(NotFound):
        observations.fix_by_number(f["store"], number="EXP-2026-999999", note="Subsano", files=[], engine=f["e"])
