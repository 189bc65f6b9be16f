"""Public tracking: the filer finds a case with its number and access key. Wrong guesses are
counted per address and per number (domain/ratelimit.py): the next answer is slowed down
accordingly, and an address that keeps guessing is refused for a while."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from sgd_app.domain import ratelimit
from sgd_app.domain.errors import NotFound
from sgd_app.domain.intake.filing import access_key_hash
from sgd_app.domain.models import Document, Expediente, Movement, Party, Procedure, Unit
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import CHANNEL_LABELS, STATUS_LABELS, parse_number

NOT_FOUND = "No encontramos un expediente con ese número y clave. Revise ambos datos."
PROOF_SECONDS = 30 * 60  # how long a number + key proven in a tab lets the filer act on the case
MOVEMENT_TITLES = {
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
}


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
    """The case with this exact number (staff and internal use: no key)."""
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
        raise NotFound(NOT_FOUND)
    return case


@query
def tracking_view(session: Session, case: Expediente) -> TrackingView:
    """What the public tracking page shows of a case: status, documents and a timeline."""
    procedure = session.get(Procedure, case.procedure_id)
    party = session.get(Party, case.party_id)
    unit = session.get(Unit, case.current_unit_id)
    docs = session.exec(select(Document).where(col(Document.expediente_id) == case.id).order_by(col(Document.id))).all()
    moves = session.exec(
        select(Movement).where(col(Movement.expediente_id) == case.id).order_by(col(Movement.id))
    ).all()
    unit_names = {u.id: u.name for u in session.exec(select(Unit)).all()}
    timeline: list[dict[str, Any]] = [
        {"at": case.received_at, "title": "Recibido", "detail": CHANNEL_LABELS.get(case.channel, case.channel)}
    ]
    for m in moves:
        timeline.append(
            {
                "at": m.created_at,
                "title": MOVEMENT_TITLES.get(m.action, m.action.capitalize()),
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
        status_label=STATUS_LABELS.get(case.status, case.status),
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


def throttle_keys(number: str, client_ip: str) -> tuple[str, str]:
    """What a lookup is limited by: the caller's address and the canonical number asked for."""
    canonical = parse_number(number) or number.strip().upper()
    return client_ip or "?", canonical


def lookup_delay(keys: tuple[str, str]) -> float:
    """Seconds to wait before answering a lookup (guessing gets slower; other filers are not
    affected). Raises Limited when the address has been refused for a while."""
    ip, number = keys
    ratelimit.check("track-ip", ip)
    return max(ratelimit.delay("track-ip", ip), ratelimit.delay("track-num", number))


@act
def track(session: Session, *, number: str, key: str, keys: tuple[str, str]) -> TrackingView:
    """The tracking view of the case with this number and key. A wrong pair counts a failure
    against the address and the number before raising NotFound."""
    ip, canonical = keys
    ratelimit.check("track-ip", ip)
    try:
        case = find_by_key(session, number, key)
    except NotFound:
        ratelimit.hit("track-ip", ip)
        ratelimit.hit("track-num", canonical)
        raise
    return tracking_view(session, case)


def proof_valid(proven_at: float, now: float) -> bool:
    """Whether a number + key proven at ``proven_at`` (epoch seconds) still lets the filer act."""
    return bool(proven_at) and now - proven_at <= PROOF_SECONDS


@query
def case_tracking(session: Session, number: str) -> TrackingView:
    """The tracking view of a case whose number + key the caller has already proven."""
    return tracking_view(session, find_case(session, number))
