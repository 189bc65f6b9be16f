"""Issue 13 item 6: the confirmation e-mail carries the receipt (PDF attached at delivery), the
key, the deadline in plain words and where the answer arrives; the screen masks the address."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from sgd_app import db
from sgd_app.domain import intake, notify
from sgd_app.domain.intake import sealing
from sgd_app.domain.models import OutboxMessage
from tests.unit.test_intake_flows import _flow, sealed_numbers  # noqa: F401  (fixture)
from tests.unit.test_notify import deliver, smtp_server  # noqa: F401  (fixture)


def test_mask_email_keeps_the_first_letter_and_the_domain():
    assert notify.mask_email("maria.nahui@gmail.com") == "m***@gmail.com"
    assert notify.mask_email(" x@example.pe ") == "x***@example.pe"
    assert notify.mask_email("sin-arroba") == "***"
    assert notify.mask_email("") == "***"


def test_answer_promise_in_plain_words():
    assert notify.answer_promise(date(2026, 12, 15), 10) == (
        "Le responderemos hasta el 15 de diciembre de 2026 (10 días hábiles)."
    )
    assert notify.answer_promise(date(2027, 1, 4), 1) == "Le responderemos hasta el 4 de enero de 2027 (1 día hábil)."
    assert notify.answer_promise(None, 10) == ""
    assert notify.answer_promise(date(2026, 12, 15), 0) == ""


def test_confirmation_text_has_key_attachment_note_deadline_and_casilla():
    subject, body = notify.filing_confirmation(
        "2026-0000123",
        "ABCD-EFGH-JKLM",
        "https://x.pe/seguimiento?numero=2026-0000123",
        "Constancia",
        "lunes 30/11/2026",
        promise="Le responderemos hasta el 15 de diciembre de 2026 (10 días hábiles).",
        casilla_url="https://x.pe/casilla",
    )
    assert "2026-0000123" in subject
    assert "Clave de acceso: ABCD-EFGH-JKLM" in body
    assert notify.RECEIPT_ATTACHED in body
    assert "15 de diciembre de 2026 (10 días hábiles)" in body
    assert "casilla electrónica (https://x.pe/casilla) y a este correo" in body


def test_the_confirmation_waits_for_the_seal_without_counting_a_failure(
    seeded,
    store,
    sealed_numbers,  # noqa: F811
    smtp_server,  # noqa: F811
    monkeypatch,
):
    filed = _flow(seeded, store)  # the seal is replaced here: it never arrives
    report = deliver(seeded, smtp_server.url, attachments_for=intake.email_attachments)
    assert (report.sent, report.failed, report.pending) == (0, 0, 1)
    with db.session(seeded) as s:
        row = s.exec(select(OutboxMessage)).one()
    assert (row.status, row.attempts, row.last_error) == ("pendiente", 0, "")
    assert smtp_server.handler.messages() == []
    # Past the wait, it goes with the receipt as rendered (the filing stands without a seal).
    monkeypatch.setattr(sealing, "SEAL_WAIT_SECONDS", 0)
    report = deliver(seeded, smtp_server.url, attachments_for=intake.email_attachments, now=row.next_attempt_at)
    assert report.sent == 1
    (msg,) = smtp_server.handler.messages()
    assert [a.get_filename() for a in msg.iter_attachments()] == [f"cargo-{filed.case.number}.pdf"]


def test_the_filing_confirmation_is_delivered_with_the_receipt_pdf_attached(
    seeded,
    store,
    sealed_numbers,  # noqa: F811
    smtp_server,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(sealing, "SEAL_WAIT_SECONDS", 0)
    filed = _flow(seeded, store)
    number = filed.case.number
    assert filed.promise.startswith("Le responderemos hasta el ")
    assert "días hábiles" in filed.promise
    report = deliver(seeded, smtp_server.url, attachments_for=intake.email_attachments)
    assert report.sent == 1
    (msg,) = smtp_server.handler.messages()
    assert msg["To"] == "maria@example.pe"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert filed.access_key in text
    assert filed.promise in text
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == f"cargo-{number}.pdf"
    assert att.get_content_type() == "application/pdf"
    pdf = att.get_content()
    assert pdf.startswith(b"%PDF")
    assert filed.access_key.encode() not in pdf  # the key never goes into the receipt


def test_messages_without_a_receipt_carry_no_attachment(engine):
    assert sealing.email_attachments(engine, "aviso:17") == []
    assert sealing.email_attachments(engine, "confirmacion:2099-9999999") == []


def test_a_failing_attachment_does_not_block_the_batch(engine, smtp_server):  # noqa: F811
    with db.write_session(engine) as s:
        notify.enqueue(s, to="a@example.pe", subject="Uno", body="x", dedupe_key="confirmacion:X")
        notify.enqueue(s, to="b@example.pe", subject="Dos", body="y")

    def broken(engine, key):
        raise RuntimeError("disco lleno")

    report = deliver(engine, smtp_server.url, attachments_for=broken)
    assert (report.sent, report.failed) == (1, 1)
