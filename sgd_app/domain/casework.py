"""The case page's multi-step acts and its one read: attending with a signed answer, observing a
case, and everything the page shows (routing view, documents' text, internal documents, the open
observation, the people the forms offer).

A flow above routing, drafting and observations (each of which uses routing's rules), so that
none of them needs the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from sgd_app import routes, settings
from sgd_app.domain import access, digitize, drafting, observations, records
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Document, InternalDocument, Membership, Observation, Unit, User, pk
from sgd_app.domain.routing.actions import attend
from sgd_app.domain.routing.case_view import CaseView, case_view
from sgd_app.domain.routing.delegation import active_units
from sgd_app.domain.routing.rules import _ensure, _load
from sgd_app.domain.signing.steps import ReturnNote, return_note
from sgd_app.domain.transaction import act, query

NOT_AN_ANSWER = "Elija un documento firmado de este expediente."


def _casilla_url() -> str:
    return f"{settings.PUBLIC_URL}{routes.CASILLA}"


def _tracking_url(number: str) -> str:
    return f"{settings.PUBLIC_URL}{routes.SEGUIMIENTO}?numero={number}"


@act
def attend_with_answer(
    session: Session, *, who: Principal, number: str, version: int, summary: str, answer_id: int | None = None
) -> None:
    """Mark the case answered; with ``answer_id``, deliver that answer to the filer's casilla.

    The answer must be a signed internal document of this very case."""
    case = _load(session, who, number, version)
    _ensure(who, case, "atender")
    answer = None
    if answer_id is not None:
        answer = session.get(Document, answer_id)
        internal = session.exec(select(InternalDocument.id).where(InternalDocument.document_id == answer_id)).first()
        if answer is None or answer.expediente_id != case.id or not answer.signed or internal is None:
            raise InvalidInput("answer", NOT_AN_ANSWER)
    attend(session, who=who, number=number, version=version, summary=summary)
    if answer is not None:
        observations.deliver_answer(
            session,
            case=case,
            document_id=answer.id,
            casilla_url=_casilla_url(),
            download_url=_tracking_url(number),
        )


@act
def observe(session: Session, *, who: Principal, number: str, version: int, items: Sequence[str]) -> Observation:
    """Observe the case (stops its clock) and notify the filer with the links to fix it."""
    return observations.observe(
        session,
        who=who,
        number=number,
        version=version,
        items=list(items),
        casilla_url=_casilla_url(),
        fix_url=_tracking_url(number),
    )


@dataclass
class CasePage:
    """Everything the case page shows, read in one session."""

    view: CaseView
    units: list[Unit]
    text: dict[int, dict]  # document id -> text extraction progress (see digitize.progress)
    internal: list[InternalDocument]
    names: dict[int, str]  # user id -> full name
    observation: Observation | None
    heads: list[tuple[int, str]]  # heads of the unit holding the case (firmantes)
    staff: list[tuple[int, str]] = field(default_factory=list)  # other active users (vistos buenos)
    returns: dict[int, ReturnNote] = field(default_factory=dict)  # draft id -> why it came back
    file: dict[str, str] = field(default_factory=dict)  # the electronic file (records.file_panel)
    series: list[tuple[int, str]] = field(default_factory=list)  # active series, for a head's reclassification


@query
def case_page(session: Session, who: Principal, number: str) -> CasePage:
    """The case page of ``number`` as ``who`` may see it; NotFound otherwise."""
    view = case_view(session, who, number)
    case = view.case
    heads = session.exec(
        select(pk(User), col(User.full_name))
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(
            col(Membership.unit_id) == case.current_unit_id,
            col(Membership.role) == "head",
            col(User.active) == True,  # noqa: E712
        )
    ).all()
    staff = access.reviewers(session, who, case) if "atender" in view.actions else []
    assert case.id is not None
    internal = drafting.documents_of_case(session, case.id)
    returns = {}
    for d in internal:
        if d.status == "borrador" and d.id is not None and (note := return_note(session, d.id)) is not None:
            returns[d.id] = note
    return CasePage(
        view=view,
        units=active_units(session),
        text=digitize.progress(session, [d["id"] for d in view.documents]),
        internal=internal,
        returns=returns,
        names=dict(session.exec(select(pk(User), col(User.full_name))).all()),
        observation=session.exec(
            select(Observation).where(col(Observation.expediente_id) == case.id).order_by(col(Observation.id).desc())
        ).first(),
        heads=[(uid, name) for uid, name in heads],
        staff=staff,
        file=records.file_panel(session, who.roles_in(case.current_unit_id), who.has_role("admin"), case),
        series=records.series_choices(session),
    )


@query
def text_progress(session: Session, document_ids: Iterable[int]) -> dict[int, dict]:
    """Progress of the text extraction (OCR) of these documents, for the page's live indicator."""
    return digitize.progress(session, document_ids)
