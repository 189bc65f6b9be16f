"""The receipt (cargo) of a filing on the database side: where it was received, what it shows,
the institution's seal on it right after the filing is committed (PAdES B-T), filed back into
the case, and the receipt served later (the sealed original, byte for byte, when there is one)."""

from __future__ import annotations

import io
from datetime import UTC

import pikepdf
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sgd_app import db, settings
from sgd_app.domain import audit, identity
from sgd_app.domain.documents import FileStore
from sgd_app.domain.intake.filing import CONFIRMATION_KEY
from sgd_app.domain.intake.receipt import HOLIDAY_NOTE, ReceiptData, ReceiptFile, render_receipt_pdf
from sgd_app.domain.intake.tracking import tracking_view
from sgd_app.domain.links import tracking_url
from sgd_app.domain.models import Document, Expediente, Membership, Party, Procedure, Unit, utcnow
from sgd_app.domain.signing import config as signing_config
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import LIMA, Channel, Role


def late_filing_note(case: Expediente) -> str:
    """The Ley 31465 note when the filing arrived on a non-business day (empty otherwise)."""
    received = case.received_at if case.received_at.tzinfo else case.received_at.replace(tzinfo=UTC)
    return HOLIDAY_NOTE if case.filed_on != received.astimezone(LIMA).date() else ""


def filing_place(session: Session, case: Expediente, *, virtual_place: str) -> str:
    """Where a filing was received: the virtual desk, the exchange between institutions, or the
    city of the clerk's desk."""
    if case.channel == Channel.INTEROPERABILIDAD:
        return "Interoperabilidad — intercambio electrónico entre entidades"
    if case.channel != Channel.PRESENCIAL or not case.registered_by_id:
        return virtual_place
    city = session.exec(
        select(col(Unit.place))
        .join(Membership, col(Membership.unit_id) == col(Unit.id))
        .where(col(Membership.user_id) == case.registered_by_id, col(Membership.role) == Role.CLERK)
    ).first()
    return f"Mesa de Partes presencial — {city or 'Lima'}, Perú"


def receipt_data(session: Session, case: Expediente, *, institution: str, place: str, tracking_url: str) -> ReceiptData:
    """Everything the receipt (cargo) shows, read from the database."""
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
        assert case.id is not None
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
    """The latest sealed receipt filed in the case, if any."""
    return session.exec(
        select(Document)
        .where(col(Document.expediente_id) == case_id, col(Document.kind) == "cargo")
        .order_by(col(Document.id).desc())
    ).first()


def seal_and_file(number: str, *, engine: Engine | None = None) -> bytes:
    """Render the receipt, seal it with the institution's seal (PAdES B-T) and file it in the
    case; returns the sealed PDF. The sealing runs between a read and a short write transaction,
    so no write lock is held while signing."""
    with db.session(engine) as s:
        case = _case(s, number)
        pdf = render_receipt_pdf(_receipt_data(s, case))
    code = signing_config.new_code()
    sealed = signing_config.seal(pdf, code=code, reason=f"Cargo de recepción — {number}")
    with pikepdf.open(io.BytesIO(sealed)) as doc:
        pages = len(doc.pages)
    with db.write_session(engine) as s:
        attach_receipt(
            s, FileStore(settings.files_dir()), case=_case(s, number), sealed_pdf=sealed, verify_code=code, pages=pages
        )
    return sealed


@query
def render_receipt(session: Session, number: str) -> bytes | None:
    """The receipt of case ``number`` (None when there is no such case): the sealed original when
    it was filed, else rendered now."""
    case = session.exec(select(Expediente).where(Expediente.number == number)).first()
    if case is None:
        return None
    assert case.id is not None
    sealed = sealed_receipt(session, case.id)
    if sealed is not None:
        return FileStore(settings.files_dir()).read(sealed.sha256)
    return render_receipt_pdf(_receipt_data(session, case))


def _case(session: Session, number: str) -> Expediente:
    return session.exec(select(Expediente).where(Expediente.number == number)).one()


def _receipt_data(session: Session, case: Expediente) -> ReceiptData:
    place = filing_place(session, case, virtual_place=settings.FILING_PLACE)
    return receipt_data(
        session, case, institution=settings.INSTITUTION_NAME, place=place, tracking_url=tracking_url(case.number)
    )


SEAL_WAIT_SECONDS = 120  # how long a confirmation waits for the sealed receipt before it goes unsealed


@query
def _waiting_for_seal(session: Session, number: str) -> bool:
    case = session.exec(select(Expediente).where(Expediente.number == number)).first()
    if case is None or case.id is None or sealed_receipt(session, case.id) is not None:
        return False
    received = case.received_at if case.received_at.tzinfo else case.received_at.replace(tzinfo=UTC)
    return (utcnow() - received).total_seconds() < SEAL_WAIT_SECONDS


def email_attachments(engine: Engine | None, dedupe_key: str) -> list[tuple[str, bytes]] | None:
    """The files an outgoing e-mail carries, from its dedupe key: the confirmation of a filing
    ("confirmacion:<number>") carries its receipt — the sealed original; None (try again soon)
    while the seal is being applied, for at most SEAL_WAIT_SECONDS (a failed seal does not hold
    the e-mail back: the receipt then goes as rendered, like the download)."""
    if not dedupe_key.startswith(CONFIRMATION_KEY):
        return []
    number = dedupe_key[len(CONFIRMATION_KEY) :]
    if _waiting_for_seal(number, engine=engine):
        return None
    pdf = render_receipt(number, engine=engine)
    return [(f"cargo-{number}.pdf", pdf)] if pdf else []
