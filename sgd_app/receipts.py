"""Wiring of the receipt (cargo) to this installation: signed download links and rendering."""
from __future__ import annotations

from urllib.parse import quote

from sgd_app import db, settings
from sgd_app.domain import auth, intake
from sgd_app.domain.receipt import render_receipt_pdf

LINK_TTL = 24 * 3600


def tracking_url(number: str) -> str:
    return f"{settings.PUBLIC_URL}/seguimiento?numero={quote(number)}"


def download_url(number: str) -> str:
    token = auth.sign_token(settings.secret_key(), "cargo", number, ttl_seconds=LINK_TTL)
    return f"/api/v1/cargo/{quote(number)}.pdf?t={token}"


def token_ok(number: str, token: str) -> bool:
    return auth.check_token(settings.secret_key(), "cargo", number, token)


def render(number: str) -> bytes | None:
    from sqlmodel import select

    from sgd_app.domain.models import Expediente

    with db.session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).first()
        if case is None:
            return None
        place = settings.DESK_PLACE if case.channel == "presencial" else settings.FILING_PLACE
        data = intake.receipt_data(s, case, institution=settings.INSTITUTION_NAME, place=place,
                                   tracking_url=tracking_url(number))
    return render_receipt_pdf(data)
