"""The front desk's named flow and its steps (domain/intake/flows.py), the upload checks and the
tracking limits: each step on its own, then file_case_and_seal end to end."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import intake, ratelimit
from sgd_app.domain.errors import Forbidden, InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.intake import sealing
from sgd_app.domain.models import Document, Expediente, OutboxMessage
from sgd_app.domain.vocabulary import Channel
from tests.conftest import make_pdf, principal

FILER = intake.FilerInput(
    doc_type="DNI", doc_number="45678912", name="María Ñahui Quispe", email="maria@example.pe", phone="987654321"
)
SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)  # Saturday 10:00 in Lima
TUESDAY = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def _flow(engine, store, **kw):
    args = dict(
        procedure_code="CONST-AF",
        filer=FILER,
        subject="Constancia de no afiliación",
        fields={},
        files=[intake.IncomingFile("solicitud.pdf", make_pdf(2), "principal")],
        tracking_url="https://sgd.example.pe/seguimiento",
        virtual_place="Mesa de Partes Virtual — Lima, Perú",
        engine=engine,
    )
    args.update(kw)
    return intake.file_case_and_seal(store, **args)


@pytest.fixture
def sealed_numbers(monkeypatch):
    """Replace the PAdES sealing step (it needs the configured database and keys)."""
    numbers: list[str] = []
    monkeypatch.setattr(sealing, "seal_and_file", numbers.append)
    return numbers


# ---------------------------------------------------------------- steps
def test_channel_for_a_clerk_is_presencial_and_online_is_virtual():
    assert intake.channel_for(7) == Channel.PRESENCIAL
    assert intake.channel_for(None) == Channel.VIRTUAL


def test_only_a_clerk_registers_paper(seeded):
    assert intake.desk_clerk_id(principal(seeded, "mesa")) > 0
    with pytest.raises(Forbidden, match="Solo el personal de mesa de partes"):
        intake.desk_clerk_id(principal(seeded, "rop"))


def test_a_failed_seal_is_logged_and_the_filing_stands(monkeypatch, caplog):
    def broken(number):
        raise RuntimeError("sin llave")

    monkeypatch.setattr(sealing, "seal_and_file", broken)
    assert intake.seal_receipt("EXP-2026-000001") is False
    assert "No se pudo sellar el cargo de EXP-2026-000001" in caplog.text
    monkeypatch.setattr(sealing, "seal_and_file", lambda number: b"%PDF")
    assert intake.seal_receipt("EXP-2026-000001") is True


def test_queue_steps_enqueue_the_confirmation_and_the_processing(seeded, store):
    with db.write_session(seeded) as s:
        result = intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=FILER,
            subject="Constancia",
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
            received_at=TUESDAY,
        )  # no tracking_url: no e-mail from the filing itself
    with db.session(seeded) as s:
        assert not s.exec(select(OutboxMessage).where(OutboxMessage.to_addr == FILER.email)).all()
    with db.write_session(seeded) as s:
        intake.queue_confirmation(
            s, result, to=FILER.email, procedure_name="Constancia", tracking_url="https://sgd.example.pe/seguimiento"
        )
        intake.queue_processing(s, result.case.id)
    with db.session(seeded) as s:
        mails = s.exec(select(OutboxMessage).where(OutboxMessage.to_addr == FILER.email)).all()
    assert len(mails) == 1 and result.case.number in mails[0].body and result.access_key in mails[0].body


def test_late_filing_note_only_on_a_non_business_day(seeded, store):
    with db.write_session(seeded) as s:
        files = [intake.IncomingFile("s.pdf", make_pdf(), "principal")]
        sat = intake.file_case(
            s, store, procedure_code="CONST-AF", filer=FILER, subject="Constancia", files=files, received_at=SATURDAY
        ).case
    with db.write_session(seeded) as s:
        tue = intake.file_case(
            s, store, procedure_code="CONST-AF", filer=FILER, subject="Constancia", files=files, received_at=TUESDAY
        ).case
    assert "Ley N° 31465" in intake.late_filing_note(sat)
    assert intake.late_filing_note(tue) == ""


# ---------------------------------------------------------------- the flow
def test_file_case_and_seal_files_seals_and_returns_what_the_filer_sees(seeded, store, sealed_numbers):
    filed = _flow(seeded, store)
    assert filed.case.number.startswith("EXP-") and filed.access_key and filed.sealed
    assert sealed_numbers == [filed.case.number]
    assert filed.place == "Mesa de Partes Virtual — Lima, Perú" and filed.unit_name
    assert [d.label for d in filed.documents] == ["Documento principal"]
    with db.session(seeded) as s:
        case = s.exec(select(Expediente).where(Expediente.number == filed.case.number)).one()
        assert case.channel == Channel.VIRTUAL and case.registered_by_id is None
        assert s.exec(select(OutboxMessage).where(OutboxMessage.to_addr == FILER.email)).first() is not None


def test_file_case_and_seal_at_the_desk_is_presencial_and_registered_by_the_clerk(seeded, store, sealed_numbers):
    clerk = intake.desk_clerk_id(principal(seeded, "mesa"))
    filed = _flow(seeded, store, clerk_id=clerk, filer=replace(FILER, email=""))
    assert filed.case.channel == Channel.PRESENCIAL and filed.case.registered_by_id == clerk
    assert filed.place.startswith("Mesa de Partes presencial — ")


def test_file_case_and_seal_refuses_and_writes_nothing(seeded, store, sealed_numbers):
    with pytest.raises(InvalidInputs) as exc:
        _flow(seeded, store, subject="x", files=[])
    assert {"subject", "principal"} <= set(exc.value.errors)
    assert sealed_numbers == []
    with db.session(seeded) as s:
        assert s.exec(select(Document)).first() is None


def test_a_failed_seal_still_returns_the_filing(seeded, store, monkeypatch):
    monkeypatch.setattr(sealing, "seal_and_file", lambda number: 1 / 0)
    filed = _flow(seeded, store)
    assert not filed.sealed and filed.case.number


# ---------------------------------------------------------------- uploads
def test_upload_refusals_one_file_at_a_time_and_the_annex_limit():
    intake.check_upload(role="principal", file_count=1, annexes_so_far=0, desk=False)
    intake.check_upload(role="principal", file_count=3, annexes_so_far=0, desk=True)  # scanned pages
    with pytest.raises(InvalidInput, match="Suba un archivo a la vez") as exc:
        intake.check_upload(role="principal", file_count=2, annexes_so_far=0, desk=False)
    assert exc.value.field == "principal"
    with pytest.raises(InvalidInput, match="Suba un archivo a la vez"):
        intake.check_upload(role="anexo", file_count=0, annexes_so_far=0, desk=True)
    with pytest.raises(InvalidInput, match=f"como máximo {intake.MAX_ANNEXES} anexos") as exc:
        intake.check_upload(role="anexo", file_count=1, annexes_so_far=intake.MAX_ANNEXES, desk=False)
    assert exc.value.field == "anexos"


def test_prepare_upload_screens_the_pdf_and_cleans_the_name():
    up = intake.prepare_upload([make_pdf(3)], filename="C:\\docs\\mi solicitud.pdf", role="principal", desk=False)
    assert up.filename == "mi solicitud.pdf" and up.screened.pages == 3
    assert not intake.needs_assembly([make_pdf()], desk=True)
    assert intake.needs_assembly([b"\xff\xd8\xff jpeg"], desk=True)
    assert not intake.needs_assembly([b"\xff\xd8\xff jpeg"], desk=False)


def test_prepare_upload_refuses_what_is_not_a_pdf_online():
    with pytest.raises(InvalidInput) as exc:
        intake.prepare_upload([b"GIF89a not a pdf"], filename="foto.gif", role="anexo", desk=False)
    assert exc.value.field == "anexos"


# ---------------------------------------------------------------- tracking limits
def test_throttle_keys_are_the_address_and_the_canonical_number():
    assert intake.throttle_keys("2026-12", "203.0.113.9") == ("203.0.113.9", "EXP-2026-000012")
    assert intake.throttle_keys(" abc ", "") == ("?", "ABC")


def test_a_wrong_key_is_counted_and_slows_the_next_lookups(seeded, store, sealed_numbers, limits_storage):
    filed = _flow(seeded, store)
    keys = intake.throttle_keys(filed.case.number, "203.0.113.9")
    assert intake.lookup_delay(keys) == 0
    for _ in range(4):
        with pytest.raises(NotFound, match="Revise ambos datos"):
            intake.track(number=filed.case.number, key="AAAA-BBBB-CCCC", keys=keys, engine=seeded)
    assert ratelimit.count("track-ip", keys[0]) == ratelimit.count("track-num", keys[1]) == 4
    assert intake.lookup_delay(keys) == 2.0  # 3 free, then 1, 2, 4... seconds
    view = intake.track(number=filed.case.number, key=filed.access_key, keys=keys, engine=seeded)
    assert view.number == filed.case.number and view.status_label == "Registrado"


def test_an_address_that_keeps_guessing_is_refused_even_the_right_pair(seeded, store, sealed_numbers, limits_storage):
    filed = _flow(seeded, store)
    ratelimit.tune("track-ip", limit="3/15 minutes")
    keys = intake.throttle_keys(filed.case.number, "203.0.113.9")
    for _ in range(3):
        with pytest.raises(NotFound):
            intake.track(number=filed.case.number, key="AAAA-BBBB-CCCC", keys=keys, engine=seeded)
    with pytest.raises(ratelimit.Limited, match="consultas fallidas desde su conexión"):
        intake.lookup_delay(keys)
    with pytest.raises(ratelimit.Limited):
        intake.track(number=filed.case.number, key=filed.access_key, keys=keys, engine=seeded)
    other = intake.throttle_keys(filed.case.number, "203.0.113.10")  # the filer elsewhere is served
    assert intake.track(number=filed.case.number, key=filed.access_key, keys=other, engine=seeded).number


def test_a_proven_number_and_key_last_thirty_minutes():
    assert intake.proof_valid(1000.0, 1000.0 + 1800)
    assert not intake.proof_valid(1000.0, 1000.0 + 1801)
    assert not intake.proof_valid(0.0, 10.0)


def test_procedure_offer_and_step_checks(seeded):
    offer = intake.procedure_offer("CONST-AF", engine=seeded)
    assert offer.name and offer.unit_name and offer.deadline_days > 0
    with pytest.raises(InvalidInput, match="Elija un trámite"):
        intake.procedure_offer("NO-EXISTE", engine=seeded)
    assert "subject" in intake.check_details(procedure_code="CONST-AF", subject="x", fields={}, engine=seeded)
    errors = intake.check_file_roles(procedure_code="CONST-AF", roles=["anexo"], engine=seeded)
    assert "principal" in errors
    public = {p.code for p in intake.offered_procedures(engine=seeded)}
    every = {p.code for p in intake.offered_procedures(public_only=False, engine=seeded)}
    assert public <= every and "CONST-AF" in public


# ---------------------------------------------------------------- filing limits
def _cases(engine) -> int:
    with db.session(engine) as s:
        return len(s.exec(select(Expediente)).all())


def test_filings_per_document_number_are_capped(seeded, store, sealed_numbers, limits_storage):
    ratelimit.tune("filing-doc", limit="2/day")
    for _ in range(2):
        _flow(seeded, store, client_ip="203.0.113.9")
    with pytest.raises(ratelimit.Limited) as e:  # from another address too: the number counts
        _flow(seeded, store, client_ip="198.51.100.1")
    assert "con este número de documento" in e.value.message and "sus datos se conservan" in e.value.message
    assert e.value.status_code == 429 and e.value.retry_after > 0
    assert _cases(seeded) == 2  # nothing of the refused filing was written
    other = replace(FILER, doc_number="40000001")
    assert _flow(seeded, store, filer=other, client_ip="198.51.100.1").case.number
    # paper registered at the desk is not limited
    clerk = intake.desk_clerk_id(principal(seeded, "mesa"))
    assert _flow(seeded, store, clerk_id=clerk).case.channel == "presencial"


def test_filings_per_address_are_capped_and_refusals_do_not_count(seeded, store, sealed_numbers, limits_storage):
    ratelimit.tune("filing-ip", limit="2/hour")
    with pytest.raises(InvalidInputs):  # a filing refused for bad input is not counted
        _flow(seeded, store, subject="", client_ip="203.0.113.9")
    for n in range(2):
        _flow(seeded, store, filer=replace(FILER, doc_number=f"4000000{n}"), client_ip="203.0.113.9")
    with pytest.raises(ratelimit.Limited, match="desde su conexión"):
        _flow(seeded, store, filer=replace(FILER, doc_number="40000009"), client_ip="203.0.113.9")
    assert _cases(seeded) == 2
    assert _flow(seeded, store, client_ip="203.0.113.10").case.number  # another address
