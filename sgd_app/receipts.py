"""Wiring of the receipt (cargo) to this installation: signed download links and rendering."""

from __future__ import annotations

from urllib.parse import quote

from sgd_app import db, settings
from sgd_app.domain import auth, intake
from sgd_app.domain.intake.receipt import render_receipt_pdf

LINK_TTL = 24 * 3600


def tracking_url(number: str) -> str:
    return f"{settings.PUBLIC_URL}/seguimiento?numero={quote(number)}"


def download_url(number: str) -> str:
    token = auth.sign_token(settings.secret_key(), "cargo", number, ttl_seconds=LINK_TTL)
    return f"/api/v1/cargo/{quote(number)}.pdf?t={token}"


def answer_url(number: str) -> str:
    token = auth.sign_token(settings.secret_key(), "respuesta", number, ttl_seconds=LINK_TTL)
    return f"/api/v1/respuesta/{quote(number)}.pdf?t={token}"


def notice_url(notice_id: int) -> str:
    token = auth.sign_token(settings.secret_key(), "aviso", str(notice_id), ttl_seconds=3600)
    return f"/api/v1/avisos/{int(notice_id)}.pdf?t={token}"


def token_ok(number: str, token: str) -> bool:
    return auth.check_token(settings.secret_key(), "cargo", number, token)


def seal_and_file(number: str) -> bytes:
    """Render the receipt, seal it with the institution's seal (PAdES B-T) and file it in the
    case; returns the sealed PDF. Called right after the filing is committed."""
    from sqlmodel import select

    from sgd_app import signatures
    from sgd_app.domain.documents import FileStore
    from sgd_app.domain.models import Expediente

    with db.session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        place = intake.filing_place(s, case, virtual_place=settings.FILING_PLACE)
        data = intake.receipt_data(
            s, case, institution=settings.INSTITUTION_NAME, place=place, tracking_url=tracking_url(number)
        )
    pdf = render_receipt_pdf(data)
    code = signatures.new_code()
    sealed = signatures.seal(pdf, code=code, reason=f"Cargo de recepción — {number}")
    with db.write_session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        pages = _pages(sealed)
        intake.attach_receipt(
            s, FileStore(settings.files_dir()), case=case, sealed_pdf=sealed, verify_code=code, pages=pages
        )
    return sealed


def _pages(pdf: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def render(number: str) -> bytes | None:
    from sqlmodel import select

    from sgd_app.domain.documents import FileStore
    from sgd_app.domain.models import Expediente

    with db.session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).first()
        if case is None:
            return None
        sealed = intake.sealed_receipt(s, case.id)
        if sealed is not None:  # the sealed original, byte for byte
            return FileStore(settings.files_dir()).read(sealed.sha256)
        place = intake.filing_place(s, case, virtual_place=settings.FILING_PLACE)
        data = intake.receipt_data(
            s, case, institution=settings.INSTITUTION_NAME, place=place, tracking_url=tracking_url(number)
        )
    return render_receipt_pdf(data)
