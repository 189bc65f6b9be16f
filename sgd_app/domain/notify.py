"""E-mail to filers and staff: an outbox written in the caller's transaction, delivered later.

``enqueue`` writes an :class:`OutboxMessage` in the same transaction as the change that causes
it (a filing, an observation, a deposit in the casilla), so a message exists if and only if the
change was committed. ``deliver_due`` (run every 30 s by ``sgd_app.jobs``) sends what is due:

* claim — a short write transaction turns due rows into ``enviando`` with a lease, each with a
  conditional ``UPDATE ... WHERE id = ? AND <status/lease still as read>``; only rows whose
  update touched one row are sent, so two workers (or two processes) never send the same one;
* send — outside any transaction, one SMTP connection per batch;
* settle — each message in its own transaction: ``enviado``, or back to ``pendiente`` with
  ``attempts + 1`` and an exponential back-off. Messages are never dropped.

A worker that dies while sending leaves ``enviando`` rows whose lease expires: they are sent
again. The Message-ID is derived from the row id, so such a rare duplicate is recognisable.

Plain Python: no reflex, no settings (the caller passes the SMTP URL and the public URL).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from sgd_app import db
from sgd_app.domain.calendar import MONTHS_ES
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import OutboxMessage, table_of, utcnow

log = logging.getLogger("sgd.notify")

PENDING = "pendiente"
SENDING = "enviando"
SENT = "enviado"

SIGNATURE = "Jurado Nacional de Elecciones — Mesa de Partes Virtual"
DEFAULT_FROM = "mesadepartes@localhost"
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 30 * 60

_MAX_TO = 200
_MAX_SUBJECT = 300
_MAX_ERROR = 500
_MAX_DEDUPE = 200


# ---------------------------------------------------------------- outbox
def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def enqueue(
    session: Session, *, to: str, subject: str, body: str, dedupe_key: str | None = None
) -> OutboxMessage | None:
    """Queue one e-mail inside the caller's transaction.

    With a ``dedupe_key`` already queued (e.g. ``"cargo:2026-0000123"``) nothing is written and
    None is returned; a concurrent insert of the same key is tolerated through a savepoint, so
    the caller's transaction goes on either way.
    """
    to = (to or "").strip()
    if not to or "@" not in to or any(c in to for c in "\r\n,;<> ") or len(to) > _MAX_TO:
        raise InvalidInput("email", "La dirección de correo electrónico no es válida.")
    subject = _one_line(subject)[:_MAX_SUBJECT]
    if dedupe_key is not None:
        dedupe_key = dedupe_key[:_MAX_DEDUPE]
        found = session.execute(
            select(col(OutboxMessage.id)).where(col(OutboxMessage.dedupe_key) == dedupe_key)
        ).first()
        if found is not None:
            return None
    message = OutboxMessage(
        to_addr=to,
        subject=subject,
        body=body,
        dedupe_key=dedupe_key,
        status=PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    nested = session.begin_nested()
    try:
        session.add(message)
        session.flush()
        nested.commit()
    except IntegrityError:  # the same dedupe_key was queued by a concurrent transaction
        nested.rollback()
        if dedupe_key is None:
            raise
        return None
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 30 s, 60 s, 120 s ... ≤ 30 min."""
    exponent = max(0, attempts - 1)
    if exponent > 20:
        return timedelta(seconds=BACKOFF_MAX_SECONDS)
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))


# ---------------------------------------------------------------- SMTP settings
@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str = ""
    password: str = ""
    implicit_tls: bool = False  # smtps:// (TLS from the first byte)
    starttls: bool = False  # smtp://...?starttls=1
    sender: str = DEFAULT_FROM
    timeout: float = 10.0


_TRUE = {"1", "true", "yes", "si", "sí", "on"}


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://user:pass@host:port``, ``smtps://...`` (implicit TLS), ``smtp://...?starttls=1``.

    Default port 25 (smtp) or 465 (smtps); user and password are URL-decoded. Optional query
    parameters: ``from`` (sender address, default ``mesadepartes@localhost``), ``timeout``
    (seconds, default 10).
    """
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP URL must start with smtp:// or smtps://, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"SMTP URL without host: {url!r}")
    query = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    implicit_tls = scheme == "smtps"
    starttls = query.get("starttls", "").strip().lower() in _TRUE
    if implicit_tls and starttls:
        raise ValueError("smtps:// already uses TLS; starttls=1 applies to smtp:// only")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"SMTP URL with an invalid port: {url!r}") from exc
    timeout = float(query["timeout"]) if query.get("timeout", "").strip() else 10.0
    return SmtpConfig(
        host=parts.hostname,
        port=port or (465 if implicit_tls else 25),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        implicit_tls=implicit_tls,
        starttls=starttls,
        sender=query.get("from", "").strip() or DEFAULT_FROM,
        timeout=timeout,
    )


def _connect(cfg: SmtpConfig) -> smtplib.SMTP:
    if cfg.implicit_tls:
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context()
        )
    else:
        conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    try:
        conn.ehlo()
        if cfg.starttls:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if cfg.user:
            conn.login(cfg.user, cfg.password)
    except BaseException:
        _close(conn)
        raise
    return conn


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is None:
        return
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


# ---------------------------------------------------------------- delivery
@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    pending: int  # messages still waiting (pendiente or enviando) after this run


@dataclass(frozen=True)
class _Claimed:
    id: int
    to_addr: str
    subject: str
    body: str
    attempts: int
    lease_until: datetime
    dedupe_key: str = ""


Attachment = tuple[str, bytes]  # (file name, PDF bytes)
AttachmentsFor = Callable[[Engine, str], Sequence[Attachment] | None]
"""Gives the files a message carries, from its dedupe key (e.g. the receipt of "confirmacion:N"),
read at delivery time: the outbox row stays small and the attached receipt is the sealed one.
None means "not ready yet" (the seal is being applied): the message waits RETRY_SOON_SECONDS,
without counting as a failed attempt."""
RETRY_SOON_SECONDS = 5


def _utc(dt: datetime) -> datetime:
    """Aware UTC (SQLite hands back naive datetimes: they are stored as UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def message_id(outbox_id: int, public_url: str) -> str:
    """Stable Message-ID of an outbox row: a resend after a crash carries the same one."""
    host = urlsplit(public_url or "").hostname or "localhost"
    return f"<outbox-{outbox_id}@{host}>"


def build_email(
    *,
    outbox_id: int,
    sender: str,
    to: str,
    subject: str,
    body: str,
    date: datetime,
    public_url: str,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject  # RFC 2047 encoded-words for non-ASCII (ñ, tildes)
    msg["Date"] = format_datetime(_utc(date))
    msg["Message-ID"] = message_id(outbox_id, public_url)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body, charset="utf-8")
    for filename, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return msg


_t = table_of(OutboxMessage)
_c = _t.c


def _claim(engine: Engine, now: datetime, batch: int, lease_seconds: float) -> list[_Claimed]:
    lease = now + timedelta(seconds=lease_seconds)
    due = (
        select(
            _c.id,
            _c.status,
            _c.next_attempt_at,
            _c.lease_until,
            _c.to_addr,
            _c.subject,
            _c.body,
            _c.attempts,
            _c.dedupe_key,
        )
        .where(
            or_(and_(_c.status == PENDING, _c.next_attempt_at <= now), and_(_c.status == SENDING, _c.lease_until < now))
        )
        .order_by(_c.next_attempt_at, _c.id)
        .limit(batch)
    )
    claimed: list[_Claimed] = []
    with db.write_session(engine) as s:
        conn = s.connection()
        rows = sorted(conn.execute(due).all(), key=lambda r: r.id)  # one lock order for all
        for r in rows:
            if r.status == PENDING:
                still = and_(_c.status == PENDING, _c.attempts == r.attempts, _c.next_attempt_at <= now)
            else:
                still = and_(_c.status == SENDING, _c.lease_until == r.lease_until)
            result = conn.execute(_t.update().where(_c.id == r.id, still).values(status=SENDING, lease_until=lease))
            if result.rowcount == 1:
                claimed.append(
                    _Claimed(r.id, r.to_addr, r.subject, r.body or "", r.attempts, lease, r.dedupe_key or "")
                )
    return claimed


def _mark_sent(engine: Engine, item: _Claimed, at: datetime) -> None:
    # Unconditional on the lease: the message did leave, whoever holds the row now.
    with db.write_session(engine) as s:
        s.connection().execute(
            _t.update().where(_c.id == item.id).values(status=SENT, sent_at=at, lease_until=None, last_error="")
        )


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error
        detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        text = f"{type(exc).__name__}: {exc.smtp_code} {detail}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = f"{type(exc).__name__}: " + "; ".join(
            f"{rcpt}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
            for rcpt, (code, msg) in exc.recipients.items()
        )
    else:
        text = f"{type(exc).__name__}: {exc}"
    return _one_line(text)[:_MAX_ERROR]


def _mark_failed(engine: Engine, item: _Claimed, error: str, now: datetime) -> None:
    attempts = item.attempts + 1
    with db.write_session(engine) as s:
        # Only while our lease holds: never undo a send recorded by another worker.
        s.connection().execute(
            _t.update()
            .where(_c.id == item.id, _c.status == SENDING, _c.lease_until == item.lease_until)
            .values(
                status=PENDING,
                attempts=attempts,
                last_error=error,
                lease_until=None,
                next_attempt_at=now + backoff(attempts),
            )
        )


def _release(engine: Engine, item: _Claimed, at: datetime) -> None:
    """Back to pending until ``at``, the attempt not counted (an attachment not ready yet)."""
    with db.write_session(engine) as s:
        s.connection().execute(
            _t.update()
            .where(_c.id == item.id, _c.status == SENDING, _c.lease_until == item.lease_until)
            .values(status=PENDING, lease_until=None, next_attempt_at=at)
        )


# Errors that concern one message; the connection stays usable for the next one.
_PER_MESSAGE = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
)


def deliver_due(
    engine: Engine,
    smtp_url: str,
    *,
    now: datetime | None = None,
    batch: int = 50,
    lease_seconds: float = 120,
    public_url: str = "",
    attachments_for: AttachmentsFor | None = None,
) -> DeliveryReport:
    """Send the messages that are due; never raises for SMTP or connection errors.

    ``public_url`` (the app passes ``settings.PUBLIC_URL``) gives the host of the Message-ID;
    ``attachments_for`` the files a message carries (the app attaches the filing's receipt).
    """
    now = _utc(now or utcnow())
    cfg = parse_smtp_url(smtp_url)
    claimed = _claim(engine, now, batch, lease_seconds)
    sent = failed = 0
    conn: smtplib.SMTP | None = None
    connect_error: str | None = None
    try:
        for item in claimed:
            if connect_error is not None:  # the server is unreachable: do not retry per message
                _mark_failed(engine, item, connect_error, now)
                failed += 1
                continue
            try:
                files = attachments_for(engine, item.dedupe_key) if attachments_for and item.dedupe_key else ()
                if files is None:
                    _release(engine, item, now + timedelta(seconds=RETRY_SOON_SECONDS))
                    continue
                email = build_email(
                    outbox_id=item.id,
                    sender=cfg.sender,
                    to=item.to_addr,
                    subject=item.subject,
                    body=item.body,
                    date=now,
                    public_url=public_url,
                    attachments=files,
                )
            except Exception as exc:  # a malformed header or a failing attachment never blocks the batch
                _mark_failed(engine, item, _error_text(exc), now)
                failed += 1
                continue
            if conn is None:
                try:
                    conn = _connect(cfg)
                except (smtplib.SMTPException, OSError) as exc:
                    connect_error = _error_text(exc)
                    log.warning("SMTP %s:%s no disponible: %s", cfg.host, cfg.port, connect_error)
                    _mark_failed(engine, item, connect_error, now)
                    failed += 1
                    continue
            try:
                conn.send_message(email)
            except (smtplib.SMTPException, OSError) as exc:
                _mark_failed(engine, item, _error_text(exc), now)
                failed += 1
                if not isinstance(exc, _PER_MESSAGE):  # the connection is suspect: open a new one
                    _close(conn)
                    conn = None
                continue
            _mark_sent(engine, item, now)
            sent += 1
    finally:
        _close(conn)
    with db.session(engine) as s:
        pending = s.execute(select(func.count()).select_from(_t).where(_c.status.in_((PENDING, SENDING)))).scalar_one()
    return DeliveryReport(sent=sent, failed=failed, pending=int(pending))


# ---------------------------------------------------------------- messages (Spanish, Peru)
def _signed(*paragraphs: str) -> str:
    text = "\n\n".join(p.strip("\n") for p in paragraphs if p)
    return f"{text}\n\nAtentamente,\n{SIGNATURE}\n\nEste es un mensaje automático; por favor, no lo responda.\n"


def mask_email(address: str) -> str:
    """An address shown on a screen without giving it away: "maria.nahui@example.pe" ->
    "m***@example.pe" (the domain stays: the filer recognises which mailbox to look in)."""
    address = (address or "").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def long_date_es(day: date) -> str:
    """A date as people say it: date(2026, 12, 15) -> "15 de diciembre de 2026"."""
    return f"{day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"


def answer_promise(due_on: date | None, business_days: int) -> str:
    """The legal deadline in plain words: "Le responderemos hasta el 15 de diciembre de 2026
    (10 días hábiles)." — empty when the procedure has no deadline."""
    if due_on is None or business_days <= 0:
        return ""
    days = "1 día hábil" if business_days == 1 else f"{business_days} días hábiles"
    return f"Le responderemos hasta el {long_date_es(due_on)} ({days})."


RECEIPT_ATTACHED = "Adjuntamos su cargo de recepción en PDF (sin la clave de acceso)."
KEY_ALSO_BY_EMAIL = "También le enviamos su número y su clave a su correo"


def filing_confirmation(
    number: str,
    access_key: str,
    tracking_url: str,
    procedure: str,
    filed_on_text: str,
    *,
    promise: str = "",
    casilla_url: str = "",
) -> tuple[str, str]:
    """Rule 4: the confirmation gives the case number, the access key and the status page; the
    receipt (cargo) travels attached (see ``deliver_due(attachments_for=...)``)."""
    subject = f"Expediente {number} registrado — Mesa de Partes Virtual"
    casilla = (
        f"Las observaciones y la respuesta le llegarán a su casilla electrónica ({casilla_url}) y a este correo."
        if casilla_url
        else "Las observaciones y la respuesta le llegarán a su casilla electrónica y a este correo."
    )
    body = _signed(
        "Estimado(a) ciudadano(a):",
        f"Su solicitud fue registrada con el expediente N.° {number}.",
        f"Trámite: {procedure}\nFecha de presentación: {filed_on_text}",
        RECEIPT_ATTACHED,
        "Para consultar el estado de su trámite use estos datos:\n"
        f"  Número de expediente: {number}\n"
        f"  Clave de acceso: {access_key}\n"
        f"  Seguimiento: {tracking_url}",
        f"{promise} {casilla}".strip(),
        "Guarde este correo: además de la pantalla de confirmación, es donde tiene su clave de acceso. "
        "Si la pierde, pida una nueva en la página de seguimiento («¿Olvidó su clave?»). "
        "No se la pediremos por teléfono ni por correo.",
    )
    return subject, body


def key_reminder(number: str, access_key: str, tracking_url: str) -> tuple[str, str]:
    """ "¿Olvidó su clave?": a new access key for the case, sent only to the filing's e-mail."""
    subject = f"Expediente {number}: su nueva clave de acceso"
    body = _signed(
        "Estimado(a) ciudadano(a):",
        f"Nos pidió recuperar la clave de acceso del expediente N.° {number}.",
        f"  Número de expediente: {number}\n  Nueva clave de acceso: {access_key}\n  Seguimiento: {tracking_url}",
        "La clave anterior ya no sirve. Si usted no lo pidió, guarde esta nueva clave: nadie más la recibió.",
    )
    return subject, body


def observation_notice(number: str, items: Sequence[str], deadline_text: str, fix_url: str) -> tuple[str, str]:
    """Art. 136: every observation in one act, with the deadline to fix them."""
    listed = "\n".join(f"  {i}. {item}" for i, item in enumerate(items, start=1))
    subject = f"Expediente {number}: observaciones por subsanar"
    body = _signed(
        "Estimado(a) ciudadano(a):",
        f"Su expediente N.° {number} tiene las siguientes observaciones:",
        listed,
        f"Tiene plazo para subsanarlas hasta el {deadline_text}. Mientras tanto, su trámite "
        "queda en espera; si las subsana a tiempo, conserva su fecha de presentación. "
        "Si no las subsana, la solicitud se considerará como no presentada.",
        f"Subsane aquí: {fix_url}",
    )
    return subject, body


def answer_notice(number: str, casilla_url: str, download_url: str) -> tuple[str, str]:
    subject = f"Expediente {number}: respuesta disponible"
    body = _signed(
        "Estimado(a) ciudadano(a):",
        f"La respuesta a su expediente N.° {number} ha sido emitida.",
        f"Descárguela aquí: {download_url}\nTambién está en su casilla electrónica: {casilla_url}",
    )
    return subject, body


def not_filed_notice(number: str, reason: str) -> tuple[str, str]:
    subject = f"Expediente {number}: solicitud considerada no presentada"
    body = _signed(
        "Estimado(a) ciudadano(a):",
        f"Su expediente N.° {number} se considera no presentado.",
        f"Motivo: {reason}",
        "Puede presentar una nueva solicitud en la Mesa de Partes Virtual cuando lo desee.",
    )
    return subject, body


def casilla_code(code: str, minutes: int) -> tuple[str, str]:
    subject = f"Código de acceso a su casilla electrónica: {code}"
    body = _signed(
        "Estimado(a) ciudadano(a):",
        f"Su código para ingresar a la casilla electrónica es: {code}",
        f"Vence en {minutes} minutos y solo puede usarse una vez. No lo comparta con nadie.",
        "Si usted no lo solicitó, ignore este mensaje.",
    )
    return subject, body


def casilla_deposit(title: str, casilla_url: str, deposited_at_text: str) -> tuple[str, str]:
    """Rule 9: the alert sent when a notice is deposited (the notice takes effect on deposit)."""
    subject = f"Nueva notificación en su casilla electrónica: {_one_line(title)}"
    body = _signed(
        "Estimado(a) ciudadano(a):",
        f"Se depositó una notificación en su casilla electrónica:\n  {title}",
        f"Fecha y hora de depósito: {deposited_at_text}\nLa notificación surte efecto desde ese momento.",
        f"Léala aquí: {casilla_url}",
    )
    return subject, body


def staff_digest(full_name: str, rows: Iterable[tuple[str, str, str]], inbox_url: str) -> tuple[str, str]:
    """Morning summary for an official: the cases in their charge, with the due date."""
    rows = list(rows)
    count = len(rows)
    subject = (
        f"Resumen diario: {count} expediente pendiente"
        if count == 1
        else f"Resumen diario: {count} expedientes pendientes"
    )
    lines = "\n".join(f"  - {number} | {procedure} | vence: {due}" for number, procedure, due in rows)
    body = _signed(
        f"Estimado(a) {full_name}:",
        (
            f"Tiene {count} expediente(s) a su cargo:\n{lines}"
            if count
            else "No tiene expedientes pendientes a su cargo."
        ),
        f"Su bandeja: {inbox_url}",
    )
    return subject, body
