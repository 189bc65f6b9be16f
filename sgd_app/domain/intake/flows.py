"""The named flow of the front desk: file the case, then seal its receipt.

``file_case_and_seal`` is what the Mesa de Partes screen (online and at the desk) calls. Each
step is a small function of its own: choosing the channel, the filing (one transaction that also
queues the confirmation e-mail, the text extraction and the search index), the sealed receipt
(PAdES with the institution's seal, filed into the case) and what the filer sees afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from sgd_app import logs, metrics
from sgd_app.domain import notify, ratelimit
from sgd_app.domain.auth import Principal
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Forbidden
from sgd_app.domain.intake import sealing
from sgd_app.domain.intake.filing import FilingResult, file_case, replayed_filing
from sgd_app.domain.intake.sealing import filing_place, late_filing_note
from sgd_app.domain.intake.validation import FilerInput, IncomingFile
from sgd_app.domain.models import Document, Expediente, Procedure, Unit
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import Channel, Role

log = logging.getLogger(__name__)
DESK_ONLY = "Solo el personal de mesa de partes registra documentos en papel."


@dataclass
class FiledCase:
    """What the filer sees once the filing is committed (the access key is shown only here)."""

    case: Expediente
    access_key: str
    unit_name: str
    place: str
    late_note: str  # the Ley 31465 note, empty when filed on a business day
    sealed: bool
    documents: list[Document] = field(default_factory=list)
    promise: str = ""  # "Le responderemos hasta el 15 de diciembre de 2026 (10 días hábiles)."


def desk_clerk_id(who: Principal) -> int:
    """The id of the clerk registering paper at the desk; refuses staff who are not clerks."""
    if not who.has_role(Role.CLERK):
        raise Forbidden(DESK_ONLY)
    assert who.user.id is not None
    return who.user.id


def channel_for(clerk_id: int | None) -> Channel:
    """Paper registered by a clerk is "presencial"; everything else arrives online."""
    return Channel.PRESENCIAL if clerk_id else Channel.VIRTUAL


def seal_receipt(number: str) -> bool:
    """Seal the receipt and file it in the case; the filing stands without it (logged)."""
    try:
        sealing.seal_and_file(number)
    except Exception:
        metrics.signing_error("sello")
        log.exception("No se pudo sellar el cargo de %s", number, extra={"case": number})
        return False
    return True


@query
def filed_case(session: Session, result: FilingResult, *, sealed: bool, virtual_place: str) -> FiledCase:
    """The filer's view of a committed filing: unit, place of reception and the Ley 31465 note."""
    unit = session.get(Unit, result.case.current_unit_id)
    procedure = session.get(Procedure, result.case.procedure_id)
    return FiledCase(
        case=result.case,
        access_key=result.access_key,
        unit_name=unit.name if unit else "",
        place=filing_place(session, result.case, virtual_place=virtual_place),
        late_note=late_filing_note(result.case),
        sealed=sealed,
        documents=result.documents,
        promise=notify.answer_promise(result.case.due_on, procedure.deadline_days if procedure else 0),
    )


@query
def _has_sealed_receipt(session: Session, case_id: int) -> bool:
    return sealing.sealed_receipt(session, case_id) is not None


def _sealed_or_seal(result: FilingResult, *, engine: Engine | None) -> bool:
    """A resend's receipt: sealed already, or sealed now (the server that filed the case may have
    stopped between the filing's commit and the sealing: the case stands, its receipt comes now)."""
    assert result.case.id is not None
    return _has_sealed_receipt(result.case.id, engine=engine) or seal_receipt(result.case.number)


def _filer_key(filer: FilerInput) -> str:
    return f"{filer.doc_type}:{(filer.doc_number or '').strip().upper()}"


def check_filing_limits(filer: FilerInput, client_ip: str) -> None:
    """Refuse (Limited, in Spanish) an online filing over the limits of its address or its
    filer's document number. Paper registered at the desk is not limited."""
    ratelimit.check("filing-ip", client_ip or "?")
    ratelimit.check("filing-doc", _filer_key(filer))


def count_filing(filer: FilerInput, client_ip: str) -> None:
    """Count a filing that was received against its address and its filer's document number."""
    ratelimit.hit("filing-ip", client_ip or "?")
    ratelimit.hit("filing-doc", _filer_key(filer))


def file_case_and_seal(
    store: FileStore,
    *,
    procedure_code: str,
    filer: FilerInput,
    subject: str,
    fields: dict[str, str],
    files: Sequence[IncomingFile],
    clerk_id: int | None = None,
    tracking_url: str,
    virtual_place: str,
    client_ip: str = "",
    attempt_key: str = "",
    channel: str = "",
    actor: str = "",
    engine: Engine | None = None,
) -> FiledCase:
    """File a case (its own transaction), seal its receipt, and return what the filer sees.
    Raises InvalidInput(s) and writes nothing when the filing is wrong; online filings beyond
    the limits per address and per document number are refused (Limited) before anything.
    ``channel="api"`` (with ``actor`` the client): a filing sent by an API client, limited by
    the client's own rate limit instead of the per-address one."""
    channel = channel or channel_for(clerk_id)
    online = clerk_id is None and channel == Channel.VIRTUAL
    earlier = replayed_filing(attempt_key, engine=engine) if attempt_key else None
    if earlier is not None:  # a resend of an attempt already filed: the same receipt
        return filed_case(
            earlier, sealed=_sealed_or_seal(earlier, engine=engine), virtual_place=virtual_place, engine=engine
        )
    if online:
        check_filing_limits(filer, client_ip)
    result = file_case(
        store,
        procedure_code=procedure_code,
        filer=filer,
        subject=subject,
        fields=fields,
        files=files,
        channel=channel,
        registered_by_id=clerk_id,
        tracking_url=tracking_url,
        attempt_key=attempt_key,
        actor=actor,
        engine=engine,
    )
    if result.replayed:  # filed by a concurrent resend of this attempt
        return filed_case(
            result, sealed=_sealed_or_seal(result, engine=engine), virtual_place=virtual_place, engine=engine
        )
    if online:
        count_filing(filer, client_ip)
    metrics.filing(result.case.channel)
    logs.bind_case(result.case.number)
    log.info("Trámite registrado (%s)", result.case.channel)
    sealed = seal_receipt(result.case.number)
    return filed_case(result, sealed=sealed, virtual_place=virtual_place, engine=engine)
