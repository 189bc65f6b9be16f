"""What both sides see of an exchange (issue 17): the sender's plain-Spanish state of each package
(queued, sent, registered as EXP-… at <entity>, rejected with the reason, failed after the last
retry over a real loopback connection), a confirmation arriving after the case was closed (the
answer kept, the receipt kept outside the frozen file), and at the receiver the origin in the case
header, the inbox filter by channel and the dashboard's count of the channel."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from joserfc.jwk import ECKey
from sqlmodel import col, select

from sgd_app import db, settings
from sgd_app.domain import dashboards, interop, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.interop import manifest
from sgd_app.domain.models import Document, Expediente, Movement, utcnow
from tests.conftest import principal
from tests.unit.test_interop import (  # noqa: F401  (fixtures)
    RUC_A,
    RUC_B,
    _case_with_documents,
    _package,
    _signed_pdf,
    app,
    receiver,
)


def _closed_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there (connection refused)
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sent(app):  # noqa: F811
    """A package queued at A for B (B's key signs B's answers here)."""
    b_key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    interop.add_entity(actor="admin", data=interop.EntityInput(
        name="Entidad B", ruc=RUC_B, endpoint=f"http://127.0.0.1:{_closed_port()}",
        public_jwk=json.dumps(b_key.as_dict(private=False)), our_client_id="sgd-a-en-b"))  # fmt: skip
    store = FileStore(settings.files_dir())
    number, version, signed_id, _ = _case_with_documents(app, store)
    send = interop.send_to_entity(who=principal(app, "rop"), number=number, version=version, entity_ruc=RUC_B,
                                  document_ids=[signed_id], subject="Remite constancia")  # fmt: skip
    return {"number": number, "send": send, "b_key": b_key}


def _answer(sent: dict, status: str, receipt: bytes | None = None, **over) -> str:
    payload = manifest.answer_payload(
        cuo=sent["send"].cuo, status=status, receiver=(RUC_B, "Entidad B"),
        received_at=over.pop("received_at", utcnow().isoformat()),
        answered_at=utcnow().isoformat(), case_number="EXP-2026-000321",
        receipt_sha256=manifest.sha256(receipt) if receipt else "", **over)  # fmt: skip
    return manifest.sign(payload, typ=manifest.ANSWER_TYP, key=sent["b_key"])


def _case(number: str) -> Expediente:
    with db.session() as s:
        case = s.exec(select(Expediente).where(col(Expediente.number) == number)).one()
        s.expunge(case)
        return case


def _texts(number: str) -> list[str]:
    return [s["estado_texto"] for s in interop.sends_of_case(_case(number).id)]


def test_the_acknowledgement_reads_when_the_addressee_received_it_in_lima_time(sent):
    token = _answer(sent, "rechazado", received_at=datetime(2026, 12, 4, 15, 30, 5, tzinfo=UTC).isoformat())
    interop.sending.record_answer(sent["send"].id, token=token, receipt=None)
    with db.session() as s:
        steps = s.exec(
            select(Movement.instructions).where(
                col(Movement.expediente_id) == _case(sent["number"]).id, col(Movement.action) == "interop_acuse"
            )
        ).all()
    assert steps == [f"Entidad B acusó recibo (CUO {sent['send'].cuo}) el 04/12/2026 10:30:05"]


def test_the_sender_sees_registered_as_the_receivers_number_with_the_receipt_filed(sent):
    assert _texts(sent["number"]) == ["En cola de envío"]
    receipt = _signed_pdf()
    interop.sending.record_answer(sent["send"].id, token=_answer(sent, "registrado", receipt), receipt=receipt)
    assert _texts(sent["number"]) == ["Registrado como EXP-2026-000321 en Entidad B"]
    (row,) = interop.sends_of_case(_case(sent["number"]).id)
    assert row["cargo_fuera"] == ""  # filed in the case, not kept aside
    with db.session() as s:
        kinds = s.exec(select(Document.kind).where(col(Document.expediente_id) == _case(sent["number"]).id)).all()
    assert "cargo_entidad" in kinds


def test_the_sender_sees_the_rejection_with_its_reason(sent):
    token = _answer(sent, "rechazado", code="firma_invalida", reason="La firma digital de «oficio.pdf» no es válida.")
    interop.sending.record_answer(sent["send"].id, token=token, receipt=None)
    assert _texts(sent["number"]) == [
        "Rechazado por Entidad B: La firma digital de «oficio.pdf» no es válida. (firma_invalida)"
    ]


def test_a_confirmation_for_a_case_closed_meanwhile_is_kept_and_its_receipt_stays_outside_the_file(sent):
    number = sent["number"]
    rop = principal(db.engine(), "rop")
    routing.attend(who=rop, number=number, version=_case(number).version, summary="Trámite concluido")
    with db.session() as s:
        from sgd_app.domain import records

        assert records.is_frozen(s, _case(number).id)  # closed: the freeze trigger guards its documents
        docs_before = s.exec(select(Document.id).where(col(Document.expediente_id) == _case(number).id)).all()
    receipt = _signed_pdf()
    interop.sending.record_answer(sent["send"].id, token=_answer(sent, "registrado", receipt), receipt=receipt)
    case = _case(number)
    with db.session() as s:
        send = s.exec(select(interop.InteropSend).where(col(interop.InteropSend.cuo) == sent["send"].cuo)).one()
        docs_after = s.exec(select(Document.id).where(col(Document.expediente_id) == case.id)).all()
        steps = s.exec(select(Movement.action, Movement.instructions).where(col(Movement.expediente_id) == case.id)
                       .order_by(col(Movement.id))).all()  # fmt: skip
    assert (send.status, send.receiver_number) == ("registrado", "EXP-2026-000321") and send.answer
    assert docs_after == docs_before  # nothing added to the frozen file
    assert steps[-1][0] == "interop_registro" and "ya estaba cerrado" in steps[-1][1]
    (row,) = interop.sends_of_case(case.id)
    assert row["estado_texto"] == "Registrado como EXP-2026-000321 en Entidad B"
    assert row["cargo_fuera"] == manifest.sha256(receipt)
    assert FileStore(settings.files_dir()).read(row["cargo_fuera"]) == receipt  # kept, byte for byte


def test_delivery_to_an_entity_that_never_answers_ends_failed_after_the_last_retry(sent, monkeypatch):
    monkeypatch.setattr(settings, "INTEROP_MAX_ATTEMPTS", 3)
    monkeypatch.setattr(settings, "INTEROP_RETRY_SECONDS", 1)
    monkeypatch.setattr(settings, "INTEROP_RETRY_MAX_SECONDS", 2)
    monkeypatch.setattr(settings, "INTEROP_TIMEOUT_SECONDS", 5)
    number, now = sent["number"], utcnow()
    report = interop.delivery.deliver_due(now)  # a real TCP connection to 127.0.0.1: refused
    assert (report.delivered, report.retried) == (0, 1)
    assert _texts(number)[0].startswith("En cola: se reintentará (intento 1 de 3 sin respuesta: ")
    assert interop.delivery.deliver_due(now).retried == 0  # not due yet: the backoff waits
    for _ in (1, 2):
        now += timedelta(seconds=3)
        assert interop.delivery.deliver_due(now).retried == 1
    with db.session() as s:
        send = s.exec(select(interop.InteropSend)).one()
        steps = s.exec(select(Movement.action).where(col(Movement.expediente_id) == send.expediente_id)).all()
    assert (send.status, send.attempts) == ("fallido", 3) and send.last_error
    assert steps.count("interop_rechazo") == 1
    assert _texts(number)[0].startswith("No se pudo entregar a Entidad B tras 3 intentos: ")
    now += timedelta(hours=1)
    assert interop.delivery.deliver_due(now).retried == 0  # given up: never tried again


def test_the_receiver_sees_the_origin_in_the_header_the_inbox_filter_and_the_dashboard(receiver, monkeypatch):  # noqa: F811
    monkeypatch.setattr(settings, "INTEROP_PROCEDURE", "CONST-AF")  # addressed to ROP, where its staff sees it
    pdf = _signed_pdf()
    answer = interop.receive(client_id="sgd-a", token=_package(receiver, [pdf]), files=[("d1.pdf", pdf)])
    number = answer.payload["confirmacion"]["expediente"]
    case = _case(number)
    assert interop.sending.origin_of_case(case.id) == {
        "entidad": f"Entidad A (RUC {RUC_A})",
        "cuo": answer.payload["cuo"],
        "expediente_remitente": "EXP-2026-000777",
    }
    unit_id = case.current_unit_id
    desk = principal(db.engine(), "rop")
    panel = interop.send_panel(desk, number)
    assert panel.origin["cuo"] == answer.payload["cuo"]
    interop_only = routing.InboxFilters(channel="interoperabilidad")
    assert [r.number for r in routing.inbox(desk, tab="por_recibir", filters=interop_only).rows] == [number]
    assert routing.inbox(desk, tab="por_recibir", filters=routing.InboxFilters(channel="virtual")).rows == []
    with db.session() as s:
        data = dashboards.compute(s, {unit_id}, today=routing.today_lima())
    assert sum(d["interoperabilidad"] for d in data["daily"]) == 1
