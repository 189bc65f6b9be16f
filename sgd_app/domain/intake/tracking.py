"""Public tracking: the filer finds a case with its number and access key. Wrong guesses are
counted per address and per number (domain/ratelimit.py): the next answer is slowed down
accordingly, and an address that keeps guessing is refused for a while."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from sgd_app.domain import audit, links, notify, ratelimit
from sgd_app.domain.calendar import format_date_es
from sgd_app.domain.errors import NotFound
from sgd_app.domain.intake.filing import access_key_hash, new_access_key
from sgd_app.domain.models import Document, Expediente, Movement, Notice, Party, Procedure, Unit, table_of
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import CHANNEL_LABELS, STATUS_LABELS, CaseStatus, parse_number

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
    "reclasificar": "Procedimiento corregido por mesa de partes",
}


RECEIVED = "Recibido"
RECEIVED_BY_UNIT = "Recibido por la unidad"

# What the citizen reads as the status of a case, and one line saying what it means for them.
# The status is taken from the same timeline the page shows (see ``citizen_status``).
CITIZEN_STATUS: dict[str, tuple[str, str]] = {
    RECEIVED: ("Recibido", "Recibimos su documento; en breve lo enviaremos a la unidad que lo atiende."),
    "Derivado": ("Derivado", "Su expediente fue enviado a la unidad que lo atiende; aún debe recibirlo."),
    RECEIVED_BY_UNIT: ("En atención", "La unidad a cargo recibió su expediente y lo está atendiendo."),
    "Devuelto": (
        "Devuelto",
        "Su expediente volvió a una unidad anterior para una revisión interna; no necesita hacer nada.",
    ),
    "Observado": (
        "Observado",
        "Debe corregir lo observado antes de la fecha indicada; mientras tanto el plazo está detenido.",
    ),
    "Subsanado": ("Subsanado", "Recibimos su subsanación; su expediente continúa su trámite."),
    "Atendido": ("Atendido", "Su pedido fue respondido: descargue la respuesta aquí o en su casilla electrónica."),
    "Archivado": ("Archivado", "El trámite terminó y el expediente fue archivado."),
    "No presentado": (
        "No presentado",
        "Las observaciones no se corrigieron a tiempo: la solicitud se tiene por no presentada. "
        "Puede presentar una nueva.",
    ),
    "Acumulado": ("Acumulado", "Su expediente se unió a otro relacionado y se atiende junto con él."),
}
# The stored status that settles the question when the timeline says something else.
_SETTLED = {
    CaseStatus.OBSERVADO: "Observado",
    CaseStatus.SUBSANADO: "Subsanado",
    CaseStatus.ATENDIDO: "Atendido",
    CaseStatus.ARCHIVADO: "Archivado",
    CaseStatus.NO_PRESENTADO: "No presentado",
    CaseStatus.ACUMULADO: "Acumulado",
}


def citizen_status(status: str, timeline: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """The status the citizen reads, and its one-line explanation: the latest step of the
    timeline that changes where the case stands (a copy, a new priority or an annex does not),
    unless the stored status has settled the case (observed, answered, archived...). So the
    header and the history the page shows never contradict each other."""
    settled = next((title for st, title in _SETTLED.items() if st == status), None)
    latest = RECEIVED
    for event in sorted(timeline, key=lambda t: t["at"]):
        if event["title"] in CITIZEN_STATUS:
            latest = event["title"]
    key = settled if settled and latest != settled else latest
    return CITIZEN_STATUS[key]


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
    public_status: str = ""  # what the citizen reads (citizen_status), agreeing with the timeline
    public_status_note: str = ""


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


def citizen_documents(session: Session, case: Expediente) -> list[tuple[Document, bool]]:
    """The documents of ``case`` its filer may see, each with whether it was sent to them: what
    they filed (online, at the desk, or to fix an observation: no staff author), the receipt,
    and what was deposited in their casilla (the answer). Nothing internal: staff annexes,
    reports and memos the units issued stay inside."""
    sent_ids = set(
        session.exec(
            select(col(Notice.document_id)).where(
                col(Notice.expediente_id) == case.id, col(Notice.document_id).is_not(None)
            )
        ).all()
    )
    out = []
    for d in session.exec(select(Document).where(col(Document.expediente_id) == case.id).order_by(col(Document.id))):
        sent = d.id in sent_ids or d.role == "cargo"
        if sent or (d.author_id is None and d.role in ("principal", "anexo")):
            out.append((d, sent))
    return out


@query
def tracking_view(session: Session, case: Expediente) -> TrackingView:
    """What the public tracking page shows of a case: status, documents and a timeline."""
    procedure = session.get(Procedure, case.procedure_id)
    party = session.get(Party, case.party_id)
    unit = session.get(Unit, case.current_unit_id)
    docs = citizen_documents(session, case)
    moves = session.exec(
        select(Movement).where(col(Movement.expediente_id) == case.id).order_by(col(Movement.id))
    ).all()
    unit_names = {u.id: u.name for u in session.exec(select(Unit)).all()}
    timeline: list[dict[str, Any]] = [
        {"at": case.received_at, "title": RECEIVED, "detail": CHANNEL_LABELS.get(case.channel, case.channel)}
    ]
    for m in moves:
        timeline.append(
            {
                "at": m.created_at,
                "title": MOVEMENT_TITLES.get(m.action, m.action.capitalize()),
                "detail": f"A {unit_names.get(m.to_unit_id, '—')}" if m.to_unit_id else "",
            }
        )
        if m.received_at and m.action != "copia":  # a copy's receipt is only its read mark
            timeline.append(
                {"at": m.received_at, "title": RECEIVED_BY_UNIT, "detail": unit_names.get(m.to_unit_id, "")}
            )
    timeline.sort(key=lambda t: t["at"])
    public_status, public_note = citizen_status(case.status, timeline)
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
                "sent": sent,
            }
            for d, sent in docs
        ],
        timeline=timeline,
        public_status=public_status,
        public_status_note=public_note,
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


# ---------------------------------------------------------------- "¿Olvidó su clave?"
KEY_SENT = (
    "Si el número de expediente y el documento coinciden con la presentación, enviamos una nueva clave "
    "al correo registrado en ella. Revise su bandeja de entrada (y la de correo no deseado)."
)
_expediente = table_of(Expediente)


def _doc_digits(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "").upper()


@act
def resend_key(session: Session, *, number: str, doc_number: str, client_ip: str) -> bool:
    """A forgotten access key: when the case number and the filer's document number both match
    the filing, a NEW key replaces the old one (only its hash is stored) and goes to the e-mail
    of the filing. The caller shows the same sentence (KEY_SENT) whatever the outcome; every
    request counts against the address and the number (domain/ratelimit.py), matched or not.
    Returns whether a key was sent (for tests and the audit trail, never for the screen)."""
    ip = client_ip or "?"
    canonical = parse_number(number) or (number or "").strip().upper()[:40]
    ratelimit.check("key-resend-ip", ip)
    ratelimit.check("key-resend-num", canonical)
    ratelimit.hit("key-resend-ip", ip)
    ratelimit.hit("key-resend-num", canonical)
    case = session.exec(select(Expediente).where(Expediente.number == canonical)).first() if canonical else None
    party = session.get(Party, case.party_id) if case is not None else None
    given = _doc_digits(doc_number)
    expected = _doc_digits(party.doc_number) if party is not None else "-"
    if case is None or party is None or not given or not secrets.compare_digest(expected, given) or not party.email:
        return False
    key = new_access_key()
    session.connection().execute(
        _expediente.update().where(_expediente.c.id == case.id).values(access_key_hash=access_key_hash(key))
    )
    subject, body = notify.key_reminder(case.number, key, links.tracking_url(case.number))
    notify.enqueue(session, to=party.email, subject=subject, body=body)
    audit.record(
        session,
        actor="ciudadano",
        action="reenviar_clave",
        object_type="expediente",
        object_id=case.number,
        data={"correo": notify.mask_email(party.email)},
    )
    return True


# ---------------------------------------------------------------- the citizen's cases (casilla)
CASES_PER_PAGE = 10


@dataclass
class PartyCases:
    """One page of a filer's cases, newest first, each with the status the citizen reads."""

    name: str
    total: int
    page: int  # 0-based, clamped to the pages there are
    pages: int
    rows: list[dict[str, str]]


def _light_timeline(moves: Sequence[Movement], received_at: datetime) -> list[dict[str, Any]]:
    timeline: list[dict[str, Any]] = [{"at": received_at, "title": RECEIVED}]
    for m in moves:
        timeline.append({"at": m.created_at, "title": MOVEMENT_TITLES.get(m.action, m.action)})
        if m.received_at and m.action != "copia":  # a copy's receipt is only its read mark
            timeline.append({"at": m.received_at, "title": RECEIVED_BY_UNIT})
    return timeline


@query
def party_cases(session: Session, party_id: int, *, page: int = 0, per_page: int = CASES_PER_PAGE) -> PartyCases:
    """The cases filed by ``party_id`` (the owner of an opened casilla), one page at a time: only
    that page is read and handed to the screen."""
    party = session.get(Party, party_id)
    total = session.exec(select(func.count()).select_from(Expediente).where(col(Expediente.party_id) == party_id)).one()
    pages = max(1, -(-int(total) // per_page))
    page = min(max(0, page), pages - 1)
    cases = session.exec(
        select(Expediente)
        .where(col(Expediente.party_id) == party_id)
        .order_by(col(Expediente.received_at).desc(), col(Expediente.id).desc())
        .offset(page * per_page)
        .limit(per_page)
    ).all()
    ids = [c.id for c in cases]
    moves: dict[int | None, list[Movement]] = {i: [] for i in ids}
    if ids:
        for m in session.exec(
            select(Movement).where(col(Movement.expediente_id).in_(ids)).order_by(col(Movement.id))
        ).all():
            moves[m.expediente_id].append(m)
    names = {
        p.id: p.name
        for p in session.exec(select(Procedure).where(col(Procedure.id).in_({c.procedure_id for c in cases}))).all()
    }
    rows = []
    for c in cases:
        label, note = citizen_status(c.status, _light_timeline(moves[c.id], c.received_at))
        rows.append(
            {
                "number": c.number,
                "procedure": names.get(c.procedure_id, ""),
                "status": label,
                "note": note,
                "filed": format_date_es(c.filed_on),
            }
        )
    return PartyCases(name=party.name if party else "", total=int(total), page=page, pages=pages, rows=rows)
