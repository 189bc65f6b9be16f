"""Issue 13 item 13: "¿Olvidó su clave?" — number + document of the filing send a NEW key to the
filing's e-mail; nothing is sent otherwise; every request counts against the limits."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import intake, ratelimit
from sgd_app.domain.errors import NotFound, TooManyAttempts
from sgd_app.domain.models import AuditEvent, OutboxMessage
from tests.unit.test_intake_flows import _flow, sealed_numbers  # noqa: F401  (fixture)


def _mails(engine) -> list[OutboxMessage]:
    with db.session(engine) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.subject.contains("nueva clave"))).all())


def test_matching_number_and_document_send_a_new_key_and_the_old_one_stops_working(
    seeded,
    store,
    sealed_numbers,  # noqa: F811
):
    filed = _flow(seeded, store)
    number, old_key = filed.case.number, filed.access_key
    assert intake.resend_key(number=number.lower(), doc_number="4567 8912", client_ip="1.2.3.4", engine=seeded)
    (mail,) = _mails(seeded)
    assert mail.to_addr == "maria@example.pe"
    new_key = next(line.split(": ")[1] for line in mail.body.splitlines() if "Nueva clave de acceso" in line)
    assert new_key != old_key
    keys = intake.throttle_keys(number, "1.2.3.4")
    assert intake.track(number=number, key=new_key, keys=keys, engine=seeded).number == number
    with pytest.raises(NotFound):
        intake.track(number=number, key=old_key, keys=keys, engine=seeded)
    with db.session(seeded) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "reenviar_clave")).one()
    assert event.object_id == number and new_key not in str(event.data)


@pytest.mark.parametrize(("number", "doc"), [("own", "41111111"), ("EXP-2099-999999", "45678912"), ("own", "")])
def test_a_wrong_pair_sends_nothing_and_changes_nothing(seeded, store, sealed_numbers, number, doc):  # noqa: F811
    filed = _flow(seeded, store)
    asked = filed.case.number if number == "own" else number
    assert intake.resend_key(number=asked, doc_number=doc, client_ip="1.2.3.4", engine=seeded) is False
    assert _mails(seeded) == []
    keys = intake.throttle_keys(filed.case.number, "1.2.3.4")
    assert intake.track(number=filed.case.number, key=filed.access_key, keys=keys, engine=seeded)


def test_requests_are_limited_per_case_matched_or_not(seeded, store, sealed_numbers):  # noqa: F811
    filed = _flow(seeded, store)
    number = filed.case.number
    limit = int(ratelimit.RULES["key-resend-num"].limit.split("/")[0])
    for i in range(limit):
        intake.resend_key(
            number=number, doc_number="45678912" if i == 0 else "40000000", client_ip=f"10.0.0.{i}", engine=seeded
        )
    with pytest.raises(TooManyAttempts, match="no enviamos más claves para este expediente"):
        intake.resend_key(number=number, doc_number="45678912", client_ip="10.0.1.1", engine=seeded)
    assert len(_mails(seeded)) == 1
