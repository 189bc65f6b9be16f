"""The institution's seal on the filing receipt (cargo): sealed right after the filing is
committed, and the receipt served later (the sealed original, byte for byte, when there is one)."""

from __future__ import annotations

import io

import pikepdf
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sgd_app import db, settings
from sgd_app.domain import intake
from sgd_app.domain.documents import FileStore
from sgd_app.domain.links import tracking_url
from sgd_app.domain.models import Expediente
from sgd_app.domain.receipt import render_receipt_pdf
from sgd_app.domain.signing import config
from sgd_app.domain.transaction import query


def seal_and_file(number: str, *, engine: Engine | None = None) -> bytes:
    """Render the receipt, seal it with the institution's seal (PAdES B-T) and file it in the
    case; returns the sealed PDF. The sealing runs between a read and a short write transaction,
    so no write lock is held while signing."""
    with db.session(engine) as s:
        case = _case(s, number)
        pdf = render_receipt_pdf(_receipt_data(s, case))
    code = config.new_code()
    sealed = config.seal(pdf, code=code, reason=f"Cargo de recepción — {number}")
    with pikepdf.open(io.BytesIO(sealed)) as doc:
        pages = len(doc.pages)
    with db.write_session(engine) as s:
        intake.attach_receipt(
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
    sealed = intake.sealed_receipt(session, case.id)
    if sealed is not None:
        return FileStore(settings.files_dir()).read(sealed.sha256)
    return render_receipt_pdf(_receipt_data(session, case))


def _case(session: Session, number: str) -> Expediente:
    return session.exec(select(Expediente).where(Expediente.number == number)).one()


def _receipt_data(session: Session, case: Expediente):
    place = intake.filing_place(session, case, virtual_place=settings.FILING_PLACE)
    return intake.receipt_data(
        session, case, institution=settings.INSTITUTION_NAME, place=place, tracking_url=tracking_url(case.number)
    )
