"""One filing attempt, one case: a resend with the same idempotency key returns the same receipt."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from sgd_app import db
from sgd_app.domain import intake
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.intake import sealing
from sgd_app.domain.models import Document, Expediente, FilingAttempt, OutboxMessage
from tests.conftest import make_pdf

FILER = intake.FilerInput(
    doc_type="DNI", doc_number="45678912", name="María Ñahui Quispe", email="maria@example.pe", phone="987654321"
)


def _flow(engine, store, **kw):
    args = dict(
        procedure_code="CONST-AF",
        filer=FILER,
        subject="Constancia de no afiliación",
        fields={},
        files=[intake.IncomingFile("solicitud.pdf", make_pdf(2), "principal")],
        tracking_url="https://sgd.example.pe/seguimiento",
        virtual_place="Mesa de Partes Virtual — Lima, Perú",
        client_ip="10.0.0.1",
        engine=engine,
    )
    args.update(kw)
    return intake.file_case_and_seal(store, **args)


@pytest.fixture
def sealed(monkeypatch):
    numbers: list[str] = []
    monkeypatch.setattr(sealing, "seal_and_file", numbers.append)
    return numbers


def _counts(engine) -> tuple[int, int, int]:
    with db.session(engine) as s:
        return (
            s.exec(select(func.count()).select_from(Expediente)).one(),
            s.exec(select(func.count()).select_from(Document)).one(),
            s.exec(select(func.count()).select_from(OutboxMessage)).one(),
        )


def test_same_key_gives_the_same_number_and_no_second_case(seeded, store, sealed):
    key = intake.new_attempt_key()
    first = _flow(seeded, store, attempt_key=key)
    after_first = _counts(seeded)
    again = _flow(seeded, store, attempt_key=key)
    assert again.case.number == first.case.number
    assert _counts(seeded) == after_first  # no second case, document or e-mail
    # The stub files no sealed receipt, so the resend seals it (a filing whose server stopped
    # between commit and seal gets its receipt on the resend); with a filed receipt: no reseal.
    assert sealed == [first.case.number, first.case.number]
    assert first.access_key and again.access_key == ""  # the key is never shown twice
    assert [d.filename for d in again.documents] == [d.filename for d in first.documents]
    with db.session(seeded) as s:
        assert s.get(FilingAttempt, key).expediente_id == first.case.id


def test_another_key_or_no_key_files_another_case(seeded, store, sealed):
    one = _flow(seeded, store, attempt_key=intake.new_attempt_key())
    two = _flow(seeded, store, attempt_key=intake.new_attempt_key())
    three = _flow(seeded, store)
    assert len({one.case.number, two.case.number, three.case.number}) == 3


def test_a_resend_is_not_counted_against_the_limits(seeded, store, sealed, monkeypatch):
    from sgd_app.domain.intake import flows

    hits: list[str] = []
    monkeypatch.setattr(flows, "count_filing", lambda filer, ip: hits.append(ip))
    key = intake.new_attempt_key()
    _flow(seeded, store, attempt_key=key)
    _flow(seeded, store, attempt_key=key)
    assert hits == ["10.0.0.1"]


def test_a_forged_key_is_refused(seeded, store, sealed):
    with pytest.raises(InvalidInput):
        _flow(seeded, store, attempt_key="x' OR 1=1 --")
    assert _counts(seeded)[0] == 0


def test_the_key_is_unique_in_the_database(seeded, store, sealed):
    from sqlalchemy.exc import IntegrityError

    key = intake.new_attempt_key()
    first = _flow(seeded, store, attempt_key=key)
    with pytest.raises(IntegrityError), db.write_session(seeded) as s:
        s.add(FilingAttempt(key=key, expediente_id=first.case.id))
        s.flush()
