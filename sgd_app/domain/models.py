"""Database tables (SQLModel). Plain Python: no reflex import here or anywhere in domain/.

Times are stored as timezone-aware UTC datetimes; legal dates (filing day, due day) are plain
dates in the institution's calendar (America/Lima).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import JSON, Column, Index, Table, UniqueConstraint
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model: its ``__table__``, which SQLModel does not declare to type checkers."""
    return cast(Table, sa_inspect(model).local_table)


class _WithId(Protocol):
    id: int | None


def pk(model: type[_WithId]) -> Mapped[int]:
    """``model.id`` as a column of ints: SQLModel types it ``int | None`` (a new object has no id
    yet), but a row read from the database always has one."""
    return cast("Mapped[int]", model.id)


# ---------------------------------------------------------------- organisation and staff
class Unit(SQLModel, table=True):
    """Organisational unit: dirección, oficina, órgano desconcentrado (OD) or temporary unit."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=20)
    name: str = Field(max_length=200)
    kind: str = Field(default="oficina", max_length=20)  # direccion / oficina / od / temporal
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    place: str = Field(default="Lima", max_length=80)
    active: bool = True
    # Temporary units (e.g. a special electoral jury) exist only for a date range.
    valid_from: date | None = None
    valid_to: date | None = None


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=60)
    full_name: str = Field(max_length=200)
    email: str = Field(default="", max_length=200)
    password_hash: str = Field(default="", max_length=200)
    active: bool = True
    # Unused since login limits moved to domain/ratelimit.py; kept because dropping them rebuilds
    # the "user" table on SQLite, which most tables reference.
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # Part of every login-limit key: an administrator's "Desbloquear" bumps it, so every counter
    # and lock of the account is forgotten at once (in memory or Redis alike).
    lock_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Membership(SQLModel, table=True):
    """A user's role in a unit. A user can belong to several units."""

    __table_args__ = (UniqueConstraint("user_id", "unit_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(max_length=20)  # clerk / officer / head / manager / admin


class StaffSession(SQLModel, table=True):
    """Server-side session. Only the SHA-256 of the opaque token is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    ip: str = Field(default="", max_length=64)


class KnownDevice(SQLModel, table=True):
    """A browser where the user signed in (OWASP device cookie): only the SHA-256 of its random
    token is kept. Failed logins from it are counted apart from everyone else's."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime = Field(default_factory=utcnow)


class FilingAttempt(SQLModel, table=True):
    """One attempt of the online wizard to file (its idempotency key, made when the wizard
    starts): a resend of the same attempt returns the case it created, never a second one."""

    key: str = Field(primary_key=True, max_length=64)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- catalogue and calendar
class Procedure(SQLModel, table=True):
    """A procedure of the catalogue (TUPA / services)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=20)
    name: str = Field(max_length=300)
    description: str = Field(default="", max_length=2000)
    category: str = Field(max_length=20)  # administrativo / jurisdiccional
    unit_id: int = Field(foreign_key="unit.id")
    deadline_days: int = 30
    # [{"name": "expediente_jurisdiccional", "label": "...", "required": true, "help": "..."}]
    fields: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    # Labels of the annexes the filer must attach besides the main document.
    required_annexes: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    public: bool = True
    active: bool = True
    # (0005) What the filer must have before starting, in plain words (shown on the procedure's card).
    requirements: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # The fee in plain words: "Gratuito" or the amount (e.g. "S/ 25.00").
    fee: str = Field(default="Gratuito", max_length=100, sa_column_kwargs={"server_default": "Gratuito"})
    # (0007) "Revisión en mesa de partes": new online filings go to the desk's inbox first.
    desk_review: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})


class NonWorkingDay(SQLModel, table=True):
    """Institution non-working day (on top of national holidays)."""

    day: date = Field(primary_key=True)
    reason: str = Field(default="", max_length=200)


# ---------------------------------------------------------------- cases
class Party(SQLModel, table=True):
    """A filer: person or organisation, identified by document type and number."""

    __table_args__ = (UniqueConstraint("doc_type", "doc_number"),)
    id: int | None = Field(default=None, primary_key=True)
    doc_type: str = Field(max_length=10)  # DNI / CE / RUC / PAS
    doc_number: str = Field(max_length=20, index=True)
    name: str = Field(max_length=300)
    kind: str = Field(max_length=30)  # ciudadano / organizacion_politica / entidad_estado / otra
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=300)


class CaseCounter(SQLModel, table=True):
    """One numbering authority: the last number given per year (incremented in the filing's
    own transaction, so a rolled-back filing gives its number back: no gaps)."""

    year: int = Field(primary_key=True)
    last: int = 0


class Expediente(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        # The inbox tabs: (unit, status, waiting for receipt) ranges ordered by the step deadline.
        Index("ix_expediente_inbox", "current_unit_id", "status", "awaiting_receipt", "current_due_on"),
        # The dashboard's most overdue cases: per (unit, status), in step-deadline order.
        Index("ix_expediente_due", "current_unit_id", "status", "current_due_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(index=True, unique=True, max_length=20)  # "2026-0000123"
    year: int
    seq: int
    procedure_id: int = Field(foreign_key="procedure.id", index=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    subject: str = Field(max_length=500)
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    channel: str = Field(default="virtual", max_length=20)  # virtual / presencial / interoperabilidad
    status: str = Field(default="registrado", max_length=20)
    priority: str = Field(default="normal", max_length=12)  # normal / urgente
    received_at: datetime  # the real moment the filing arrived (UTC)
    filed_on: date  # legal filing day (Ley 31465: next business day when not a business day)
    due_on: date  # legal deadline, in business days from filed_on
    # Deadline of the current step (a derivation may set a shorter one): min(step, legal).
    current_due_on: date | None = None
    current_unit_id: int = Field(foreign_key="unit.id")
    current_user_id: int | None = Field(default=None, foreign_key="user.id")
    # True from a derivation until the destination acknowledges receipt (recibir).
    awaiting_receipt: bool = True
    # Optimistic concurrency: every action bumps it; an action on a stale version is refused.
    version: int = 1
    accumulated_into_id: int | None = Field(default=None, foreign_key="expediente.id")
    closed_at: datetime | None = None
    access_key_hash: str = Field(max_length=64)
    folios: int = 0
    registered_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    kind: str = Field(max_length=20)  # solicitud / anexo / escrito / memorando / ... / cargo
    role: str = Field(default="principal", max_length=20)  # principal / anexo
    label: str = Field(default="", max_length=200)  # what the filer said it is
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    size: int
    pages: int
    mime: str = Field(default="application/pdf", max_length=100)
    number: str = Field(default="", max_length=80)  # internal documents only
    author_id: int | None = Field(default=None, foreign_key="user.id")
    signed: bool = False
    # Code printed in the QR of a signed document or sealed receipt (public verification).
    verify_code: str | None = Field(default=None, max_length=32, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Movement(SQLModel, table=True):
    """One step of the route (hoja de ruta)."""

    __table_args__ = (
        Index("ix_movement_to_action", "to_unit_id", "action", "created_at"),  # Copias
        Index("ix_movement_from_action", "from_unit_id", "action", "created_at"),  # Enviados
    )

    id: int | None = Field(default=None, primary_key=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    action: str = Field(max_length=20)  # registrar / derivar / copia / devolver / observar / ...
    from_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    to_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    to_user_id: int | None = Field(default=None, foreign_key="user.id")
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    on_behalf_of_id: int | None = Field(default=None, foreign_key="user.id")  # delegation
    instructions: str = Field(default="", max_length=2000)
    priority: str = Field(default="normal", max_length=12)
    due_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    received_at: datetime | None = None
    received_by_id: int | None = Field(default=None, foreign_key="user.id")


class CaseUnit(SQLModel, table=True):
    """A unit a case has been in: it held it, sent it, got a copy of it, or registered it at its desk.
    The visibility rule (``access.seen_in``) reads it; database triggers (``sgd_app/schema.py``) add a
    row for every movement's units and every current unit, so no writer can forget one."""

    # (unit, case): the cases of some units (search); the reverse index: may this case be seen (case page).
    __table_args__ = (Index("ix_caseunit_case", "expediente_id", "unit_id"),)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    expediente_id: int = Field(foreign_key="expediente.id", primary_key=True)


class Note(SQLModel, table=True):
    """A note (anotación) on a case, visible to whoever can see the case."""

    id: int | None = Field(default=None, primary_key=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    on_behalf_of_id: int | None = Field(default=None, foreign_key="user.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    text: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)


class Delegation(SQLModel, table=True):
    """Subrogación: a head lets another official act for them in a unit for a date range."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    from_user_id: int = Field(foreign_key="user.id", index=True)
    to_user_id: int = Field(foreign_key="user.id", index=True)
    starts_on: date
    ends_on: date
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


# ---------------------------------------------------------------- audit
class AuditEvent(SQLModel, table=True):
    """Append-only, hash-chained trail. UPDATE and DELETE are refused by database triggers."""

    # (0008) the audit viewer filters by user, action and date, newest first
    __table_args__ = (
        Index("ix_auditevent_actor", "actor", "seq"),
        Index("ix_auditevent_action", "action", "seq"),
        Index("ix_auditevent_at", "at"),
    )
    seq: int = Field(primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=100)  # "user:12", "ciudadano", "sistema"
    action: str = Field(max_length=40)
    object_type: str = Field(max_length=30)
    object_id: str = Field(max_length=40, index=True)
    data: str = ""  # canonical JSON
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """Single row holding the chain head; updating it serialises writers on every database."""

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


# ---------------------------------------------------------------- internal documents and signatures
class InternalDocument(SQLModel, table=True):
    """A document the institution issues inside a case (memorando, informe, oficio, carta,
    resolución). Drafted, then signed: vistos buenos first, the firma last. Its number is given
    at the first signature (the content freezes then) and never reused; once signed it is never
    edited — a correction is a new document that references it."""

    __table_args__ = (
        UniqueConstraint("unit_id", "doc_type", "year", "seq"),
        Index("ix_internaldocument_author", "author_id", "status"),  # (0008) the bell: my returned drafts
    )
    id: int | None = Field(default=None, primary_key=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    doc_type: str = Field(max_length=20)  # memorando / informe / oficio / carta / resolucion
    status: str = Field(default="borrador", max_length=20)  # borrador / en_firma / firmado / rechazado
    subject: str = Field(max_length=500)
    body: str = ""
    recipients: str = Field(default="", max_length=1000)  # "Para" block, one per line
    reference: str = Field(default="", max_length=500)
    author_id: int = Field(foreign_key="user.id")
    replaces_id: int | None = Field(default=None, foreign_key="internaldocument.id")
    year: int | None = None
    seq: int | None = None
    number: str = Field(default="", max_length=80, index=True)
    verify_code: str = Field(default="", max_length=32, index=True)  # for the QR / verification page
    current_sha256: str = Field(default="", max_length=64)  # latest revision (frozen, then signed)
    document_id: int | None = Field(default=None, foreign_key="document.id")  # when fully signed
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    signed_at: datetime | None = None


class SignatureStep(SQLModel, table=True):
    """One signature a document needs: a visto bueno or the firma, in order."""

    id: int | None = Field(default=None, primary_key=True)
    internal_document_id: int = Field(foreign_key="internaldocument.id", index=True)
    signer_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(max_length=12)  # visto_bueno / firma
    position: int = 0  # steps with the same position may sign in any order (parallel)
    status: str = Field(default="pendiente", max_length=12)  # pendiente / firmado / rechazado
    comment: str = Field(default="", max_length=1000)
    signed_at: datetime | None = None
    on_behalf_of_id: int | None = Field(default=None, foreign_key="user.id")


class DocCounter(SQLModel, table=True):
    """Numbering of issued documents per unit, type and year (gap-free)."""

    unit_id: int = Field(primary_key=True, foreign_key="unit.id")
    doc_type: str = Field(primary_key=True, max_length=20)
    year: int = Field(primary_key=True)
    last: int = 0


class Signature(SQLModel, table=True):
    """Who signed what, when, with which certificate and level (also for sealed receipts)."""

    id: int | None = Field(default=None, primary_key=True)
    sha256_after: str = Field(max_length=64, index=True)  # the file that carries this signature
    internal_document_id: int | None = Field(default=None, foreign_key="internaldocument.id")
    expediente_id: int | None = Field(default=None, foreign_key="expediente.id", index=True)
    signer_id: int | None = Field(default=None, foreign_key="user.id")
    signer_name: str = Field(max_length=200)
    role: str = Field(max_length=12)  # visto_bueno / firma / sello
    level: str = Field(max_length=8)
    certificate_serial: str = Field(default="", max_length=80)
    signed_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- notices, casilla, e-mail, jobs
class Observation(SQLModel, table=True):
    """Art. 136 TUO Ley 27444: all observations of a filing in one act; 2 business days to fix."""

    id: int | None = Field(default=None, primary_key=True)
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    items: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    made_by_id: int = Field(foreign_key="user.id")
    made_at: datetime = Field(default_factory=utcnow)
    observed_on: date  # legal date of the notification (clock stops from here)
    deadline_on: date  # last business day to fix
    status: str = Field(default="abierta", max_length=12, index=True)  # abierta / subsanada / vencida
    fixed_at: datetime | None = None
    fix_note: str = Field(default="", max_length=2000)


class CasillaAccount(SQLModel, table=True):
    """A filer's electronic mailbox (casilla electrónica), opened with their document number and
    a one-time code sent to their verified e-mail."""

    id: int | None = Field(default=None, primary_key=True)
    party_id: int = Field(foreign_key="party.id", unique=True)
    email: str = Field(max_length=200)
    email_verified_at: datetime | None = None
    code_hash: str = Field(default="", max_length=64)
    code_expires_at: datetime | None = None
    failed_codes: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class Notice(SQLModel, table=True):
    """A notice deposited in a filer's casilla: legally notified when deposited (rule 9)."""

    id: int | None = Field(default=None, primary_key=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    expediente_id: int | None = Field(default=None, foreign_key="expediente.id", index=True)
    kind: str = Field(max_length=20)  # observacion / respuesta / no_presentado / aviso
    title: str = Field(max_length=300)
    body: str = ""
    document_id: int | None = Field(default=None, foreign_key="document.id")
    deposited_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class OutboxMessage(SQLModel, table=True):
    """Outgoing e-mail, written in the same transaction as the change that causes it; a job
    delivers it with retries, so nothing is lost while the SMTP server is down."""

    id: int | None = Field(default=None, primary_key=True)
    to_addr: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str = ""
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    status: str = Field(default="pendiente", max_length=12, index=True)  # pendiente / enviando / enviado
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    lease_until: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one period (e.g. the digest of 2026-11-30): the unique key
    makes a restart neither miss nor repeat it."""

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=60)
    period: str = Field(max_length=60)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    detail: str = Field(default="", max_length=2000)

    __table_args__ = (UniqueConstraint("job", "period"),)


class PageVisit(SQLModel, table=True):
    """Visits to the public pages, counted per day and page — no IP, no cookie, no person."""

    day: date = Field(primary_key=True)
    path: str = Field(primary_key=True, max_length=40)
    count: int = 0


class CacheVersion(SQLModel, table=True):
    """(0011) The version of data every worker caches in memory (e.g. "catalogo", the public
    procedure catalogue): bumped in the transaction that changes it, so each worker drops its copy."""

    name: str = Field(primary_key=True, max_length=40)
    version: int = 0


# ---------------------------------------------------------------- digitisation and search
class DocumentText(SQLModel, table=True):
    """The searchable text of one document: extracted from a born-digital or signed PDF, or read
    by OCR from a scan. The original file is never rewritten; an OCR'd copy with a text layer is
    a separate file in the store (``searchable_sha256``)."""

    document_id: int = Field(primary_key=True, foreign_key="document.id")
    expediente_id: int = Field(foreign_key="expediente.id", index=True)
    method: str = Field(max_length=10)  # texto / ocr / ninguno
    text: str = ""
    searchable_sha256: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- dashboard summaries
# Kept up to date by sgd_app/domain/summaries.py in the same transaction as every change of a
# case, so that the command dashboard reads a few thousand rows instead of a million cases.
# Tables with a day keep two grains: "d" rows per day and "m" rows per month (day = the 1st), so a
# long range reads months and only its partial edge months read days. Clustered by their key
# (WITHOUT ROWID in SQLite): a range of the key is one sequential read.
_CLUSTERED = {"sqlite_with_rowid": False}


class SumFiled(SQLModel, table=True):
    """Cases by filing day (or month), current unit, procedure, channel and status."""

    __tablename__ = "sum_filed"
    __table_args__ = (Index("ix_sum_filed_unit", "grain", "unit_id", "day"), _CLUSTERED)
    grain: str = Field(primary_key=True, max_length=1)
    day: date = Field(primary_key=True)
    unit_id: int = Field(primary_key=True)
    procedure_id: int = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    status: str = Field(primary_key=True, max_length=20)
    n: int = 0


class SumHour(SQLModel, table=True):
    """Cases by filing day (or month), current unit, procedure and the Lima weekday and hour
    they arrived."""

    __tablename__ = "sum_hour"
    __table_args__ = (_CLUSTERED,)
    grain: str = Field(primary_key=True, max_length=1)
    day: date = Field(primary_key=True)
    unit_id: int = Field(primary_key=True)
    procedure_id: int = Field(primary_key=True)
    weekday: int = Field(primary_key=True)
    hour: int = Field(primary_key=True)
    n: int = 0


class SumOpen(SQLModel, table=True):
    """Cases still in progress (or observed) by current unit, procedure, status, step deadline and
    filing day: the traffic light is read from the deadline at query time."""

    __tablename__ = "sum_open"
    __table_args__ = (_CLUSTERED,)
    unit_id: int = Field(primary_key=True)
    procedure_id: int = Field(primary_key=True)
    status: str = Field(primary_key=True, max_length=20)
    due_on: date = Field(primary_key=True)
    day: date = Field(primary_key=True)
    n: int = 0


class SumAttended(SQLModel, table=True):
    """Attended cases by filing day (or month), unit and procedure: how many, how many within
    the legal deadline, and the business days they took (summed)."""

    __tablename__ = "sum_attended"
    __table_args__ = (_CLUSTERED,)
    grain: str = Field(primary_key=True, max_length=1)
    day: date = Field(primary_key=True)
    unit_id: int = Field(primary_key=True)
    procedure_id: int = Field(primary_key=True)
    n: int = 0
    on_time: int = 0
    business_days: int = 0


class SumStage(SQLModel, table=True):
    """Time spent per stage of the route: waiting to be received by a unit ("recepcion") and being
    worked on in it ("tramite"), by the day (or month) the stage ended, unit and procedure."""

    __tablename__ = "sum_stage"
    __table_args__ = (_CLUSTERED,)
    grain: str = Field(primary_key=True, max_length=1)
    day: date = Field(primary_key=True)
    unit_id: int = Field(primary_key=True)
    procedure_id: int = Field(primary_key=True)
    stage: str = Field(primary_key=True, max_length=12)
    n: int = 0
    seconds: int = 0


# Digitisation queue
class DigitizeJob(SQLModel, table=True):
    """Text extraction / OCR of one document, done in the background (one row per document; the
    lease queue itself is sgd_app/domain/digitize/)."""

    __table_args__ = (Index("ix_digitizejob_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", unique=True)
    status: str = Field(default="pendiente", max_length=12)  # pendiente / procesando / listo / error
    progress: int = 0  # 0..100
    stage: str = Field(default="En cola", max_length=120)  # shown to staff (Spanish)
    kind: str = Field(default="", max_length=12)  # firmado / digital / escaneado, once known
    method: str = Field(default="", max_length=10)  # texto / ocr / ninguno, once done
    attempts: int = 0  # claims so far (a crash counts)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    claim_token: str = Field(default="", max_length=32)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
