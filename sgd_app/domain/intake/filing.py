"""Front desk (Mesa de Partes): validate a filing, number it, store its files, route it, and
let the filer track it with the number and the access key.

A filing is written in ONE transaction: the number, the filer, the case, its documents, the
first step of the route and the audit event. Files go to the content-addressed store first;
if the transaction fails, the files it created are removed again, so nothing is half-written.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from sgd_app.domain import audit, identity, summaries
from sgd_app.domain.calendar import LIMA, BusinessCalendar, load_calendar
from sgd_app.domain.documents import FileStore, screen_pdf
from sgd_app.domain.errors import InvalidInput, InvalidInputs, NotFound
from sgd_app.domain.models import (
    CaseCounter,
    Document,
    Expediente,
    Movement,
    Party,
    Procedure,
    Unit,
    utcnow,
)

MAX_MAIN_BYTES = 20 * 1024 * 1024
MAX_ANNEX_BYTES = 10 * 1024 * 1024
MAX_ANNEXES = 5
SUBJECT_MAX = 500
NUMBER_PREFIX = "EXP"
_KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: easy to read aloud
CHANNELS = {
    "virtual": "Mesa de Partes Virtual",
    "presencial": "Mesa de Partes presencial",
    "interoperabilidad": "Interoperabilidad",
}
STATUSES = {
    "registrado": "Registrado",
    "observado": "Observado",
    "subsanado": "Subsanado",
    "en_tramite": "En trámite",
    "atendido": "Atendido",
    "archivado": "Archivado",
    "acumulado": "Acumulado",
    "no_presentado": "No presentado",
}


# ---------------------------------------------------------------- inputs
@dataclass
class FilerInput:
    doc_type: str = "DNI"
    doc_number: str = ""
    name: str = ""
    kind: str = "ciudadano"
    email: str = ""
    phone: str = ""
    address: str = ""


@dataclass
class IncomingFile:
    """A file as it arrived (bytes kept in memory or staged on disk by the caller)."""

    filename: str
    data: bytes
    role: str = "anexo"  # principal / anexo
    label: str = ""


@dataclass
class FilingResult:
    case: Expediente
    access_key: str  # shown once to the filer; only its hash is stored
    documents: list[Document] = field(default_factory=list)


# ---------------------------------------------------------------- validation (one place)
def validate_filer(filer: FilerInput, *, require_email: bool = True) -> tuple[FilerInput, dict[str, str]]:
    """Normalised filer data and the errors per field (empty dict when all is right).
    The e-mail is required online (the receipt and notices go there); at the desk it is optional."""
    errors: dict[str, str] = {}
    clean = FilerInput(**vars(filer))
    if filer.kind not in identity.PARTY_KINDS:
        errors["kind"] = "Elija quién presenta el documento."
    try:
        clean.doc_number = identity.normalize_document(filer.doc_type, filer.doc_number)
    except ValueError as exc:
        errors["doc_number"] = str(exc)
    if filer.doc_type not in identity.DOC_TYPES:
        errors["doc_type"] = "Elija el tipo de documento."
    if filer.kind in ("organizacion_politica", "entidad_estado", "otra") and filer.doc_type == "DNI":
        # The representative files with their DNI: allowed. An organisation usually has a RUC.
        pass
    name = " ".join((filer.name or "").split())
    if len(name) < 3:
        errors["name"] = (
            "Escriba su nombre completo."
            if filer.kind == "ciudadano"
            else "Escriba el nombre de la organización o entidad."
        )
    elif len(name) > 300:
        errors["name"] = "El nombre es demasiado largo (máximo 300 caracteres)."
    clean.name = name
    try:
        if require_email or (filer.email or "").strip():
            clean.email = identity.normalize_email(filer.email)
        else:
            clean.email = ""
    except ValueError as exc:
        errors["email"] = str(exc)
    try:
        clean.phone = identity.normalize_phone(filer.phone)
    except ValueError as exc:
        errors["phone"] = str(exc)
    address = " ".join((filer.address or "").split())
    if len(address) > 300:
        errors["address"] = "La dirección es demasiado larga (máximo 300 caracteres)."
    clean.address = address
    return clean, errors


def validate_details(
    procedure: Procedure, subject: str, fields: dict[str, str]
) -> tuple[str, dict[str, str], dict[str, str]]:
    """Normalised subject and procedure fields, and the errors per field."""
    errors: dict[str, str] = {}
    subject = " ".join((subject or "").split())
    if len(subject) < 5:
        errors["subject"] = "Describa en pocas palabras qué solicita (mínimo 5 caracteres)."
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = f"El asunto es demasiado largo (máximo {SUBJECT_MAX} caracteres)."
    clean: dict[str, str] = {}
    for spec in procedure.fields or []:
        name = spec["name"]
        value = " ".join(str((fields or {}).get(name, "")).split())
        if spec.get("required") and not value:
            errors[f"field_{name}"] = f"Complete: {spec['label']}."
        elif len(value) > 300:
            errors[f"field_{name}"] = "El texto es demasiado largo (máximo 300 caracteres)."
        elif value and spec.get("pattern") and not re.fullmatch(spec["pattern"], value):
            errors[f"field_{name}"] = spec.get("pattern_message", f"Revise: {spec['label']}.")
        clean[name] = value
    return subject, clean, errors


def validate_file_counts(procedure: Procedure, files: Sequence[IncomingFile]) -> dict[str, str]:
    errors: dict[str, str] = {}
    mains = [f for f in files if f.role == "principal"]
    annexes = [f for f in files if f.role == "anexo"]
    if len(mains) != 1:
        errors["principal"] = "Adjunte el documento principal en PDF (uno solo)."
    if len(annexes) > MAX_ANNEXES:
        errors["anexos"] = f"Puede adjuntar como máximo {MAX_ANNEXES} anexos."
    required = list(procedure.required_annexes or [])
    if len(annexes) < len(required):
        missing = ", ".join(required[len(annexes) :])
        errors["anexos"] = f"Este trámite requiere adjuntar: {missing}."
    return errors


def screen_file(f: IncomingFile, index: int = 0) -> Any:
    """Screen one incoming PDF with the limit of its role; the field is where the error shows."""
    if f.role == "principal":
        return screen_pdf(f.data, max_bytes=MAX_MAIN_BYTES, field="principal")
    return screen_pdf(f.data, max_bytes=MAX_ANNEX_BYTES, field=f"anexo_{index}")


# ---------------------------------------------------------------- helpers
def new_access_key() -> str:
    raw = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def access_key_hash(key: str) -> str:
    normalized = re.sub(r"[^A-Z0-9]", "", (key or "").upper())
    return hashlib.sha256(f"sgd-clave:{normalized}".encode()).hexdigest()


def format_number(year: int, seq: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{seq:06d}"


def parse_number(text: str) -> str | None:
    """Accept 'EXP-2026-000123', '2026-123', 'exp 2026 123' -> canonical number, or None."""
    m = re.fullmatch(r"\s*(?:EXP[\s\-]*)?(\d{4})[\s\-/]+0*(\d{1,9})\s*", (text or "").upper())
    if not m:
        return None
    return format_number(int(m.group(1)), int(m.group(2)))


_counter = CaseCounter.__table__
_NEXT_NUMBER = (
    _counter.update()
    .where(_counter.c.year == bindparam("k_year"))
    .values(last=_counter.c.last + 1)
    .returning(_counter.c.last)
)


def insert_if_absent(session: Session, table, values: dict) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike (no failed statement, so
    the surrounding transaction stays usable when a concurrent writer created the row first)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    session.connection().execute(dialect_insert(table).values(**values).on_conflict_do_nothing())


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
    return int(result[0])


_party = Party.__table__
_UPDATE_PARTY = (
    _party.update()
    .where(_party.c.doc_type == bindparam("k_type"), _party.c.doc_number == bindparam("k_number"))
    .returning(_party.c.id)
)
_INSERT_PARTY = _party.insert().returning(_party.c.id)
_INSERT_CASE = Expediente.__table__.insert().returning(Expediente.__table__.c.id)
_INSERT_DOCUMENT = Document.__table__.insert()
_INSERT_MOVEMENT = Movement.__table__.insert()
_DESK_UNIT = select(Unit.__table__.c.id).where(Unit.__table__.c.code == "MP")


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


def get_procedure(session: Session, code: str, *, public_only: bool = True) -> Procedure:
    proc = session.exec(select(Procedure).where(Procedure.code == code)).first()
    if proc is None or not proc.active or (public_only and not proc.public):
        raise InvalidInput("procedure", "Elija un trámite de la lista.")
    return proc


def public_procedures(session: Session) -> list[Procedure]:
    return list(
        session.exec(
            select(Procedure)
            .where(Procedure.public == True, Procedure.active == True)  # noqa: E712
            .order_by(Procedure.category, Procedure.name)
        ).all()
    )


# ---------------------------------------------------------------- the filing
def file_case(
    session: Session,
    store: FileStore,
    *,
    procedure_code: str,
    filer: FilerInput,
    subject: str,
    fields: dict[str, str] | None = None,
    files: Sequence[IncomingFile],
    channel: str = "virtual",
    received_at: datetime | None = None,
    registered_by_id: int | None = None,
    calendar: BusinessCalendar | None = None,
    tracking_url: str | None = None,
) -> FilingResult:
    """Register a filing and commit it; raise InvalidInput(s) and write nothing when it is wrong."""
    received_at = received_at or utcnow()
    if channel not in CHANNELS:
        raise InvalidInput("channel", "Canal de recepción desconocido.")
    procedure = get_procedure(session, procedure_code, public_only=channel == "virtual")
    clean_filer, errors = validate_filer(filer, require_email=channel == "virtual")
    subject, clean_fields, detail_errors = validate_details(procedure, subject, fields or {})
    errors.update(detail_errors)
    errors.update(validate_file_counts(procedure, files))
    screened = []
    annex_index = 0
    for f in files:
        try:
            if f.role == "anexo":
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
        )
        if tracking_url and clean_filer.email:  # the confirmation e-mail, queued in the same transaction
            from sgd_app.domain import notify
            from sgd_app.domain.calendar import format_date_es

            subject, body = notify.filing_confirmation(
                result.case.number,
                result.access_key,
                tracking_url,
                procedure.name,
                format_date_es(result.case.filed_on, weekday=True),
            )
            notify.enqueue(
                session,
                to=clean_filer.email,
                subject=subject,
                body=body,
                dedupe_key=f"confirmacion:{result.case.number}",
            )
        from sgd_app.domain import digitize

        digitize.enqueue_case(session, result.case.id, fresh=True)  # text extraction / OCR, in the background
        from sgd_app.domain import search

        search.index_case(session, result.case.id, fresh=True)  # number, subject, filer: searchable at once
        session.commit()
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


def _write_filing(
    session: Session,
    *,
    procedure: Procedure,
    filer: FilerInput,
    subject: str,
    fields: dict[str, str],
    files: Sequence[IncomingFile],
    screened: list,
    channel: str,
    received_at: datetime,
    registered_by_id: int | None,
    calendar: BusinessCalendar | None,
) -> FilingResult:
    """The rows of one filing, written with plain INSERTs (this is the hot path)."""
    year = received_at.astimezone(LIMA).year
    seq = next_number(session, year)  # first statement: takes the numbering lock
    cal = calendar or load_calendar(session)
    filed_on: date = cal.legal_filing_date(received_at)
    due_on = cal.add_business_days(filed_on, procedure.deadline_days)
    party_id = _upsert_party(session, filer)
    key = new_access_key()
    case_values = dict(
        number=format_number(year, seq),
        year=year,
        seq=seq,
        procedure_id=procedure.id,
        party_id=party_id,
        subject=subject,
        fields=fields,
        channel=channel,
        status="registrado",
        priority="normal",
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
    case_id = conn.execute(_INSERT_CASE, case_values).scalar_one()
    case = Expediente(id=case_id, **case_values)
    summaries.apply(session, None, summaries.facts(case_values), calendar=cal)
    doc_rows = []
    annex_no = 0
    for f, s in zip(files, screened):
        if f.role == "anexo":
            annex_no += 1
        label = f.label or ("Documento principal" if f.role == "principal" else f"Anexo {annex_no}")
        doc_rows.append(
            dict(
                expediente_id=case_id,
                kind="solicitud" if f.role == "principal" else "anexo",
                role=f.role,
                label=label[:200],
                filename=_safe_filename(f.filename),
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
            from_unit_id=conn.execute(_DESK_UNIT).scalar(),
            to_unit_id=procedure.unit_id,
            to_user_id=None,
            actor_id=registered_by_id,
            on_behalf_of_id=None,
            instructions="Ingreso por " + CHANNELS[channel],
            priority="normal",
            due_on=due_on,
            created_at=received_at,
            received_at=None,
            received_by_id=None,
        ),
    )
    audit.record(
        session,
        actor=f"user:{registered_by_id}" if registered_by_id else "ciudadano",
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
        },
        at=received_at,
    )
    return FilingResult(case=case, access_key=key, documents=documents)


def _safe_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "documento.pdf"
    return base[-200:]


def _remove_unreferenced(session: Session, store: FileStore, shas: list[str]) -> None:
    for sha in shas:
        try:
            in_use = session.exec(select(func.count()).select_from(Document).where(Document.sha256 == sha)).one()
        except Exception:
            continue
        if not in_use:
            store.remove(sha)


# ---------------------------------------------------------------- tracking
@dataclass
class TrackingView:
    number: str
    status: str
    status_label: str
    procedure: str
    subject: str
    filer_name: str
    received_at: datetime
    filed_on: date
    due_on: date
    unit: str
    folios: int
    channel: str
    documents: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


def find_case(session: Session, number: str) -> Expediente:
    case = session.exec(select(Expediente).where(Expediente.number == number)).first()
    if case is None:
        raise NotFound("Expediente no encontrado.")
    return case


def find_by_key(session: Session, number: str, key: str) -> Expediente:
    """The case with this number and access key; NotFound says the same whatever was wrong."""
    canonical = parse_number(number)
    case = None
    if canonical:
        case = session.exec(select(Expediente).where(Expediente.number == canonical)).first()
    expected = case.access_key_hash if case is not None else "x" * 64
    if not secrets.compare_digest(expected, access_key_hash(key)) or case is None:
        raise NotFound("No encontramos un expediente con ese número y clave. Revise ambos datos.")
    return case


def tracking_view(session: Session, case: Expediente) -> TrackingView:
    procedure = session.get(Procedure, case.procedure_id)
    party = session.get(Party, case.party_id)
    unit = session.get(Unit, case.current_unit_id)
    docs = session.exec(select(Document).where(Document.expediente_id == case.id).order_by(Document.id)).all()
    moves = session.exec(select(Movement).where(Movement.expediente_id == case.id).order_by(Movement.id)).all()
    unit_names = {u.id: u.name for u in session.exec(select(Unit)).all()}
    timeline = [{"at": case.received_at, "title": "Recibido", "detail": CHANNELS.get(case.channel, case.channel)}]
    for m in moves:
        timeline.append(
            {
                "at": m.created_at,
                "title": {
                    "derivar": "Derivado",
                    "copia": "Copia",
                    "devolver": "Devuelto",
                    "observar": "Observado",
                    "atender": "Atendido",
                    "archivar": "Archivado",
                    "subsanar": "Subsanado",
                    "no_presentado": "No presentado",
                    "documento": "Documento emitido",
                    "prioridad": "Prioridad actualizada",
                    "anexo": "Anexo agregado",
                    "acumular": "Acumulado",
                    "acumulacion": "Se le acumuló otro expediente",
                }.get(m.action, m.action.capitalize()),
                "detail": f"A {unit_names.get(m.to_unit_id, '—')}" if m.to_unit_id else "",
            }
        )
        if m.received_at:
            timeline.append(
                {"at": m.received_at, "title": "Recibido por la unidad", "detail": unit_names.get(m.to_unit_id, "")}
            )
    timeline.sort(key=lambda t: t["at"])
    return TrackingView(
        number=case.number,
        status=case.status,
        status_label=STATUSES.get(case.status, case.status),
        procedure=procedure.name if procedure else "",
        subject=case.subject,
        filer_name=party.name if party else "",
        received_at=case.received_at,
        filed_on=case.filed_on,
        due_on=case.due_on,
        unit=unit.name if unit else "",
        folios=case.folios,
        channel=case.channel,
        documents=[
            {
                "label": d.label,
                "filename": d.filename,
                "pages": d.pages,
                "size": d.size,
                "sha256": d.sha256,
                "kind": d.kind,
                "verify_code": d.verify_code or "",
            }
            for d in docs
        ],
        timeline=timeline,
    )


# ---------------------------------------------------------------- receipt
def filing_place(session: Session, case: Expediente, *, virtual_place: str) -> str:
    """Where a filing was received: the virtual desk, or the city of the clerk's desk."""
    if case.channel != "presencial" or not case.registered_by_id:
        return virtual_place
    from sgd_app.domain.models import Membership

    city = session.exec(
        select(Unit.place)
        .join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.user_id == case.registered_by_id, Membership.role == "clerk")
    ).first()
    return f"Mesa de Partes presencial — {city or 'Lima'}, Perú"


def receipt_data(session: Session, case: Expediente, *, institution: str, place: str, tracking_url: str):
    """Everything the receipt (cargo) shows, read from the database."""
    from sgd_app.domain.receipt import ReceiptData, ReceiptFile

    view = tracking_view(session, case)
    party = session.get(Party, case.party_id)
    procedure = session.get(Procedure, case.procedure_id)
    return ReceiptData(
        institution=institution,
        number=case.number,
        received_at=case.received_at,
        filed_on=case.filed_on,
        place=place,
        channel=case.channel,
        procedure=view.procedure,
        category=procedure.category if procedure else "",
        unit=view.unit,
        filer_name=party.name if party else "",
        filer_doc=identity.format_document(party.doc_type, party.doc_number) if party else "",
        filer_kind=identity.PARTY_KINDS.get(party.kind, "") if party else "",
        subject=case.subject,
        folios=case.folios,
        due_on=case.due_on,
        files=tuple(
            ReceiptFile(label=d["label"], filename=d["filename"], pages=d["pages"], size=d["size"], sha256=d["sha256"])
            for d in view.documents
            if d["kind"] in ("solicitud", "anexo")
        ),
        tracking_url=tracking_url,
    )


def attach_receipt(
    session: Session, store: FileStore, *, case: Expediente, sealed_pdf: bytes, verify_code: str, pages: int
) -> Document:
    """File the sealed receipt (cargo) into the case, in the caller's transaction."""
    sha, created = store.put(sealed_pdf)
    try:
        doc = Document(
            expediente_id=case.id,
            kind="cargo",
            role="cargo",
            label="Cargo de recepción",
            filename=f"cargo-{case.number}.pdf",
            sha256=sha,
            size=len(sealed_pdf),
            pages=pages,
            signed=True,
            verify_code=verify_code,
            created_at=utcnow(),
        )
        session.add(doc)
        session.flush()
        audit.record(
            session,
            actor="sistema",
            action="sellar_cargo",
            object_type="expediente",
            object_id=case.number,
            data={"sha256": sha},
        )
    except BaseException:
        if created:
            store.remove(sha)
        raise
    return doc


def sealed_receipt(session: Session, case_id: int) -> Document | None:
    return session.exec(
        select(Document).where(Document.expediente_id == case_id, Document.kind == "cargo").order_by(Document.id.desc())
    ).first()
