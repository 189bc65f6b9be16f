"""Command dashboard (tablero de mando): KPIs and chart data as plain dicts, scoped to the units a
head or manager may see (``access.visible_unit_ids``), with the reports' filters (the dashboard
has no status filter: a status given is ignored).

:func:`compute` reads the summary tables that ``domain/summaries.py`` keeps in the same
transactions as the changes (a few thousand rows, whatever the number of cases);
:func:`compute_naive` computes the same dict from the cases and their route. Both must always
agree (tests compare them on both databases); the benchmark times both.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import false, func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sgd_app.domain import access, summaries, vocabulary
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, BusinessCalendar, load_calendar
from sgd_app.domain.filters import ReportFilters
from sgd_app.domain.models import (
    Expediente,
    Movement,
    Party,
    Procedure,
    SumAttended,
    SumFiled,
    SumHour,
    SumOpen,
    SumStage,
    Unit,
    pk,
    table_of,
)
from sgd_app.domain.transaction import query
from sgd_app.domain.vocabulary import ACTIVE_STATUSES, OPEN_STATUSES, CaseStatus

WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")
DAILY_DAYS = 30
HEAT_MONTHS = 3  # the heatmap covers this month and the two before it


def may_view(who: Principal) -> bool:
    return who.has_role("head", "manager") or bool(who.delegated)


def scope_key(units: Iterable[int], filters: ReportFilters) -> str:
    """A name for one (scope, filters) pair: every viewer with the same pair shares one live
    feed. Letters and digits only (Reflex link tokens cannot contain "_")."""
    raw = json.dumps([sorted(units), replace(filters, status=None).as_query()], sort_keys=True)
    return "tablero" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def dashboard(
    session: Session,
    who: Principal,
    filters: ReportFilters = ReportFilters(),
    *,
    today: date,
    calendar: BusinessCalendar | None = None,
) -> dict[str, Any]:
    """The dashboard of ``who`` (from the summary tables)."""
    return compute(session, access.visible_unit_ids(session, who), filters, today=today, calendar=calendar)


class _Ctx:
    """What both paths share: scope, filters, dates, names."""

    def __init__(self, session: Session, units: set[int], f: ReportFilters, today: date, cal: BusinessCalendar | None):
        self.s = session
        self.f = replace(f, status=None)
        self.units = set(units)
        self.today = today
        self.cal = cal or load_calendar(session)
        self.empty = not units or (f.unit_id is not None and f.unit_id not in units)
        self.scope = [f.unit_id] if f.unit_id is not None else sorted(units)
        procs = session.exec(select(pk(Procedure), col(Procedure.name), col(Procedure.category))).all()
        self.proc_name = {p: n for p, n, _ in procs}
        self.proc_cat = {p: c for p, _, c in procs}
        self.procs: list[int] | None = None
        if f.procedure_id is not None or f.category:
            self.procs = [
                p
                for p, _, c in procs
                if (f.procedure_id is None or p == f.procedure_id) and (not f.category or c == f.category)
            ]
        self.unit_name = dict(session.exec(select(Unit.id, Unit.name)).all())
        self.week_start = today - timedelta(days=today.weekday())
        self.amber_limit = self.cal.add_business_days(today, 2)
        self.since = max(f.date_from or date.min, today - timedelta(days=DAILY_DAYS - 1))
        first = today.replace(day=1)
        for _ in range(HEAT_MONTHS - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        self.heat_since = max(f.date_from or date.min, first)

    def where(
        self, day_col, unit_col, proc_col, lo: date | None = None, hi: date | None = None, *, filters: bool = True
    ) -> list:
        """Scope, procedures and [lo, hi] (plus the filter's dates unless ``filters`` is False)."""
        if self.empty or self.procs == []:
            return [false()]
        c = [unit_col.in_(self.scope)]
        if self.procs is not None:
            c.append(proc_col.in_(self.procs))
        lo = max(lo or date.min, (self.f.date_from if filters else None) or date.min)
        hi = min(hi or date.max, (self.f.date_to if filters else None) or date.max)
        if lo > date.min:
            c.append(day_col >= lo)
        if hi < date.max:
            c.append(day_col <= hi)
        return c

    def parts(self, t, lo: date | None = None) -> list[list]:
        """WHERE clauses over a grained summary table ``t`` (its columns) for the filter's dates
        from ``lo`` on: whole months from the month rows, partial edge months from the day rows."""
        lo = max(lo or date.min, self.f.date_from or date.min)
        hi = self.f.date_to or date.max
        return [
            [t.grain == grain, *self.where(t.day, t.unit_id, t.procedure_id, a, b, filters=False)]
            for grain, a, b in split_range(lo if lo > date.min else None, hi if hi < date.max else None)
        ]

    def light(self, due: date) -> str:
        return "rojo" if due < self.today else ("ambar" if due <= self.amber_limit else "verde")


def _assemble(
    ctx: _Ctx,
    *,
    total: int,
    filed_today: int,
    filed_week: int,
    in_progress: int,
    overdue_n: int,
    attended: int,
    on_time: int,
    days_sum: int,
    daily: dict,
    lights: dict,
    by_proc: Counter,
    heat: Counter,
    stages: dict,
    overdue: list,
) -> dict[str, Any]:
    by_cat: Counter = Counter()
    for p, n in by_proc.items():
        by_cat[ctx.proc_cat.get(p, "")] += n
    by_procedure = sorted(
        ([ctx.proc_name.get(p, "?"), n] for p, n in by_proc.items() if n), key=lambda r: (-cast(int, r[1]), r[0])
    )
    by_category = sorted(
        ([vocabulary.CATEGORY_LABELS.get(c, c), n] for c, n in by_cat.items() if n), key=lambda r: (-r[1], r[0])
    )
    lights = {u: c for u, c in lights.items() if sum(c.values())}
    return {
        "kpis": {
            "filed_today": filed_today,
            "filed_week": filed_week,
            "in_progress": in_progress,
            "overdue": overdue_n,
            "on_time_pct": round(100.0 * on_time / attended, 1) if attended else None,
            "avg_business_days": round(days_sum / attended, 1) if attended else None,
            "total": total,
            "attended": attended,
        },
        "daily": [
            {"day": d, **{str(ch): c.get(str(ch), 0) for ch in vocabulary.CHANNEL_SHORT_LABELS}}
            for d, c in sorted(daily.items())
            if sum(c.values())
        ],
        "backlog": [
            {"unit": u, "open": sum(c.values())}
            for u, c in sorted(lights.items(), key=lambda x: (-sum(x[1].values()), x[0]))
        ],
        "lights": [{"unit": u, **c} for u, c in sorted(lights.items(), key=lambda x: (-sum(x[1].values()), x[0]))],
        "by_procedure": [{"name": n, "count": c} for n, c in by_procedure],
        "by_category": [{"name": n, "count": c} for n, c in by_category],
        "heatmap": [[heat.get((wd, h), 0) for h in range(24)] for wd in range(7)],
        "stages": [
            {"unit": u, "recepcion": round(v["recepcion"], 2), "tramite": round(v["tramite"], 2)}
            for u, v in sorted(stages.items(), key=lambda x: (-(x[1]["recepcion"] + x[1]["tramite"]), x[0]))
        ],
        "overdue": overdue,
        "today": ctx.today.isoformat(),
    }


def _stage_days(acc: dict[tuple[str, str], list[int]]) -> dict[str, dict[str, float]]:
    """{(unit name, stage): [n, seconds]} -> {unit: {stage: average days}}."""
    out: dict[str, dict[str, float]] = {}
    for (unit, stage), (n, secs) in acc.items():
        if n:
            out.setdefault(unit, {"recepcion": 0.0, "tramite": 0.0})[stage] = secs / n / 86400
    return out


def _most_overdue(ctx: _Ctx, limit: int = 10) -> list[dict[str, Any]]:
    """The ``limit`` cases furthest past their step deadline: the first ``limit`` of each
    (unit, status) pair read in deadline order from ix_expediente_due, merged (one statement;
    written as SQL text because building dozens of subqueries costs more than running them)."""
    if ctx.empty or ctx.procs == []:
        return []
    extra, params = "", {"today": ctx.today, "lim": limit}
    if ctx.procs is not None:
        extra += " AND procedure_id IN ({})".format(", ".join(str(int(p)) for p in ctx.procs))
    if ctx.f.date_from:
        extra += " AND filed_on >= :dfrom"
        params["dfrom"] = ctx.f.date_from
    if ctx.f.date_to:
        extra += " AND filed_on <= :dto"
        params["dto"] = ctx.f.date_to
    parts = []
    for i, unit in enumerate(ctx.scope):
        for j, status in enumerate(OPEN_STATUSES):
            params[f"u{i}"], params[f"s{j}"] = int(unit), status
            parts.append(
                f"SELECT * FROM (SELECT current_due_on, id FROM expediente WHERE current_unit_id = :u{i} "
                f"AND status = :s{j} AND current_due_on < :today{extra} "
                f"ORDER BY current_due_on, id LIMIT :lim) AS p{i}_{j}"
            )
    best = [
        (due if isinstance(due, date) else date.fromisoformat(due), cid)
        for due, cid in ctx.s.execute(text(" UNION ALL ".join(parts)), params).all()
    ]
    ids = [i for _, i in heapq.nsmallest(limit, best)]
    return _overdue_rows(ctx, ids)


def _overdue_rows(ctx: _Ctx, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = {
        r[0]: r[1:]
        for r in ctx.s.execute(
            sa_select(
                col(Expediente.id),
                col(Expediente.number),
                col(Expediente.procedure_id),
                col(Expediente.current_unit_id),
                col(Party.name),
                col(Expediente.current_due_on),
            )
            .join(Party, col(Party.id) == col(Expediente.party_id))
            .where(col(Expediente.id).in_(ids))
        ).all()
    }
    return [
        {
            "number": n,
            "procedure": ctx.proc_name.get(p, "?"),
            "unit": ctx.unit_name.get(u, "?"),
            "filer": f,
            "due": d.isoformat(),
            "late": ctx.cal.business_days_between(d, ctx.today),
        }
        for n, p, u, f, d in (rows[i] for i in ids)
    ]


@query
def compute(
    session: Session,
    units: set[int],
    filters: ReportFilters = ReportFilters(),
    *,
    today: date,
    calendar: BusinessCalendar | None = None,
) -> dict[str, Any]:
    """The dashboard of a scope (unit ids) from the summary tables."""
    ctx = _Ctx(session, units, filters, today, calendar)
    s = session
    F, H, O, A, S = (table_of(t).c for t in (SumFiled, SumHour, SumOpen, SumAttended, SumStage))  # noqa: E741  (the summary tables by initial)
    total = 0
    by_proc: Counter = Counter()
    for where in ctx.parts(F):
        for proc, n in s.execute(sa_select(F.procedure_id, func.sum(F.n)).where(*where).group_by(F.procedure_id)).all():
            total += int(n)
            by_proc[proc] += int(n)
    # Day rows of the last 30 days: the chart by day and channel, today, this week.
    week_from = max(ctx.week_start, ctx.f.date_from or date.min)
    filed_today = filed_week = 0
    daily: dict[str, dict[str, int]] = {}
    for day, channel, n in s.execute(
        sa_select(F.day, F.channel, func.sum(F.n))
        .where(F.grain == "d", *ctx.where(F.day, F.unit_id, F.procedure_id, min(ctx.since, week_from), today))
        .group_by(F.day, F.channel)
    ).all():
        n = int(n)
        filed_today += n if day == today else 0
        filed_week += n if week_from <= day <= today else 0
        if day >= ctx.since:
            daily.setdefault(day.isoformat(), {})[channel] = n
    # Open cases: in progress, overdue, the traffic light by unit.
    in_progress = overdue_n = 0
    lights: dict[str, dict[str, int]] = {}
    for unit, status, due, n in s.execute(
        sa_select(O.unit_id, O.status, O.due_on, func.sum(O.n))
        .where(*ctx.where(O.day, O.unit_id, O.procedure_id))
        .group_by(O.unit_id, O.status, O.due_on)
    ).all():
        n = int(n)
        in_progress += n
        if status in OPEN_STATUSES:
            color = ctx.light(due)
            overdue_n += n if color == "rojo" else 0
            lights.setdefault(ctx.unit_name.get(unit, "?"), {"rojo": 0, "ambar": 0, "verde": 0})[color] += n
    attended = on_time = days_sum = 0
    for where in ctx.parts(A):
        a, o, b = (
            int(x or 0)
            for x in s.execute(
                sa_select(func.sum(A.n), func.sum(A.on_time), func.sum(A.business_days)).where(*where)
            ).one()
        )
        attended, on_time, days_sum = attended + a, on_time + o, days_sum + b
    heat: Counter = Counter()
    for where in ctx.parts(H, ctx.heat_since):
        for wd, hour, n in s.execute(
            sa_select(H.weekday, H.hour, func.sum(H.n)).where(*where).group_by(H.weekday, H.hour)
        ).all():
            heat[(wd, hour)] += int(n)
    acc: dict[tuple[str, str], list[int]] = {}
    for where in ctx.parts(S):
        for unit, stage, n, secs in s.execute(
            sa_select(S.unit_id, S.stage, func.sum(S.n), func.sum(S.seconds)).where(*where).group_by(S.unit_id, S.stage)
        ).all():
            slot = acc.setdefault((ctx.unit_name.get(unit, "?"), stage), [0, 0])
            slot[0] += int(n)
            slot[1] += int(secs)
    return _assemble(
        ctx,
        total=total,
        filed_today=filed_today,
        filed_week=filed_week,
        in_progress=in_progress,
        overdue_n=overdue_n,
        attended=attended,
        on_time=on_time,
        days_sum=days_sum,
        daily=daily,
        lights=lights,
        by_proc=by_proc,
        heat=heat,
        stages=_stage_days(acc),
        overdue=_most_overdue(ctx),
    )


def aggregates(session: Session, units: set[int], filters: ReportFilters = ReportFilters()) -> dict[str, Any]:
    """The reports' aggregates (see ``reports.aggregates_naive``) from the summaries; unlike the
    dashboard they honour the status filter."""

    ctx = _Ctx(session, units, filters, date.today(), BusinessCalendar())
    status = filters.status
    F, A = table_of(SumFiled).c, table_of(SumAttended).c
    counts: dict[str, Counter] = {k: Counter() for k in ("status", "unit", "procedure", "category", "channel")}
    total = 0
    for where in ctx.parts(F):
        if status:
            where = [*where, F.status == status]
        for st, unit, proc, channel, n in session.execute(
            sa_select(F.status, F.unit_id, F.procedure_id, F.channel, func.sum(F.n))
            .where(*where)
            .group_by(F.status, F.unit_id, F.procedure_id, F.channel)
        ).all():
            n = int(n)
            total += n
            counts["status"][vocabulary.STATUS_LABELS.get(st, st)] += n
            counts["unit"][ctx.unit_name.get(unit, "?")] += n
            counts["procedure"][ctx.proc_name.get(proc, "?")] += n
            cat = ctx.proc_cat.get(proc, "")
            counts["category"][vocabulary.CATEGORY_LABELS.get(cat, cat)] += n
            counts["channel"][vocabulary.CHANNEL_SHORT_LABELS.get(channel, channel)] += n
    attended = on_time = days_sum = 0
    if status in (None, "", CaseStatus.ATENDIDO):
        for where in ctx.parts(A):
            a, o, b = (
                int(x or 0)
                for x in session.execute(
                    sa_select(func.sum(A.n), func.sum(A.on_time), func.sum(A.business_days)).where(*where)
                ).one()
            )
            attended, on_time, days_sum = attended + a, on_time + o, days_sum + b

    def rows(c: Counter) -> list[list[Any]]:
        return sorted(([k, n] for k, n in c.items() if n), key=lambda r: (-r[1], str(r[0])))

    return {
        "total": total,
        "by_status": rows(counts["status"]),
        "by_unit": rows(counts["unit"]),
        "by_procedure": rows(counts["procedure"]),
        "by_category": rows(counts["category"]),
        "by_channel": rows(counts["channel"]),
        "attended": attended,
        "attended_on_time": on_time,
        "on_time_pct": round(100.0 * on_time / attended, 1) if attended else None,
        "avg_business_days": round(days_sum / attended, 1) if attended else None,
    }


def compute_naive(
    session: Session,
    units: set[int],
    filters: ReportFilters = ReportFilters(),
    *,
    today: date,
    calendar: BusinessCalendar | None = None,
    batch: int = 20000,
) -> dict[str, Any]:
    """The same dashboard computed from the cases and the route (no summaries): the reference
    the summaries are checked against, and the baseline of the benchmark."""
    ctx = _Ctx(session, units, filters, today, calendar)
    E = Expediente
    where = ctx.where(col(E.filed_on), col(E.current_unit_id), col(E.procedure_id))
    total = filed_today = filed_week = in_progress = overdue_n = 0
    attended = on_time = days_sum = 0
    by_proc: Counter = Counter()
    daily: dict[str, dict[str, int]] = {}
    lights: dict[str, dict[str, int]] = {}
    heat: Counter = Counter()
    week_from = max(ctx.week_start, ctx.f.date_from or date.min)
    last = 0
    while True:
        rows = session.execute(
            sa_select(
                col(E.id),
                col(E.filed_on),
                col(E.received_at),
                col(E.current_unit_id),
                col(E.procedure_id),
                col(E.channel),
                col(E.status),
                col(E.due_on),
                col(E.current_due_on),
                col(E.closed_at),
            )
            .where(*where, col(E.id) > last)
            .order_by(col(E.id))
            .limit(batch)
        ).all()
        for cid, filed, received, unit, proc, channel, status, due, step_due, closed in rows:
            last = cid
            total += 1
            by_proc[proc] += 1
            filed_today += filed == today
            filed_week += week_from <= filed <= today
            if ctx.since <= filed <= today:
                slot = daily.setdefault(filed.isoformat(), {})
                slot[channel] = slot.get(channel, 0) + 1
            if status in ACTIVE_STATUSES and step_due is not None:
                in_progress += 1
                if status in OPEN_STATUSES:
                    color = ctx.light(step_due)
                    overdue_n += color == "rojo"
                    lights.setdefault(ctx.unit_name.get(unit, "?"), {"rojo": 0, "ambar": 0, "verde": 0})[color] += 1
            if status == CaseStatus.ATENDIDO and closed is not None:
                day = summaries.lima_day(closed)
                attended += 1
                on_time += due is None or day <= due
                days_sum += max(0, ctx.cal.business_days_between(filed, day))
            if filed >= ctx.heat_since:
                local = summaries._utc(received).astimezone(LIMA)
                heat[(local.weekday(), local.hour)] += 1
        if len(rows) < batch:
            break
        session.expunge_all()
    # Stages: the route of every case of the procedures in the filter, replayed.
    acc: dict[tuple[str, str], list[int]] = {}
    if not (ctx.empty or ctx.procs == []):
        mwhere = [] if ctx.procs is None else [col(E.procedure_id).in_(ctx.procs)]
        moves = session.execute(
            sa_select(
                col(Movement.expediente_id),
                col(Movement.action),
                col(Movement.from_unit_id),
                col(Movement.to_unit_id),
                col(Movement.created_at),
                col(Movement.received_at),
                col(E.procedure_id),
            )
            .join(E, col(E.id) == col(Movement.expediente_id))
            .where(*mwhere)
            .order_by(col(Movement.expediente_id), col(Movement.id))
        ).all()
        for unit, _proc, stage, start, end in summaries.replay_stages(moves):
            day = summaries.lima_day(end)
            if (
                unit not in ctx.scope
                or (ctx.f.date_from and day < ctx.f.date_from)
                or (ctx.f.date_to and day > ctx.f.date_to)
            ):
                continue
            stage_slot = acc.setdefault((ctx.unit_name.get(unit, "?"), stage), [0, 0])
            stage_slot[0] += 1
            stage_slot[1] += max(0, int((summaries._utc(end) - summaries._utc(start)).total_seconds()))
    overdue_ids = (
        []
        if ctx.empty or ctx.procs == []
        else list(
            session.exec(
                select(pk(E))
                .where(*where, col(E.status).in_(OPEN_STATUSES), col(E.current_due_on) < today)
                .order_by(col(E.current_due_on), col(E.id))
                .limit(10)
            ).all()
        )
    )
    return _assemble(
        ctx,
        total=total,
        filed_today=filed_today,
        filed_week=filed_week,
        in_progress=in_progress,
        overdue_n=overdue_n,
        attended=attended,
        on_time=on_time,
        days_sum=days_sum,
        daily=daily,
        lights=lights,
        by_proc=by_proc,
        heat=heat,
        stages=_stage_days(acc),
        overdue=_overdue_rows(ctx, overdue_ids),
    )


def split_range(lo: date | None, hi: date | None) -> list[tuple[str, date | None, date | None]]:
    """[(grain, from, to)] covering [lo, hi] (None: open-ended): the whole months inside from the
    month rows ("m"), the partial months at the edges from the day rows ("d")."""

    def next_month(d: date) -> date:
        return (d.replace(day=28) + timedelta(days=4)).replace(day=1)

    m_lo = lo if lo is None or lo.day == 1 else next_month(lo)
    m_end = None if hi is None else (hi + timedelta(days=1) if (hi + timedelta(days=1)).day == 1 else hi.replace(day=1))
    if m_lo is not None and m_end is not None and m_lo >= m_end:
        return [("d", lo, hi)]
    parts: list[tuple[str, date | None, date | None]] = [
        ("m", m_lo, None if m_end is None else m_end - timedelta(days=1))
    ]
    if lo is not None and m_lo is not None and lo < m_lo:
        parts.append(("d", lo, m_lo - timedelta(days=1)))
    if hi is not None and m_end is not None and hi >= m_end:
        parts.append(("d", m_end, hi))
    return parts


def now_text(now: datetime) -> str:
    """'14:05:09' in Lima time (the dashboard's "updated at")."""
    return now.astimezone(LIMA).strftime("%H:%M:%S")
