"""E-mail outbox and delivery (sgd_app/domain/notify.py) against a real SMTP server (aiosmtpd).

Runs on SQLite, and on PostgreSQL too when SGD_TEST_DATABASE_URL is set (``engine`` fixture).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import notify
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import OutboxMessage

PUBLIC_URL = "https://tramite.jne.gob.pe"


# ---------------------------------------------------------------- a real SMTP server
class Collector:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.envelopes = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Collector()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=port, server_hostname="smtp.test", ready_timeout=5
        )

    @property
    def url(self) -> str:
        return smtp_url(self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def smtp_url(port: int) -> str:
    return f"smtp://127.0.0.1:{port}?timeout=3&from=mesadepartes%40jne.gob.pe"


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


# ---------------------------------------------------------------- helpers
def queue(engine, n: int, prefix: str = "Aviso") -> list[int]:
    ids = []
    with db.write_session(engine) as s:
        for i in range(n):
            m = notify.enqueue(s, to=f"persona{i}@example.pe", subject=f"{prefix} {i}", body=f"Cuerpo del mensaje {i}.")
            ids.append(m.id)
    return ids


def rows(engine) -> list[OutboxMessage]:
    with db.session(engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def deliver(engine, url: str, **kw) -> notify.DeliveryReport:
    return notify.deliver_due(engine, url, public_url=PUBLIC_URL, **kw)


# ---------------------------------------------------------------- delivery
def test_five_messages_are_delivered_once_with_spanish_text(engine, smtp_server):
    queue(engine, 4)
    subject = "Expediente 2026-0000123: observación de la señora Núñez — año 2026"
    body = "Estimada señora Núñez:\nSu solicitud tiene una observación. Añada el anexo.\n"
    with db.write_session(engine) as s:
        special = notify.enqueue(s, to="nunez@example.pe", subject=subject, body=body)

    report = deliver(engine, smtp_server.url)

    assert report == notify.DeliveryReport(sent=5, failed=0, pending=0)
    received = smtp_server.handler.messages()
    assert len(received) == 5
    by_subject = {m["subject"]: m for m in received}
    assert subject in by_subject
    msg = by_subject[subject]
    assert msg.get_content().replace("\r\n", "\n") == body  # CRLF on the wire
    assert msg["from"] == "mesadepartes@jne.gob.pe"
    assert msg["to"] == "nunez@example.pe"
    assert msg["message-id"] == f"<outbox-{special.id}@tramite.jne.gob.pe>"
    assert msg["date"]
    # the subject travels encoded (RFC 2047), not as raw 8-bit header bytes
    raw = next(e.content for e in smtp_server.handler.envelopes if b"nunez@" in e.content)
    raw_subject = next(line for line in raw.split(b"\r\n") if line.lower().startswith(b"subject:"))
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject.lower()
    assert [e.rcpt_tos for e in smtp_server.handler.envelopes if b"nunez@" in e.content] == [["nunez@example.pe"]]
    for row in rows(engine):
        assert row.status == "enviado"
        assert row.sent_at is not None and row.lease_until is None

    # nothing left: a second run sends nothing more
    assert deliver(engine, smtp_server.url) == notify.DeliveryReport(0, 0, 0)
    assert len(smtp_server.handler.envelopes) == 5


def test_smtp_down_then_up_keeps_every_message_and_sends_each_once(engine):
    port = free_port()
    url = smtp_url(port)
    queue(engine, 3, prefix="Cargo")
    t0 = datetime.now(UTC)

    report = deliver(engine, url, now=t0)  # nobody listens: connection refused

    assert report == notify.DeliveryReport(sent=0, failed=3, pending=3)
    for row in rows(engine):
        assert row.status == "pendiente"
        assert row.attempts == 1
        assert row.last_error and len(row.last_error) <= 500
        assert t0 < aware(row.next_attempt_at) <= t0 + timedelta(seconds=30)
        assert row.lease_until is None

    server = SmtpServer(port).start()
    try:
        # before the back-off has passed nothing is tried, even though the server is up now
        early = deliver(engine, url, now=t0 + timedelta(seconds=10))
        assert early == notify.DeliveryReport(sent=0, failed=0, pending=3)
        assert server.handler.envelopes == []

        later = deliver(engine, url, now=t0 + timedelta(seconds=31))
        assert later == notify.DeliveryReport(sent=3, failed=0, pending=0)
        ids = [m["message-id"] for m in server.handler.messages()]
        assert len(ids) == 3 and len(set(ids)) == 3
        assert sorted(m["subject"] for m in server.handler.messages()) == ["Cargo 0", "Cargo 1", "Cargo 2"]

        assert deliver(engine, url, now=t0 + timedelta(hours=1)).sent == 0
        assert len(server.handler.envelopes) == 3
        assert all(r.status == "enviado" and r.attempts == 1 for r in rows(engine))
    finally:
        server.stop()


def test_backoff_doubles_and_is_capped():
    assert notify.backoff(1) == timedelta(seconds=30)
    assert notify.backoff(2) == timedelta(seconds=60)
    assert notify.backoff(3) == timedelta(seconds=120)
    assert notify.backoff(7) == timedelta(minutes=30)
    assert notify.backoff(500) == timedelta(minutes=30)


def test_repeated_failures_back_off_longer(engine):
    url = smtp_url(free_port())
    queue(engine, 1)
    now = datetime.now(UTC)
    for expected_attempts in (1, 2, 3):
        assert deliver(engine, url, now=now).failed == 1
        (row,) = rows(engine)
        assert row.attempts == expected_attempts
        wait = aware(row.next_attempt_at) - now
        assert wait == notify.backoff(expected_attempts)
        now = aware(row.next_attempt_at)


def test_expired_lease_is_claimed_again_but_a_live_one_is_not(engine, smtp_server):
    (mid,) = queue(engine, 1)
    now = datetime.now(UTC)
    with db.write_session(engine) as s:  # a worker claimed it and died before sending
        row = s.get(OutboxMessage, mid)
        row.status = "enviando"
        row.lease_until = now + timedelta(seconds=60)

    assert deliver(engine, smtp_server.url, now=now) == notify.DeliveryReport(0, 0, 1)
    assert smtp_server.handler.envelopes == []

    assert deliver(engine, smtp_server.url, now=now + timedelta(seconds=61)).sent == 1
    assert len(smtp_server.handler.envelopes) == 1
    assert rows(engine)[0].status == "enviado"


def test_four_workers_at_once_send_each_message_exactly_once(engine, smtp_server):
    queue(engine, 20, prefix="Concurrente")
    barrier = threading.Barrier(4)

    def worker() -> int:
        barrier.wait()
        total = 0
        while True:  # small batches so the workers' claims interleave
            report = deliver(engine, smtp_server.url, batch=3)
            total += report.sent
            if report.sent == 0 and report.failed == 0:
                return total

    with ThreadPoolExecutor(4) as pool:
        totals = [f.result() for f in [pool.submit(worker) for _ in range(4)]]

    assert sum(totals) == 20
    received = smtp_server.handler.messages()
    assert len(received) == 20
    assert len({m["message-id"] for m in received}) == 20
    assert sorted(m["subject"] for m in received) == sorted(f"Concurrente {i}" for i in range(20))
    assert all(r.status == "enviado" for r in rows(engine))


def test_rejected_recipient_is_retried_later_and_the_rest_is_sent(engine):
    class Picky(Collector):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("rechazado"):
                return "550 5.1.1 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    port = free_port()
    handler = Picky()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="smtp.test")
    controller.start()
    try:
        with db.write_session(engine) as s:
            notify.enqueue(s, to="bueno1@example.pe", subject="uno", body="1")
            notify.enqueue(s, to="rechazado@example.pe", subject="dos", body="2")
            notify.enqueue(s, to="bueno2@example.pe", subject="tres", body="3")
        report = deliver(engine, smtp_url(port))
    finally:
        controller.stop()
    assert (report.sent, report.failed, report.pending) == (2, 1, 1)
    assert len(handler.envelopes) == 2
    bad = next(r for r in rows(engine) if r.to_addr.startswith("rechazado"))
    assert bad.status == "pendiente" and bad.attempts == 1 and "550" in bad.last_error


# ---------------------------------------------------------------- enqueue
def test_dedupe_key_keeps_a_single_row(engine):
    with db.write_session(engine) as s:
        first = notify.enqueue(s, to="a@example.pe", subject="Cargo", body="x", dedupe_key="cargo:2026-1")
        again = notify.enqueue(s, to="a@example.pe", subject="Cargo", body="x", dedupe_key="cargo:2026-1")
    with db.write_session(engine) as s:
        later = notify.enqueue(s, to="a@example.pe", subject="Cargo", body="x", dedupe_key="cargo:2026-1")
        other = notify.enqueue(s, to="a@example.pe", subject="Cargo", body="x", dedupe_key="cargo:2026-2")
    assert first is not None and first.id
    assert again is None and later is None and other is not None
    assert [r.dedupe_key for r in rows(engine)] == ["cargo:2026-1", "cargo:2026-2"]


def test_concurrent_enqueue_with_the_same_dedupe_key_keeps_one_and_both_commit(engine):
    barrier = threading.Barrier(4)

    def file_one(i: int) -> bool:
        barrier.wait()
        with db.write_session(engine) as s:
            m = notify.enqueue(s, to="a@example.pe", subject="Cargo", body="x", dedupe_key="cargo:dup")
            notify.enqueue(s, to=f"otro{i}@example.pe", subject="Otro", body="y")
            return m is not None

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(file_one, range(4)))
    assert results.count(True) == 1
    assert len(rows(engine)) == 5  # one deduplicated + four others: every transaction committed


def test_enqueue_rolls_back_with_the_callers_transaction(engine):
    with pytest.raises(RuntimeError), db.write_session(engine) as s:
        notify.enqueue(s, to="a@example.pe", subject="Cargo", body="x")
        raise RuntimeError("the filing failed")
    assert rows(engine) == []


def test_enqueue_refuses_bad_addresses_and_flattens_the_subject(engine):
    with db.write_session(engine) as s:
        for bad in ("", "sin-arroba", "a@b.pe\r\nBcc: x@y.pe", "a@b.pe, c@d.pe"):
            with pytest.raises(InvalidInput):
                notify.enqueue(s, to=bad, subject="x", body="y")
        m = notify.enqueue(s, to=" a@example.pe ", subject="Línea 1\r\nBcc: x@y.pe", body="y")
    assert m.to_addr == "a@example.pe"
    assert m.subject == "Línea 1 Bcc: x@y.pe"


# ---------------------------------------------------------------- SMTP URL
@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://mail.jne.gob.pe", notify.SmtpConfig("mail.jne.gob.pe", 25)),
        (
            "smtp://usuario:cl%40ve%2Fsecreta@mail.jne.gob.pe:2525",
            notify.SmtpConfig("mail.jne.gob.pe", 2525, user="usuario", password="cl@ve/secreta"),
        ),
        (
            "smtps://envios%40jne.gob.pe:p%C3%B1@smtp.example.com",
            notify.SmtpConfig("smtp.example.com", 465, user="envios@jne.gob.pe", password="pñ", implicit_tls=True),
        ),
        (
            "smtp://u:p@smtp.example.com:587?starttls=1&from=mesadepartes%40jne.gob.pe",
            notify.SmtpConfig(
                "smtp.example.com", 587, user="u", password="p", starttls=True, sender="mesadepartes@jne.gob.pe"
            ),
        ),
        ("smtp://127.0.0.1:8025?starttls=0&timeout=2.5", notify.SmtpConfig("127.0.0.1", 8025, timeout=2.5)),
    ],
)
def test_parse_smtp_url(url, expected):
    assert notify.parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["", "http://mail.example.com", "smtp://", "smtps://h?starttls=1", "smtp://h:notaport"])
def test_parse_smtp_url_refuses_nonsense(url):
    with pytest.raises(ValueError):
        notify.parse_smtp_url(url)


def test_default_sender():
    assert notify.parse_smtp_url("smtp://localhost").sender == "mesadepartes@localhost"


# ---------------------------------------------------------------- message texts
SIGNATURE = "Jurado Nacional de Elecciones — Mesa de Partes Virtual"


def test_builders_return_short_signed_spanish_text():
    built = [
        notify.filing_confirmation(
            "2026-0000123",
            "K7P-93QF",
            "https://x.pe/seguimiento",
            "Constancia del estado de afiliación",
            "30/11/2026 10:05",
        ),
        notify.observation_notice(
            "2026-0000123", ["Falta la firma", "Adjunte el DNI"], "02/12/2026", "https://x.pe/subsanar"
        ),
        notify.answer_notice("2026-0000123", "https://x.pe/casilla", "https://x.pe/descargar/1"),
        notify.not_filed_notice("2026-0000123", "No se subsanaron las observaciones a tiempo."),
        notify.casilla_code("482913", 10),
        notify.casilla_deposit("Respuesta al expediente 2026-0000123", "https://x.pe/casilla", "30/11/2026 10:05"),
        notify.staff_digest(
            "Ana Quispe", [("2026-0000123", "Renuncia a organización política", "02/12/2026")], "https://x.pe/bandeja"
        ),
    ]
    for subject, body in built:
        assert subject and "\n" not in subject and len(subject) <= 300
        assert SIGNATURE in body and len(body) < 2000

    subject, body = built[0]
    assert "2026-0000123" in subject
    assert "K7P-93QF" in body and "https://x.pe/seguimiento" in body
    assert "Constancia del estado de afiliación" in body
    _, body = built[1]
    assert "1. Falta la firma" in body and "2. Adjunte el DNI" in body and "02/12/2026" in body
    assert "https://x.pe/subsanar" in body
    assert "https://x.pe/descargar/1" in built[2][1]
    assert "no presentad" in built[3][0]
    assert "482913" in built[4][1] and "10 minutos" in built[4][1]
    assert "30/11/2026 10:05" in built[5][1] and "https://x.pe/casilla" in built[5][1]
    assert "1 expediente pendiente" in built[6][0]
    assert "Ana Quispe" in built[6][1] and "2026-0000123" in built[6][1]
    assert "0 expedientes" in notify.staff_digest("Ana", [], "https://x.pe/bandeja")[0]
