"""A realistic year of cases for demos and benchmarks, written with bulk inserts.

Cases are spread over the year with peaks before electoral deadlines, over every procedure (so
every unit that receives them), and over every status: waiting for receipt, in progress (some
derived on to another unit, some with copies), attended, archived. Numbers stay gap-free and the
counter row is set to the last one, so real filings continue the sequence.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from sgd_app.domain import search, summaries
from sgd_app.domain.calendar import LIMA, BusinessCalendar
from sgd_app.domain.intake import access_key_hash
from sgd_app.domain.models import CaseCounter, Document, Expediente, Movement, Party, Procedure, Unit, User
from sgd_app.domain.vocabulary import CaseStatus, format_number

FIRST = ["María", "José", "Rosa", "Juan", "Luis", "Carmen", "Ana", "Jorge", "Elena", "Wilber", "Lucía", "Raúl"]
LAST = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Flores",
    "Torres",
    "Chávez",
    "Ramos",
    "Ñahui",
    "Condori",
    "Rojas",
    "Vargas",
    "Salas",
    "Paredes",
    "Ccori",
    "Gutiérrez",
    "León",
]
SUBJECTS = [
    "Solicito constancia",
    "Presento escrito de apelación",
    "Renuncia irrevocable",
    "Denuncia sobre hoja de vida",
    "Solicito suspensión de cobranza",
    "Solicito certificado",
    "Adjunto documentos",
]


def _peak_weight(day: date) -> float:
    # Electoral calendar peaks (e.g. candidate registration, renunciations before a deadline).
    peaks = [date(day.year, 3, 20), date(day.year, 6, 15), date(day.year, 10, 5)]
    w = 1.0 + sum(4.0 * max(0.0, 1 - abs((day - p).days) / 12) for p in peaks)
    return w * (0.25 if day.weekday() >= 5 else 1.0)


def generate(
    engine: Engine, n_cases: int, *, year: int = 2026, seed: int = 7, batch: int = 5000, index: bool = True
) -> int:
    """Insert ``n_cases`` cases of ``year`` (continuing the year's numbering); returns the last number.
    The dashboard summaries are rebuilt, and the search index unless ``index`` is False."""
    rng = random.Random(seed)
    cal = BusinessCalendar()
    with engine.begin() as conn:
        procs = conn.execute(select(Procedure.id, Procedure.unit_id, Procedure.deadline_days)).all()
        units = [u for (u,) in conn.execute(select(Unit.id).where(Unit.active == True)).all()]  # noqa: E712
        users = [u for (u,) in conn.execute(select(User.id)).all()]
        desk = conn.execute(select(Unit.id).where(Unit.code == "MP")).scalar()
        start_seq = conn.execute(select(CaseCounter.last).where(CaseCounter.year == year)).scalar() or 0
        first_party = (conn.execute(select(Party.id).order_by(Party.id.desc()).limit(1)).scalar() or 0) + 1
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(365 if year % 4 else 366)]
    today = datetime.now(UTC).astimezone(LIMA).date()
    days = [d for d in days if d <= today] or days[:1]
    weights = [_peak_weight(d) for d in days]
    n_parties = max(1, n_cases // 3)
    with engine.begin() as conn:
        rows = []
        for i in range(n_parties):
            rows.append(
                dict(
                    doc_type="DNI",
                    doc_number=f"{70000000 + first_party + i:08d}",
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}",
                    kind="ciudadano",
                    email=f"persona{first_party + i}@example.pe",
                    phone="987654321",
                    address="",
                )
            )
            if len(rows) >= batch:
                conn.execute(insert(Party), rows)
                rows = []
        if rows:
            conn.execute(insert(Party), rows)
    sha = hashlib.sha256(b"demo").hexdigest()
    seq = start_seq
    done = 0
    while done < n_cases:
        chunk = min(batch, n_cases - done)
        cases, picks = [], []
        filed_days = rng.choices(days, weights=weights, k=chunk)
        filed_days.sort()
        for day in filed_days:
            seq += 1
            pid, unit, deadline = rng.choice(procs)
            received = datetime.combine(day, time(rng.randint(0, 23), rng.randint(0, 59)), LIMA).astimezone(UTC)
            filed = cal.first_business_day_from(day)
            due = cal.add_business_days(filed, deadline)
            age = (today - day).days
            r = rng.random()
            if age > 40:
                status = (
                    CaseStatus.ATENDIDO if r < 0.8 else (CaseStatus.ARCHIVADO if r < 0.95 else CaseStatus.EN_TRAMITE)
                )
            else:
                status = (
                    CaseStatus.REGISTRADO if r < 0.25 else (CaseStatus.EN_TRAMITE if r < 0.8 else CaseStatus.ATENDIDO)
                )
            moved = status != CaseStatus.REGISTRADO and rng.random() < 0.35
            holder = rng.choice(units) if moved else unit
            closed = (
                received + timedelta(days=rng.randint(1, 20))
                if status in (CaseStatus.ATENDIDO, CaseStatus.ARCHIVADO)
                else None
            )
            cases.append(
                dict(
                    number=format_number(year, seq),
                    year=year,
                    seq=seq,
                    procedure_id=pid,
                    party_id=first_party + rng.randrange(n_parties),
                    subject=f"{rng.choice(SUBJECTS)} {seq}",
                    fields={},
                    channel="virtual" if rng.random() < 0.8 else "presencial",
                    status=status,
                    priority="urgente" if rng.random() < 0.08 else "normal",
                    received_at=received,
                    filed_on=filed,
                    due_on=due,
                    current_due_on=due,
                    current_unit_id=holder,
                    current_user_id=None,
                    awaiting_receipt=status == CaseStatus.REGISTRADO
                    or (moved and status == CaseStatus.EN_TRAMITE and rng.random() < 0.3),
                    version=1,
                    accumulated_into_id=None,
                    closed_at=closed,
                    access_key_hash=access_key_hash(str(seq)),
                    folios=rng.randint(1, 30),
                    registered_by_id=None,
                    created_at=received,
                )
            )
            picks.append((unit, holder, received, moved, status))
        with engine.begin() as conn:
            conn.execute(insert(Expediente), cases)
            ids = dict(
                conn.execute(
                    select(Expediente.number, Expediente.id).where(
                        Expediente.year == year, Expediente.seq > seq - chunk, Expediente.seq <= seq
                    )
                ).all()
            )
            moves, docs = [], []
            for c, (unit, holder, received, moved, status) in zip(cases, picks, strict=False):
                cid = ids[c["number"]]
                docs.append(
                    dict(
                        expediente_id=cid,
                        kind="solicitud",
                        role="principal",
                        label="Documento principal",
                        filename="solicitud.pdf",
                        sha256=sha,
                        size=120_000,
                        pages=c["folios"],
                        mime="application/pdf",
                        number="",
                        author_id=None,
                        signed=False,
                        created_at=received,
                    )
                )
                got = status != CaseStatus.REGISTRADO
                moves.append(
                    dict(
                        expediente_id=cid,
                        action="derivar",
                        from_unit_id=desk,
                        to_unit_id=unit,
                        to_user_id=None,
                        actor_id=None,
                        on_behalf_of_id=None,
                        instructions="Ingreso",
                        priority="normal",
                        due_on=c["due_on"],
                        created_at=received,
                        received_at=received + timedelta(hours=2) if got else None,
                        received_by_id=(rng.choice(users) if users else None) if got else None,
                    )
                )
                if moved:
                    at = received + timedelta(days=1)
                    moves.append(
                        dict(
                            expediente_id=cid,
                            action="derivar",
                            from_unit_id=unit,
                            to_unit_id=holder,
                            to_user_id=None,
                            actor_id=(rng.choice(users) if users else None),
                            on_behalf_of_id=None,
                            instructions="Para su atención",
                            priority="normal",
                            due_on=c["due_on"],
                            created_at=at,
                            received_at=None if c["awaiting_receipt"] else at,
                            received_by_id=None,
                        )
                    )
                    if rng.random() < 0.3:
                        moves.append(
                            dict(
                                expediente_id=cid,
                                action="copia",
                                from_unit_id=unit,
                                to_unit_id=rng.choice(units),
                                to_user_id=None,
                                actor_id=(rng.choice(users) if users else None),
                                on_behalf_of_id=None,
                                instructions="Para conocimiento",
                                priority="normal",
                                due_on=None,
                                created_at=at,
                                received_at=None,
                                received_by_id=None,
                            )
                        )
                if c["closed_at"] is not None:
                    moves.append(
                        dict(
                            expediente_id=cid,
                            action="atender" if status == CaseStatus.ATENDIDO else "archivar",
                            from_unit_id=holder,
                            to_unit_id=None,
                            to_user_id=None,
                            actor_id=(rng.choice(users) if users else None),
                            on_behalf_of_id=None,
                            instructions="Atendido" if status == CaseStatus.ATENDIDO else "Archivado",
                            priority="normal",
                            due_on=None,
                            created_at=c["closed_at"],
                            received_at=None,
                            received_by_id=None,
                        )
                    )
            conn.execute(insert(Document), docs)
            conn.execute(insert(Movement), moves)
        done += chunk
    with engine.begin() as conn:
        updated = conn.execute(CaseCounter.__table__.update().where(CaseCounter.year == year).values(last=seq))
        if updated.rowcount == 0:
            conn.execute(insert(CaseCounter).values(year=year, last=seq))
    summaries.rebuild(engine)
    if index:
        search.rebuild(engine)
    return seq
