"""Summary tables behind the command dashboard, kept in the same transaction as every change.

Every code path that changes what the dashboard shows about a case (filing, receipt, routing,
observation, fixing, closing) calls :func:`apply` with the case's facts before and after the
change; the case's contribution to each summary table is taken out and put back in. Routing steps
that end a stage call :func:`record_stage`. :func:`rebuild` recomputes everything from the cases
and the route (after bulk loads, or to repair a summary after the calendar changed) with the very
same contribution function, so the incremental and the full path cannot disagree.

Deltas are applied in a fixed order (table, then key) so that two transactions touching the same
rows in PostgreSQL wait for each other instead of deadlocking.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from sgd_app import db
from sgd_app.domain.calendar import LIMA, BusinessCalendar, load_calendar
from sgd_app.domain.models import Expediente, Movement, SumAttended, SumFiled, SumHour, SumOpen, SumStage, table_of
from sgd_app.domain.vocabulary import ACTIVE_STATUSES, CaseStatus

# Actions after which a unit no longer works on the case.
LEAVES = ("derivar", "devolver", "atender", "archivar", "acumular", "no_presentado")
STAGES = {"recepcion": "Espera de recepción", "tramite": "En trámite en la unidad"}

# (table, key columns, counter columns), in the order deltas are applied.
TABLES = (
    (table_of(SumFiled), ("grain", "day", "unit_id", "procedure_id", "channel", "status"), ("n",)),
    (table_of(SumHour), ("grain", "day", "unit_id", "procedure_id", "weekday", "hour"), ("n",)),
    (table_of(SumOpen), ("unit_id", "procedure_id", "status", "due_on", "day"), ("n",)),
    (table_of(SumAttended), ("grain", "day", "unit_id", "procedure_id"), ("n", "on_time", "business_days")),
    (table_of(SumStage), ("grain", "day", "unit_id", "procedure_id", "stage"), ("n", "seconds")),
)
GRAINED = {"sum_filed", "sum_hour", "sum_attended", "sum_stage"}
_SPEC = {t.name: (t, keys, counters) for t, keys, counters in TABLES}


@dataclass(frozen=True)
class Facts:
    """What the summaries know of one case."""

    filed_on: date
    received_at: datetime
    current_unit_id: int
    procedure_id: int
    channel: str
    status: str
    due_on: date | None
    current_due_on: date | None
    closed_at: datetime | None


FIELDS = tuple(f.name for f in dataclasses.fields(Facts))


def facts(case: Any) -> Facts:
    """The facts of an Expediente (or any object / mapping with its columns)."""
    if isinstance(case, Mapping):
        return Facts(**{k: case[k] for k in FIELDS})
    return Facts(**{k: getattr(case, k) for k in FIELDS})


def changed(before: Facts, values: Mapping[str, Any]) -> Facts:
    """``before`` with the columns an UPDATE sets (other columns in ``values`` are ignored)."""
    return dataclasses.replace(before, **{k: v for k, v in values.items() if k in FIELDS})


def _utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def lima_day(dt: datetime) -> date:
    return _utc(dt).astimezone(LIMA).date()


class Deltas:
    """Counter increments per (table, key), applied in one go."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple, list[int]]] = {
            t.name: defaultdict(lambda n=len(c): [0] * n)  # type: ignore[misc]  # mypy cannot type a default argument of a lambda
            for t, _, c in TABLES
        }

    def add(self, table: str, key: tuple, *incs: int) -> None:
        """``key`` starts with the day for the grained tables: a day row and a month row."""
        rows = self.rows[table]
        keys = [("d", *key), ("m", month_start(key[0]), *key[1:])] if table in GRAINED else [key]
        for k in keys:
            slot = rows[k]
            for i, v in enumerate(incs):
                slot[i] += v

    def case(self, f: Facts, sign: int, cal: BusinessCalendar | None) -> None:
        """Add (sign=+1) or take out (sign=-1) one case's contribution to every table."""
        unit, proc = f.current_unit_id, f.procedure_id
        self.add("sum_filed", (f.filed_on, unit, proc, f.channel, f.status), sign)
        local = _utc(f.received_at).astimezone(LIMA)
        self.add("sum_hour", (f.filed_on, unit, proc, local.weekday(), local.hour), sign)
        if f.status in ACTIVE_STATUSES and f.current_due_on is not None:
            self.add("sum_open", (unit, proc, f.status, f.current_due_on, f.filed_on), sign)
        if f.status == CaseStatus.ATENDIDO and f.closed_at is not None:
            closed = lima_day(f.closed_at)
            on_time = 1 if f.due_on is None or closed <= f.due_on else 0
            days = max(0, cal.business_days_between(f.filed_on, closed)) if cal else 0
            self.add("sum_attended", (f.filed_on, unit, proc), sign, sign * on_time, sign * days)

    def stage(self, unit_id: int, procedure_id: int, stage: str, start: datetime, end: datetime) -> None:
        seconds = max(0, int((_utc(end) - _utc(start)).total_seconds()))
        self.add("sum_stage", (lima_day(end), unit_id, procedure_id, stage), 1, seconds)

    def nonzero(self) -> Iterable[tuple[Any, tuple, tuple, list[dict]]]:
        for table, keys, counters in TABLES:
            rows = [
                dict(zip(keys + counters, (*k, *v), strict=True))
                for k, v in sorted(self.rows[table.name].items(), key=lambda kv: _sort_key(kv[0]))
                if any(v)
            ]
            if rows:
                yield table, keys, counters, rows


def _sort_key(key: tuple) -> tuple:
    return tuple(str(x) if isinstance(x, (date, datetime)) else x for x in key)


_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert(dialect: str, table, keys: tuple, counters: tuple):
    """INSERT ... ON CONFLICT DO UPDATE SET counter = counter + excluded.counter (built once)."""
    stmt = _UPSERTS.get((dialect, table.name))
    if stmt is None:
        ins = (sqlite_insert if dialect == "sqlite" else pg_insert)(table)
        stmt = _UPSERTS[(dialect, table.name)] = ins.on_conflict_do_update(
            index_elements=list(keys), set_={c: table.c[c] + ins.excluded[c] for c in counters}
        )
    return stmt


def _flush(session: Session, deltas: Deltas) -> None:
    session.info[db.CHANGED_KEY] = True  # the commit tells the live dashboards
    conn = session.connection()
    dialect = conn.dialect.name
    for table, keys, counters, rows in deltas.nonzero():
        # One executemany per table, rows in key order (deadlock-free on PostgreSQL).
        conn.execute(_upsert(dialect, table, keys, counters), rows)


def apply(
    session: Session, before: Facts | None, after: Facts | None, *, calendar: BusinessCalendar | None = None
) -> None:
    """Move one case's contribution from ``before`` to ``after`` (None: the case did not / no
    longer exist). Call in the transaction that makes the change, after the change succeeded."""
    if before == after:
        return
    needs_cal = any(f is not None and f.status == CaseStatus.ATENDIDO for f in (before, after))
    cal = calendar or (load_calendar(session) if needs_cal else None)
    d = Deltas()
    if before is not None:
        d.case(before, -1, cal)
    if after is not None:
        d.case(after, +1, cal)
    _flush(session, d)


def record_stage(
    session: Session, *, unit_id: int, procedure_id: int, stage: str, start: datetime | None, end: datetime
) -> None:
    """One stage of the route ended (``stage`` in :data:`STAGES`)."""
    if start is None:
        return
    d = Deltas()
    d.stage(unit_id, procedure_id, stage, start, end)
    _flush(session, d)


def replay_stages(rows: Iterable[tuple]) -> Iterable[tuple[int, int, str, datetime, datetime]]:
    """(unit, procedure, stage, start, end) of every stage in a route.

    ``rows``: (case id, action, from unit, to unit, created at, received at, procedure id) ordered
    by case and then movement. A unit's wait ("recepcion") runs from a derivation or return to its
    receipt; its work ("tramite") from that receipt until the case leaves the unit."""
    cur: int | None = None
    seen: dict[int, datetime] = {}
    for case_id, action, from_unit, to_unit, created, got, proc in rows:
        if case_id != cur:
            cur, seen = case_id, {}
        if action in LEAVES and from_unit is not None and seen.get(from_unit) is not None:
            yield from_unit, proc, "tramite", seen.pop(from_unit), created
        if action in ("derivar", "devolver") and to_unit is not None and got is not None:
            yield to_unit, proc, "recepcion", created, got
            seen[to_unit] = got


def rebuild(engine: Engine, *, batch: int = 20000) -> dict[str, int]:
    """Recompute every summary table from the cases and their route; returns row counts."""
    with Session(engine) as s:
        cal = load_calendar(s)
    d = Deltas()
    cols: list[Any] = [Expediente.id] + [getattr(Expediente, k) for k in FIELDS]
    last = 0
    with engine.connect() as conn:
        while True:
            rows = conn.execute(
                select(*cols).where(col(Expediente.id) > last).order_by(col(Expediente.id)).limit(batch)
            ).all()
            for row in rows:
                last = row[0]
                d.case(Facts(*row[1:]), +1, cal)
            if len(rows) < batch:
                break
        # Stages, replayed from the route case by case, in order (keyset on (case, movement)).
        last_case = 0
        last_move: int | None = 0  # Movement.id, typed optional by SQLModel
        while True:
            moves = conn.execute(
                select(
                    col(Movement.id),
                    col(Movement.expediente_id),
                    col(Movement.action),
                    col(Movement.from_unit_id),
                    col(Movement.to_unit_id),
                    col(Movement.created_at),
                    col(Movement.received_at),
                    col(Expediente.procedure_id),
                )
                .join(Expediente, col(Expediente.id) == col(Movement.expediente_id))
                .where(tuple_(col(Movement.expediente_id), col(Movement.id)) > tuple_(last_case, last_move))
                .order_by(col(Movement.expediente_id), col(Movement.id))
                .limit(batch)
            ).all()
            if not moves:
                break
            # A case may straddle two batches: replay only whole cases, continue from the last one.
            if len(moves) == batch and moves[0][1] != moves[-1][1]:
                moves = [r for r in moves if r[1] != moves[-1][1]]
            last_case, last_move = moves[-1][1], moves[-1][0]
            for unit, proc, stage, start, end in replay_stages(r[1:] for r in moves):
                d.stage(unit, proc, stage, start, end)
    counts = {}
    with engine.begin() as conn:
        for table, keys, counters in TABLES:
            conn.execute(delete(table))
            values = [
                dict(zip(keys + counters, (*k, *v), strict=True)) for k, v in d.rows[table.name].items() if any(v)
            ]
            for i in range(0, len(values), 5000):
                conn.execute(insert(table), values[i : i + 5000])
            counts[table.name] = len(values)
    return counts


def _last_receipt(session: Session, case: Expediente) -> tuple[datetime | None, datetime | None]:
    """(sent, received) of the last derivation or return to the case's current unit."""
    row = session.execute(
        select(col(Movement.created_at), col(Movement.received_at))
        .where(
            col(Movement.expediente_id) == case.id,
            col(Movement.action).in_(("derivar", "devolver")),
            col(Movement.to_unit_id) == case.current_unit_id,
        )
        .order_by(col(Movement.id).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def received(session: Session, case: Expediente, now: datetime) -> None:
    """The case's current unit just received it: its wait for receipt ends now."""
    sent, _ = _last_receipt(session, case)
    record_stage(
        session, unit_id=case.current_unit_id, procedure_id=case.procedure_id, stage="recepcion", start=sent, end=now
    )


def left(session: Session, case: Expediente, now: datetime) -> None:
    """The case leaves its current unit (derived, returned, closed): its work there ends now."""
    _, got = _last_receipt(session, case)
    record_stage(
        session, unit_id=case.current_unit_id, procedure_id=case.procedure_id, stage="tramite", start=got, end=now
    )


def missing(engine: Engine) -> bool:
    """True when there are cases but no summary rows (a database from before the summaries)."""
    with engine.connect() as conn:
        has_cases = conn.execute(select(col(Expediente.id)).limit(1)).first() is not None
        has_sums = conn.execute(select(col(SumFiled.day)).limit(1)).first() is not None
    return has_cases and not has_sums
