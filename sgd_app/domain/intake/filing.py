"""Filing: number a case, store its files, route it to its unit, queue its e-mail and
background work, all in ONE transaction.

Files go to the content-addressed store first; if the transaction fails, the files it created
are removed again, so nothing is half-written.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from sgd_app import routes, settings
from sgd_app.domain import access, audit, digitize, notify, records, search, summaries
from sgd_app.domain.calendar import LIMA, BusinessCalendar, format_date_es, load_calendar
from sgd_app.domain.documents import FileStore, ScreenedPdf
from sgd_app.domain.errors import InvalidInput, InvalidInputs
from sgd_app.domain.intake.catalogue import get_procedure
from sgd_app.domain.intake.validation import (
    ANNEX,
    PRINCIPAL,
    FilerInput,
    IncomingFile,
    pdf_filename,
    screen_file,
    validate_details,
    validate_file_counts,
    validate_filer,
)
from sgd_app.domain.models import (
    CaseCounter,
    Document,
    Expediente,
    FilingAttempt,
    Movement,
    Party,
    Procedure,
    Unit,
    table_of,
    utcnow,
)
from sgd_app.domain.sql import insert_if_absent
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import CHANNEL_LABELS, CaseStatus, Channel, Priority, format_number

_KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: easy to read aloud


@dataclass
class FilingResult:
    case: Expediente
    access_key: str  # shown once to the filer; only its hash is stored
    documents: list[Document] = field(default_factory=list)
    # A resend of an attempt already filed: the same case, its access key not shown again.
    replayed: bool = False


# ---------------------------------------------------------------- numbers and keys
def new_access_key() -> str:
    """A fresh access key, XXXX-XXXX-XXXX, shown once to the filer."""
    raw = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def access_key_hash(key: str) -> str:
    """What is stored of an access key (case and separators do not matter)."""
    normalized = re.sub(r"[^A-Z0-9]", "", (key or "").upper())
    return hashlib.sha256(f"sgd-clave:{normalized}".encode()).hexdigest()


_counter = table_of(CaseCounter)
_NEXT_NUMBER = (
    _counter.update()
    .where(_counter.c.year == bindparam("k_year"))
    .values(last=_counter.c.last + 1)
    .returning(_counter.c.last)
)


def next_number(session: Session, year: int) -> int:
    """Take the next number of ``year`` inside the caller's transaction.

    The counter row is updated in place (a row lock on PostgreSQL, the write lock on SQLite), so
    concurrent filings queue; a rolled-back filing rolls its increment back too: no gaps.
    """
    conn = session.connection()
    result = conn.execute(_NEXT_NUMBER, {"k_year": year}).first()
    if result is None:  # first filing of the year: create the row (or find it created meanwhile)
        insert_if_absent(session, _counter, {"year": year, "last": 0})
        result = conn.execute(_NEXT_NUMBER, {"k_year": year}).first()
    assert result is not None  # the row exists now
    return int(result[0])


_party = table_of(Party)
_UPDATE_PARTY = (
    _party.update()
    .where(_party.c.doc_type == bindparam("k_type"), _party.c.doc_number == bindparam("k_number"))
    .returning(_party.c.id)
)
_INSERT_PARTY = _party.insert().returning(_party.c.id)
_INSERT_CASE = table_of(Expediente).insert().returning(table_of(Expediente).c.id)
_INSERT_DOCUMENT = table_of(Document).insert()
_INSERT_MOVEMENT = table_of(Movement).insert()
_DESK_UNIT = select(table_of(Unit).c.id).where(table_of(Unit).c.code == "MP")


def _upsert_party(session: Session, filer: FilerInput) -> int:
    """The filer's id; contact data is updated to what they gave in this filing."""
    conn = session.connection()
    values = dict(name=filer.name, kind=filer.kind, email=filer.email, phone=filer.phone, address=filer.address)
    party_id = conn.execute(_UPDATE_PARTY, {"k_type": filer.doc_type, "k_number": filer.doc_number, **values}).scalar()
    if party_id is None:
        party_id = conn.execute(
            _INSERT_PARTY, {"doc_type": filer.doc_type, "doc_number": filer.doc_number, **values}
        ).scalar_one()
    return int(party_id)


# ---------------------------------------------------------------- idempotency
_ATTEMPT_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_attempt_key() -> str:
    """A fresh idempotency key for one filing attempt (made when the wizard starts)."""
    return secrets.token_urlsafe(24)


def _check_attempt_key(key: str) -> None:
    if key and not _ATTEMPT_KEY.fullmatch(key):
        raise InvalidInput("general", "No se pudo enviar: vuelva a empezar el trámite.")


@query
def replayed_filing(session: Session, attempt_key: str) -> FilingResult | None:
    """The filing an attempt already created (same case, same number), or None. The access key
    is not known any more (only its hash is kept): it is not shown again."""
    if not attempt_key:
        return None
    _check_attempt_key(attempt_key)
    attempt = session.get(FilingAttempt, attempt_key)
    if attempt is None:
        return None
    case = session.get(Expediente, attempt.expediente_id)
    if case is None:
        return None
    docs = session.exec(
        select(Document)
        .where(Document.expediente_id == attempt.expediente_id, Document.kind != "cargo")
        .order_by(Document.id)  # type: ignore[arg-type]
    ).all()
    return FilingResult(case=case, access_key="", documents=list(docs), replayed=True)


# ---------------------------------------------------------------- the filing
@act
def file_case(
    session: Session,
    store: FileStore,
    *,
    procedure_code: str,
    filer: FilerInput,
    subject: str,
    fields: dict[str, str] | None = None,
    files: Sequence[IncomingFile],
    channel: str = Channel.VIRTUAL,
    received_at: datetime | None = None,
    registered_by_id: int | None = None,
    calendar: BusinessCalendar | None = None,
    tracking_url: str | None = None,
    attempt_key: str = "",
    actor: str = "",
    before_commit: Callable[[Session, FilingResult], None] | None = None,
) -> FilingResult:
    """Register a filing and commit it; raise InvalidInput(s) and write nothing when it is wrong.
    Without a session it opens its own write transaction. With ``attempt_key`` (idempotency key of
    the wizard's attempt) a resend returns the case that attempt created, and files nothing.
    ``before_commit`` adds the channel's own rows to the same transaction (the interoperability
    channel records the origin entity and the CUO)."""
    if (earlier := replayed_filing(session, attempt_key)) is not None:
        return earlier
    received_at = received_at or utcnow()
    if channel not in CHANNEL_LABELS:
        raise InvalidInput("channel", "Canal de recepción desconocido.")
    online = channel in (Channel.VIRTUAL, Channel.API)  # no clerk: only the public catalogue
    procedure = get_procedure(session, procedure_code, public_only=online)
    clean_filer, errors = validate_filer(
        filer, require_email=channel == Channel.VIRTUAL, require_phone=channel != Channel.INTEROPERABILIDAD
    )
    subject, clean_fields, detail_errors = validate_details(procedure, subject, fields or {})
    errors.update(detail_errors)
    errors.update(validate_file_counts(procedure, files))
    screened = []
    annex_index = 0
    for f in files:
        try:
            if f.role == ANNEX:
                annex_index += 1
            screened.append(screen_file(f, annex_index))
        except InvalidInput as exc:
            errors.setdefault(exc.field, exc.message)
    if errors:
        raise InvalidInputs(errors)

    created: list[str] = []
    reused: list[IncomingFile] = []
    try:
        for f in files:
            sha, was_created = store.put(f.data)
            (created.append(sha) if was_created else reused.append(f))
        result = _write_filing(
            session,
            procedure=procedure,
            filer=clean_filer,
            subject=subject,
            fields=clean_fields,
            files=files,
            screened=screened,
            channel=channel,
            received_at=received_at,
            registered_by_id=registered_by_id,
            calendar=calendar,
            actor=actor,
        )
        if tracking_url and clean_filer.email:
            queue_confirmation(
                session,
                result,
                to=clean_filer.email,
                procedure_name=procedure.name,
                tracking_url=tracking_url,
                deadline_days=procedure.deadline_days,
            )
        assert result.case.id is not None
        queue_processing(session, result.case.id)
        if attempt_key:
            session.add(FilingAttempt(key=attempt_key, expediente_id=result.case.id))
            session.flush()
        if before_commit is not None:
            before_commit(session, result)
            session.flush()
        session.commit()
    except IntegrityError:  # the same attempt filed meanwhile (a concurrent resend): that case
        session.rollback()
        _remove_unreferenced(session, store, created)
        if (earlier := replayed_filing(session, attempt_key)) is not None:
            return earlier
        raise
    except BaseException:
        session.rollback()
        _remove_unreferenced(session, store, created)
        raise
    # A concurrent filing of the same bytes that failed may have removed a file this one found
    # already stored (it saw no committed reference yet): put it back. Now that this filing is
    # committed, no failing filing can remove it any more.
    for f in reused:
        store.put(f.data)
    return result


CONFIRMATION_KEY = "confirmacion:"  # dedupe key prefix of the confirmation e-mail (+ case number)


def queue_confirmation(
    session: Session,
    result: FilingResult,
    *,
    to: str,
    procedure_name: str,
    tracking_url: str,
    deadline_days: int = 0,
) -> None:
    """Queue the confirmation e-mail (number, access key, deadline; the receipt is attached when
    it is sent) in the filing's transaction."""
    subject, body = notify.filing_confirmation(
        result.case.number,
        result.access_key,
        tracking_url,
        procedure_name,
        format_date_es(result.case.filed_on, weekday=True),
        promise=notify.answer_promise(result.case.due_on, deadline_days),
        casilla_url=f"{settings.PUBLIC_URL}{routes.CASILLA}",
    )
    notify.enqueue(session, to=to, subject=subject, body=body, dedupe_key=f"{CONFIRMATION_KEY}{result.case.number}")


def queue_processing(session: Session, case_id: int) -> None:
    """Queue text extraction / OCR of the new files and index the case (searchable at once)."""
    digitize.enqueue_case(session, case_id, fresh=True)
    search.index_case(session, case_id, fresh=True)


def _write_filing(
    session: Session,
    *,
    procedure: Procedure,
    filer: FilerInput,
    subject: str,
    fields: dict[str, str],
    files: Sequence[IncomingFile],
    screened: list[ScreenedPdf],
    channel: str,
    received_at: datetime,
    registered_by_id: int | None,
    calendar: BusinessCalendar | None,
    actor: str = "",
) -> FilingResult:
    """The rows of one filing, written with plain INSERTs (this is the hot path)."""
    year = received_at.astimezone(LIMA).year
    seq = next_number(session, year)  # first statement: takes the numbering lock
    cal = calendar or load_calendar(session)
    filed_on: date = cal.legal_filing_date(received_at)
    due_on = cal.add_business_days(filed_on, procedure.deadline_days)
    party_id = _upsert_party(session, filer)
    key = new_access_key()
    case_values: dict[str, Any] = dict(
        number=format_number(year, seq),
        year=year,
        seq=seq,
        procedure_id=procedure.id,
        party_id=party_id,
        subject=subject,
        fields=fields,
        channel=channel,
        status=CaseStatus.REGISTRADO,
        priority=Priority.NORMAL,
        received_at=received_at,
        filed_on=filed_on,
        due_on=due_on,
        current_due_on=due_on,
        current_unit_id=procedure.unit_id,
        current_user_id=None,
        awaiting_receipt=True,
        version=1,
        accumulated_into_id=None,
        closed_at=None,
        access_key_hash=access_key_hash(key),
        folios=sum(s.pages for s in screened),
        registered_by_id=registered_by_id,
        created_at=received_at,
    )
    conn = session.connection()
    desk_id = conn.execute(_DESK_UNIT).scalar()
    # "Revisión en mesa de partes": an online filing waits in the desk's inbox first.
    review = channel in (Channel.VIRTUAL, Channel.API) and procedure.desk_review and desk_id is not None
    if review:
        case_values["current_unit_id"] = desk_id
    case_id = conn.execute(_INSERT_CASE, case_values).scalar_one()
    case = Expediente(id=case_id, **case_values)
    assert procedure.id is not None
    records.classify_case(session, case_id=case_id, procedure_id=procedure.id)
    summaries.apply(session, None, summaries.facts(case_values), calendar=cal)
    doc_rows = []
    annex_no = 0
    for f, s in zip(files, screened, strict=True):
        if f.role == ANNEX:
            annex_no += 1
        label = f.label or ("Documento principal" if f.role == PRINCIPAL else f"Anexo {annex_no}")
        doc_rows.append(
            dict(
                expediente_id=case_id,
                kind="solicitud" if f.role == PRINCIPAL else "anexo",
                role=f.role,
                label=label[:200],
                filename=pdf_filename(f.filename),
                sha256=s.sha256,
                size=s.size,
                pages=s.pages,
                mime="application/pdf",
                number="",
                author_id=None,
                signed=False,
                verify_code=None,
                created_at=received_at,
            )
        )
    conn.execute(_INSERT_DOCUMENT, doc_rows)
    documents = [Document(**row) for row in doc_rows]
    conn.execute(
        _INSERT_MOVEMENT,
        dict(
            expediente_id=case_id,
            action="derivar",
            from_unit_id=None if review else desk_id,
            to_unit_id=case_values["current_unit_id"],
            to_user_id=None,
            actor_id=registered_by_id,
            on_behalf_of_id=None,
            instructions="Ingreso por " + CHANNEL_LABELS[channel],
            priority=Priority.NORMAL,
            due_on=due_on,
            created_at=received_at,
            received_at=None,
            received_by_id=None,
        ),
    )
    if registered_by_id:  # the clerk's desk keeps seeing what it registered (search, case page)
        access.record_registration(session, case_id, registered_by_id)
    audit.record(
        session,
        actor=actor or (f"user:{registered_by_id}" if registered_by_id else "ciudadano"),
        action="registrar",
        object_type="expediente",
        object_id=case.number,
        data={
            "procedimiento": procedure.code,
            "canal": channel,
            "remitente": f"{filer.doc_type} {filer.doc_number}",
            "documentos": [[d["filename"], d["sha256"], d["pages"]] for d in doc_rows],
            "presentado": filed_on.isoformat(),
            "vence": due_on.isoformat(),
            "revision_mesa": review,
        },
        at=received_at,
    )
    return FilingResult(case=case, access_key=key, documents=documents)


def _remove_unreferenced(session: Session, store: FileStore, shas: list[str]) -> None:
    for sha in shas:
        try:
            in_use = session.exec(select(func.count()).select_from(Document).where(Document.sha256 == sha)).one()
        except Exception:
            continue
        if not in_use:
            store.remove(sha)
