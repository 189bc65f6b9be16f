"""What a route declares instead of checking by hand (the way Netflix Dispatch writes its views):
the signed-in staff member, and the objects that member may see, resolved before the body runs.

    @router.get("/api/v1/documentos/{document_id}")
    def document_file(doc: VisibleDocument) -> Response: ...

No valid session cookie -> NotAuthenticated (401); an object that does not exist or belongs to a
case the caller may not see -> NotFound (404, never saying which). Ids and case numbers are typed
and bounded, so an absurd value is a 422 before any query runs, never a database error. The
exception handlers in ``sgd_app.api.errors`` turn both into JSON.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Cookie, Depends, Path, Query

from sgd_app import settings
from sgd_app.domain import access, auth
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import NotAuthenticated, NotFound
from sgd_app.domain.models import Document, Expediente, InternalDocument
from sgd_app.domain.vocabulary import NUMBER_PREFIX

ID_MAX = 2**31 - 1  # ids are INTEGER columns: PostgreSQL refuses a larger one with an error
CASE_NUMBER = rf"^{NUMBER_PREFIX}-[0-9]{{4}}-[0-9]{{1,12}}$"  # as vocabulary.format_number writes it
MSG_DOCUMENT_NOT_FOUND = "Documento no encontrado."

RecordId = Annotated[int, Path(ge=1, le=ID_MAX)]
CaseNumber = Annotated[str, Path(pattern=CASE_NUMBER)]
LinkToken = Annotated[str, Query(max_length=200)]  # a signed link's ``t`` (links.py)
NO_NUL = r"^[^\x00]*$"  # for text that reaches the database: PostgreSQL text cannot hold NUL
SessionCookie = Annotated[str, Cookie(alias=settings.SESSION_COOKIE)]


def _resolve(token: str) -> Principal:
    return auth.resolve(token, idle_minutes=settings.SESSION_IDLE_MINUTES, touch=False)


def current_staff(session_cookie: SessionCookie = "") -> Principal:
    """The staff member behind the HttpOnly session cookie (set by POST /api/v1/sesion)."""
    return _resolve(session_cookie)


def optional_staff(session_cookie: SessionCookie = "") -> Principal | None:
    """The same, or None, for routes that also serve holders of a signed link."""
    try:
        return _resolve(session_cookie)
    except NotAuthenticated:
        return None


CurrentStaff = Annotated[Principal, Depends(current_staff)]
OptionalStaff = Annotated[Principal | None, Depends(optional_staff)]


def api_caller(who: CurrentStaff) -> Principal:
    """Who may open Swagger UI (/api/v1/docs): a signed-in staff session. The description itself
    (/api/v1/openapi.json) also answers an API client's token (``docs.docs_reader``)."""
    return who


ApiCaller = Annotated[Principal, Depends(api_caller)]


def _case_if_visible(who: Principal, number: str) -> Expediente | None:
    try:
        return access.get_case(who, number)
    except NotFound:
        return None


def staff_case_or_none(number: CaseNumber, who: OptionalStaff) -> Expediente | None:
    """The case, when a signed-in staff member who may see it asks; None for anyone else."""
    return _case_if_visible(who, number) if who is not None else None


StaffCaseOrNone = Annotated[Expediente | None, Depends(staff_case_or_none)]


def visible_document(document_id: RecordId, who: CurrentStaff) -> Document:
    """A document (original or annex) of a case the caller may see."""
    return access.document_for(who, document_id)


VisibleDocument = Annotated[Document, Depends(visible_document)]


def visible_internal_document(doc_id: RecordId, who: CurrentStaff) -> InternalDocument:
    """An internal document (memorando, informe, …) of a case the caller may see."""
    return access.internal_document_for(who, doc_id)


VisibleInternalDocument = Annotated[InternalDocument, Depends(visible_internal_document)]
