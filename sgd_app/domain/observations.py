"""Observations (art. 136, TUO Ley 27444) and the filer's casilla electrónica.

- An incomplete filing is accepted; the unit observes it ONCE, listing every observation in one
  act. The case becomes "observado": its deadline clock stops and it cannot be routed.
- The filer has 2 business days, counted from the notification (the deposit in the casilla), to
  fix it in the portal. Fixed in time, the case resumes with its original filing date and its
  deadlines move by the business days the clock was stopped. Not fixed, a job marks it
  "no presentado" (counts as not filed), notifies the filer and the trail says why.
- A notice deposited in the casilla takes legal effect when deposited; an e-mail alert goes out
  at the same time (through the outbox, in the same transaction).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from sgd_app.domain import audit, digitize, notify, ratelimit, records, routing, summaries
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, BusinessCalendar, format_date_es, format_datetime_es, load_calendar
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts
from sgd_app.domain.intake.tracking import find_case
from sgd_app.domain.intake.validation import MAX_ANNEXES, IncomingFile, pdf_filename, screen_file
from sgd_app.domain.models import CasillaAccount, Document, Expediente, Movement, Notice, Observation, Party, utcnow
from sgd_app.domain.transaction import act, query
from sgd_app.domain.vocabulary import CaseStatus

FIX_DAYS = 2
MAX_ITEMS = 20
CODE_MINUTES = 10
MAX_CODE_FAILURES = 5
CASILLA_OPEN_MINUTES = 30  # an opened casilla closes itself after this long


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _lima_day(dt: datetime) -> date:
    return dt.astimezone(LIMA).date()


# ---------------------------------------------------------------- notices (casilla)
def deposit(
    session: Session,
    *,
    party_id: int,
    case: Expediente | None,
    kind: str,
    title: str,
    body: str,
    casilla_url: str,
    document_id: int | None = None,
    now: datetime | None = None,
) -> Notice:
    """Deposit a notice in the filer's casilla (legally notified now) and queue the e-mail alert."""
    now = now or utcnow()
    notice = Notice(
        party_id=party_id,
        expediente_id=case.id if case else None,
        kind=kind,
        title=title[:300],
        body=body,
        document_id=document_id,
        deposited_at=now,
    )
    session.add(notice)
    session.flush()
    party = session.get(Party, party_id)
    if party is not None and party.email:
        subject, text = notify.casilla_deposit(title, casilla_url, format_datetime_es(now))
        notify.enqueue(session, to=party.email, subject=subject, body=text, dedupe_key=f"aviso:{notice.id}")
    audit.record(
        session,
        actor="sistema",
        action="depositar_aviso",
        object_type="aviso",
        object_id=notice.id,
        data={"expediente": case.number if case else None, "tipo": kind},
        at=now,
    )
    return notice


@query
def notices_of(session: Session, party_id: int) -> list[Notice]:
    return list(
        session.exec(
            select(Notice)
            .where(col(Notice.party_id) == party_id)
            .order_by(col(Notice.deposited_at).desc(), col(Notice.id).desc())
        ).all()
    )


@act
def read_notice(session: Session, *, party_id: int, notice_id: int) -> Notice:
    """Open a notice; the first reading is recorded as the acknowledgement (acuse de lectura)."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.party_id != party_id:
        raise NotFound("Aviso no encontrado.")
    if notice.read_at is None:
        notice.read_at = utcnow()
        session.add(notice)
        audit.record(
            session, actor=f"administrado:{party_id}", action="acuse_lectura", object_type="aviso", object_id=notice.id
        )
    return notice


# ---------------------------------------------------------------- opening the casilla
def _code_hash(code: str, account_id: int) -> str:
    return hashlib.sha256(f"casilla:{account_id}:{code}".encode()).hexdigest()


@act
def request_code(session: Session, *, doc_type: str, doc_number: str, now: datetime | None = None) -> str | None:
    """Send a one-time code to the filer's e-mail. Returns the code only to the caller's tests
    via the outbox; the UI always answers the same sentence (no way to probe who is registered)."""
    now = now or utcnow()
    party = session.exec(
        select(Party).where(Party.doc_type == doc_type, Party.doc_number == (doc_number or "").strip().upper())
    ).first()
    if party is None or not party.email:
        return None
    account = session.exec(select(CasillaAccount).where(CasillaAccount.party_id == party.id)).first()
    if account is None:
        assert party.id is not None
        account = CasillaAccount(party_id=party.id, email=party.email)
        session.add(account)
        session.flush()
    if account.code_expires_at and _aware(account.code_expires_at) - timedelta(minutes=CODE_MINUTES - 1) > now:
        return None  # one code per minute at most
    code = f"{secrets.randbelow(10**6):06d}"
    account.email = party.email
    assert account.id is not None
    account.code_hash = _code_hash(code, account.id)
    account.code_expires_at = now + timedelta(minutes=CODE_MINUTES)
    account.failed_codes = 0
    session.add(account)
    subject, text = notify.casilla_code(code, CODE_MINUTES)
    notify.enqueue(session, to=party.email, subject=subject, body=text)
    return code


def casilla_key(doc_type: str, doc_number: str) -> str:
    """The document a casilla is for, as the limits count it (whether or not it has a casilla)."""
    return f"{doc_type}:{(doc_number or '').strip().upper()}"


def _audit_casilla_limit(session: Session, action: str, rule: str, doc: str, client_ip: str) -> None:
    audit.record(
        session,
        actor="sistema",
        action=action,
        object_type="conexion" if rule.endswith("-ip") else "documento",
        object_id=client_ip if rule.endswith("-ip") else doc,
        data={"limite": rule, "ip": client_ip},
    )


@act
def open_casilla(
    session: Session, *, doc_type: str, doc_number: str, code: str, client_ip: str = "", now: datetime | None = None
) -> int:
    """The filer's party id when the code is right; the same refusal whatever was wrong. Wrong
    codes count per document across codes (a new code does not start afresh) and per address;
    too many lock the document or the address out for a day (audited once per lock-out)."""
    now = now or utcnow()
    doc, ip = casilla_key(doc_type, doc_number), client_ip or "?"
    limits = (("casilla-fail-ip", ip), ("casilla-fail-doc", doc))
    for rule, key in limits:
        try:
            ratelimit.check(rule, key)
        except ratelimit.Limited:
            if ratelimit.first_refusal(rule, key):
                _audit_casilla_limit(session, "rechazar_casilla_bloqueada", rule, doc, ip)
                session.commit()
            raise
    refusal = InvalidInput("code", "El código no es válido o ya venció. Pida uno nuevo.")
    party = session.exec(
        select(Party).where(Party.doc_type == doc_type, Party.doc_number == (doc_number or "").strip().upper())
    ).first()
    account = session.exec(select(CasillaAccount).where(CasillaAccount.party_id == party.id)).first() if party else None
    ok = party is not None and account is not None and bool(account.code_hash) and account.code_expires_at is not None
    if ok and account is not None and account.failed_codes >= MAX_CODE_FAILURES:
        raise TooManyAttempts("Demasiados intentos. Pida un código nuevo.", 60)
    if (
        not ok
        or account is None
        or account.code_expires_at is None
        or _aware(account.code_expires_at) < now
        or not hmac.compare_digest(account.code_hash, _code_hash((code or "").strip(), account.id or 0))
    ):
        if account is not None and ok:
            account.failed_codes += 1
            session.add(account)
        for rule, key in limits:
            if ratelimit.hit(rule, key):
                _audit_casilla_limit(session, "bloquear_casilla", rule, doc, ip)
        session.commit()
        raise refusal
    assert party is not None and party.id is not None
    account.code_hash = ""
    account.code_expires_at = None
    account.email_verified_at = account.email_verified_at or now
    session.add(account)
    ratelimit.clear("casilla-fail-doc", doc)  # the filer got in: their document starts afresh
    audit.record(
        session, actor=f"administrado:{party.id}", action="abrir_casilla", object_type="casilla", object_id=account.id
    )
    return party.id


# ---------------------------------------------------------------- observations
@act
def observe(
    session: Session,
    *,
    who: Principal,
    number: str,
    version: int,
    items: Sequence[str],
    casilla_url: str,
    fix_url: str,
    calendar: BusinessCalendar | None = None,
    now: datetime | None = None,
) -> Observation:
    """Observe a filing: every observation in one act; the clock stops; the filer is notified."""
    now = now or utcnow()
    case = routing._load(session, who, number, version)
    routing._ensure(who, case, "observar")
    clean = [" ".join(str(i).split()) for i in items if str(i).strip()]
    if not clean:
        raise InvalidInput("items", "Escriba al menos una observación (una por línea).")
    if len(clean) > MAX_ITEMS or any(len(i) > 500 for i in clean):
        raise InvalidInput("items", f"Como máximo {MAX_ITEMS} observaciones de hasta 500 caracteres.")
    if session.exec(select(Observation.id).where(Observation.expediente_id == case.id)).first() is not None:
        raise Forbidden("Este expediente ya fue observado: las observaciones se formulan una sola vez (art. 136).")
    cal = calendar or load_calendar(session)
    observed_on = cal.first_business_day_from(_lima_day(now))
    deadline = cal.add_business_days(observed_on, FIX_DAYS)
    assert case.id is not None and who.user.id is not None
    obs = Observation(
        expediente_id=case.id,
        items=clean,
        made_by_id=who.user.id,
        made_at=now,
        observed_on=observed_on,
        deadline_on=deadline,
    )
    session.add(obs)
    session.add(
        Movement(
            expediente_id=case.id,
            action="observar",
            from_unit_id=case.current_unit_id,
            actor_id=who.user.id,
            instructions="; ".join(clean)[:2000],
            created_at=now,
        )
    )
    routing._bump(session, case, version, status=CaseStatus.OBSERVADO)
    session.flush()
    routing._record(session, who, case, "observar", None, {"observaciones": clean, "plazo": deadline.isoformat()})
    body = "\n".join(f"{n}. {text}" for n, text in enumerate(clean, 1))
    deposit(
        session,
        party_id=case.party_id,
        case=case,
        kind="observacion",
        title=f"Observaciones a su expediente {case.number}",
        body=f"{body}\n\nPlazo para subsanar: hasta el {format_date_es(deadline, weekday=True)}.",
        casilla_url=casilla_url,
        now=now,
    )
    party = session.get(Party, case.party_id)
    if party is not None and party.email:
        subject, text = notify.observation_notice(case.number, clean, format_date_es(deadline, weekday=True), fix_url)
        notify.enqueue(session, to=party.email, subject=subject, body=text, dedupe_key=f"observacion:{obs.id}")
    return obs


@query
def open_observation(session: Session, case_id: int) -> Observation | None:
    return session.exec(
        select(Observation).where(Observation.expediente_id == case_id, Observation.status == "abierta")
    ).first()


@act
def fix(
    session: Session,
    store: FileStore,
    *,
    case: Expediente,
    note: str,
    files: Sequence[IncomingFile],
    calendar: BusinessCalendar | None = None,
    now: datetime | None = None,
) -> Observation:
    """The filer fixes the observations (the caller has verified the number + access key or the
    casilla). Files are screened like any upload. The case keeps its original filing date."""
    now = now or utcnow()
    records.ensure_open(session, case)
    obs = open_observation(session, case.id)
    if case.status != CaseStatus.OBSERVADO or obs is None:
        raise Conflict("Este expediente no tiene observaciones pendientes.")
    today = _lima_day(now)
    if today > obs.deadline_on:
        raise Forbidden("El plazo para subsanar venció.")
    note = " ".join((note or "").split())
    if len(note) > 2000:
        raise InvalidInput("note", "El texto es demasiado largo (máximo 2000 caracteres).")
    if not files and len(note) < 5:
        raise InvalidInput("note", "Adjunte lo solicitado o explique cómo subsana las observaciones.")
    check_fix_files(len(files))
    screened = [screen_file(IncomingFile(f.filename, f.data, "anexo", f.label), i + 1) for i, f in enumerate(files)]
    cal = calendar or load_calendar(session)
    stopped = cal.business_days_between(obs.observed_on, max(today, obs.observed_on))
    created = []
    try:
        for f, s in zip(files, screened, strict=True):
            sha, was_created = store.put(f.data)
            if was_created:
                created.append(sha)
            assert case.id is not None
            session.add(
                Document(
                    expediente_id=case.id,
                    kind="subsanacion",
                    role="anexo",
                    label=(f.label or "Subsanación")[:200],
                    filename=pdf_filename(f.filename),
                    sha256=sha,
                    size=s.size,
                    pages=s.pages,
                    created_at=now,
                )
            )
        obs.status, obs.fixed_at, obs.fix_note = "subsanada", now, note
        session.add(obs)
        new_due = cal.add_business_days(case.due_on, stopped)
        new_step = cal.add_business_days(case.current_due_on, stopped) if case.current_due_on else new_due
        before = summaries.facts(case)
        values = dict(status=CaseStatus.SUBSANADO, due_on=new_due, current_due_on=min(new_step, new_due))
        result = session.exec(
            update(Expediente)
            .where(col(Expediente.id) == case.id, col(Expediente.status) == CaseStatus.OBSERVADO)
            .values(**values, folios=case.folios + sum(s.pages for s in screened), version=col(Expediente.version) + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict("Este expediente no tiene observaciones pendientes.")
        summaries.apply(session, before, summaries.changed(before, values), calendar=cal)
        assert case.id is not None
        session.add(
            Movement(
                expediente_id=case.id,
                action="subsanar",
                to_unit_id=case.current_unit_id,
                instructions=(note or "Subsanación presentada")[:2000],
                created_at=now,
            )
        )
        session.flush()
        digitize.enqueue_case(session, case.id)  # the documents just added
        audit.record(
            session,
            actor="ciudadano",
            action="subsanar",
            object_type="expediente",
            object_id=case.number,
            data={"archivos": [f.filename for f in files], "dias_suspendidos": stopped},
            at=now,
        )
    except BaseException:
        for sha in created:
            store.remove(sha)
        raise
    return obs


def expire_overdue(
    session: Session, *, casilla_url: str, today: date | None = None, now: datetime | None = None
) -> list[str]:
    """Job: observations not fixed in time make the filing "no presentado" (art. 136)."""
    now = now or utcnow()
    today = today or _lima_day(now)
    due = session.exec(
        select(Observation).where(Observation.status == "abierta", Observation.deadline_on < today)
    ).all()
    done = []
    for obs in due:
        case = session.get(Expediente, obs.expediente_id)
        if case is None or case.status != CaseStatus.OBSERVADO:
            continue
        reason = (
            f"No se subsanaron las observaciones hasta el {format_date_es(obs.deadline_on)}: se tiene por no "
            "presentado (art. 136 del TUO de la Ley N° 27444)."
        )
        obs.status = "vencida"
        session.add(obs)
        before = summaries.facts(case)
        session.execute(
            update(Expediente)
            .where(col(Expediente.id) == case.id, col(Expediente.status) == CaseStatus.OBSERVADO)
            .values(status=CaseStatus.NO_PRESENTADO, closed_at=now, version=col(Expediente.version) + 1)
            .execution_options(synchronize_session=False)
        )
        summaries.apply(
            session, before, summaries.changed(before, {"status": CaseStatus.NO_PRESENTADO, "closed_at": now})
        )
        summaries.left(session, case, now)
        assert case.id is not None
        session.add(
            Movement(
                expediente_id=case.id,
                action="no_presentado",
                from_unit_id=case.current_unit_id,
                instructions=reason,
                created_at=now,
            )
        )
        session.flush()
        audit.record(
            session,
            actor="sistema",
            action="no_presentado",
            object_type="expediente",
            object_id=case.number,
            data={"motivo": reason},
            at=now,
        )
        deposit(
            session,
            party_id=case.party_id,
            case=case,
            kind="no_presentado",
            title=f"Su expediente {case.number} se tiene por no presentado",
            body=reason,
            casilla_url=casilla_url,
            now=now,
        )
        party = session.get(Party, case.party_id)
        if party is not None and party.email:
            subject, text = notify.not_filed_notice(case.number, reason)
            notify.enqueue(session, to=party.email, subject=subject, body=text, dedupe_key=f"no_presentado:{case.id}")
        done.append(case.number)
    return done


@act
def deliver_answer(
    session: Session,
    *,
    case: Expediente,
    document_id: int,
    casilla_url: str,
    download_url: str,
    now: datetime | None = None,
) -> Notice:
    """Deposit the signed answer in the casilla and e-mail the filer (after the case is attended)."""
    notice = deposit(
        session,
        party_id=case.party_id,
        case=case,
        kind="respuesta",
        title=f"Respuesta a su expediente {case.number}",
        body="La institución atendió su pedido. Descargue la respuesta firmada digitalmente.",
        casilla_url=casilla_url,
        document_id=document_id,
        now=now,
    )
    party = session.get(Party, case.party_id)
    if party is not None and party.email:
        subject, text = notify.answer_notice(case.number, casilla_url, download_url)
        notify.enqueue(session, to=party.email, subject=subject, body=text, dedupe_key=f"respuesta:{case.id}")
    return notice


@query
def answer_document(session: Session, case_id: int) -> Document | None:
    """The signed answer delivered for a case (the document of its 'respuesta' notice)."""
    notice = session.exec(
        select(Notice)
        .where(col(Notice.expediente_id) == case_id, col(Notice.kind) == "respuesta")
        .order_by(col(Notice.id).desc())
    ).first()
    return session.get(Document, notice.document_id) if notice and notice.document_id else None


# ---------------------------------------------------------------- the filer's side (casilla, tracking)
def code_request_delay(*, client_ip: str) -> float:
    """Seconds to wait before sending another code to this address (codes cost e-mails)."""
    return ratelimit.delay("casilla-code-ip", client_ip or "?")


@act
def send_code(session: Session, *, doc_type: str, doc_number: str, client_ip: str) -> None:
    """Send a code unless the address or the document had enough today (every request counts,
    whether the document has a casilla or not, so the refusal reveals nothing)."""
    doc, ip = casilla_key(doc_type, doc_number), client_ip or "?"
    ratelimit.check("casilla-code-ip", ip)
    ratelimit.check("casilla-fail-doc", doc)  # a locked document gets no codes either
    ratelimit.check("casilla-code-doc", doc)
    ratelimit.hit("casilla-code-ip", ip)
    ratelimit.hit("casilla-code-doc", doc)
    request_code(session, doc_type=doc_type, doc_number=doc_number)


def casilla_still_open(opened_at: float, now: float) -> bool:
    """Whether a casilla opened at ``opened_at`` (epoch seconds) is still open."""
    return bool(opened_at) and now - opened_at < CASILLA_OPEN_MINUTES * 60


def check_fix_files(count: int) -> None:
    """A fix carries at most MAX_ANNEXES files (checked before reading them)."""
    if count > MAX_ANNEXES:
        raise InvalidInput("files", f"Puede adjuntar como máximo {MAX_ANNEXES} archivos.")


@dataclass
class FilerExtras:
    """What the tracking page adds for the filer: open observations and the signed answer."""

    observations: list[str] = field(default_factory=list)
    deadline_on: date | None = None
    can_fix: bool = False
    has_answer: bool = False


@query
def filer_extras(session: Session, number: str) -> FilerExtras:
    case = find_case(session, number)
    obs = open_observation(session, case.id)
    return FilerExtras(
        observations=list(obs.items) if obs else [],
        deadline_on=obs.deadline_on if obs else None,
        can_fix=obs is not None and case.status == CaseStatus.OBSERVADO,
        has_answer=answer_document(session, case.id) is not None,
    )


@act
def fix_by_number(
    session: Session,
    store: FileStore,
    *,
    number: str,
    note: str,
    files: Sequence[IncomingFile],
    now: datetime | None = None,
) -> Observation:
    """The filer fixes the observations of the case with this number (number + key proven by the caller)."""
    return fix(session, store, case=find_case(session, number), note=note, files=files, now=now)


@query
def answer_of(session: Session, number: str) -> Document | None:
    """The signed answer of case ``number`` (None while it has none, or for an unknown number)."""
    case = session.exec(select(Expediente).where(Expediente.number == number)).first()
    return answer_document(session, case.id) if case else None


@query
def notice_document(session: Session, notice_id: int) -> Document | None:
    """The document attached to casilla notice ``notice_id``, if any."""
    notice = session.get(Notice, notice_id)
    return session.get(Document, notice.document_id) if notice and notice.document_id else None
