"""File downloads: the filing receipt, a case's originals, internal documents, the answer and a
casilla notice's document. Staff routes declare who may see the file (``deps``); the public ones
check the signed link they were given (``links``)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

from sgd_app import settings
from sgd_app.api.deps import (
    CaseNumber,
    LinkToken,
    RecordId,
    StaffCaseOrNone,
    VisibleDocument,
    VisibleInternalDocument,
)
from sgd_app.api.responses import NO_STORE, file_headers, header_filename, pdf_response
from sgd_app.domain import auth, drafting, intake, links, observations
from sgd_app.domain.documents import FileStore, pdf_stem
from sgd_app.domain.errors import Forbidden, NotFound

router = APIRouter()

MSG_RECEIPT_LINK = (
    "Enlace vencido o no autorizado. Consulte su expediente otra vez en Seguimiento para obtener un enlace nuevo."
)
MSG_ANSWER_LINK = "Enlace vencido o no autorizado. Consulte su expediente otra vez."
MSG_NOTICE_LINK = "Enlace vencido o no autorizado. Vuelva a abrir su casilla."
MSG_NO_ORIGINAL = "El archivo original no está disponible."


def _store() -> FileStore:
    return FileStore(settings.files_dir())


@router.get("/api/v1/cargo/{number}.pdf")
def cargo_pdf(number: CaseNumber, case: StaffCaseOrNone, t: LinkToken = "") -> Response:
    """The filing receipt, for whoever holds the signed link (given with the number and key)
    or a signed-in staff member who may see the case."""
    if case is None and not (t and links.token_ok(number, t)):
        raise Forbidden(MSG_RECEIPT_LINK)
    pdf = intake.render_receipt(number)
    if pdf is None:
        raise NotFound("Expediente no encontrado.")
    return pdf_response(pdf, f"cargo-{number}.pdf")


@router.get("/api/v1/documentos/{document_id}")
def document_file(doc: VisibleDocument, descargar: bool = False) -> Response:
    """A case's original, for a signed-in staff member who may see the case (inline for the
    in-browser viewer, or as a download)."""
    path = _store().path(doc.sha256)
    if not path.is_file():
        raise HTTPException(410, MSG_NO_ORIGINAL, headers=NO_STORE)
    headers = file_headers(header_filename(pdf_stem(doc.filename)), inline=not descargar)
    return FileResponse(path, media_type="application/pdf", headers={**headers, "X-Frame-Options": "SAMEORIGIN"})


@router.get("/api/v1/borradores/{doc_id}.pdf")
def internal_document_pdf(doc: VisibleInternalDocument) -> Response:
    """An internal document for staff who may see its case: the draft rendered with the BORRADOR
    mark, or the current (frozen / partly signed / signed) revision byte for byte."""
    if doc.current_sha256:
        pdf = _store().read(doc.current_sha256)
    else:
        pdf = drafting.draft_pdf(doc)
    return pdf_response(pdf, f"documento-{doc.id}.pdf", inline=True)


@router.get("/api/v1/respuesta/{number}.pdf")
def answer_pdf(number: CaseNumber, t: LinkToken = "") -> Response:
    """The signed answer of a case, for whoever holds the link given after number + access key
    (tracking) or in the casilla."""
    if not (t and auth.check_token(settings.secret_key(), "respuesta", number, t)):
        raise Forbidden(MSG_ANSWER_LINK)
    doc = observations.answer_of(number)
    if doc is None:
        raise NotFound("Este expediente aún no tiene respuesta.")
    return pdf_response(_store().read(doc.sha256), f"respuesta-{number}.pdf")


@router.get("/api/v1/avisos/{notice_id}.pdf")
def notice_pdf(notice_id: RecordId, t: LinkToken = "") -> Response:
    """The document attached to a casilla notice (signed link issued to the opened casilla)."""
    if not (t and auth.check_token(settings.secret_key(), "aviso", str(notice_id), t)):
        raise Forbidden(MSG_NOTICE_LINK)
    doc = observations.notice_document(notice_id)
    if doc is None:
        raise NotFound("Documento no encontrado.")
    name = header_filename(pdf_stem(doc.filename), default=f"aviso-{notice_id}.pdf")
    return pdf_response(_store().read(doc.sha256), name)
