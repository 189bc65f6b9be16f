"""The desk's printed cargo for the citizen: the receipt with the access key on it.

The key is known only at the moment of registration (the database keeps its hash), so the
clerk's screen holds it and sends it back to print; the copy is rendered only when the key
matches the case, for staff who may see the case. It is never stored nor sealed: the sealed
original (without the key) stays the case's receipt."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from sgd_app import settings
from sgd_app.domain import access
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.intake.filing import access_key_hash
from sgd_app.domain.intake.receipt import render_receipt_pdf
from sgd_app.domain.intake.sealing import filing_place, receipt_data
from sgd_app.domain.links import tracking_url
from sgd_app.domain.transaction import query

WRONG_KEY = "La clave de acceso no corresponde a este expediente."


@query
def desk_copy(session: Session, who: Principal, number: str, access_key: str) -> bytes:
    """The cargo of case ``number`` with ``access_key`` printed on it (A4 PDF)."""
    case = access.get_case(session, who, number)
    key = (access_key or "").strip()[:40]
    if not key or not secrets.compare_digest(case.access_key_hash, access_key_hash(key)):
        raise InvalidInput("clave", WRONG_KEY)
    data = receipt_data(
        session,
        case,
        institution=settings.INSTITUTION_NAME,
        place=filing_place(session, case, virtual_place=settings.FILING_PLACE),
        tracking_url=tracking_url(case.number),
    )
    return render_receipt_pdf(data, access_key=key.upper())
