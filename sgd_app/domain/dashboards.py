"""Command dashboard (tablero de mando): KPIs and chart data as plain dicts, scoped to the units a
head or manager may see (``routing.visible_unit_ids``), with the reports' filters.

This first version computes from the case table with grouped queries (fine for tens of
thousands of cases); summary tables maintained in the business transactions, and the push of
every change to open dashboards, are the next step (see the README).
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, select

from sgd_app.domain import reports, routing
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA, BusinessCalendar, load_calendar
from sgd_app.domain.models import Expediente, Party, Procedure, Unit

ACTIVE = routing.OPEN + ("observado",)
WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")


def may_view(who: Principal) -> bool:
    return who.has_role("head", "manager") or bool(who.delegated)


def dashboard(session: Session, who: Principal, filters: reports.ReportFilters = reports.ReportFilters(), *,
              today: date, calendar: BusinessCalendar | None = None, days: int = 30) -> dict[str, Any]:
    cal = calendar or load_calendar(session)
    units = routing.visible_unit_ids(session, who)
    where = reports._where(units, filters)
    agg = reports.aggregates(session, who, filters)
    week_start = today - timedelta(days=today.weekday())
    amber_limit = cal.add_business_days(today, 2)

    def count(*extra) -> int:
        return int(session.exec(select(func.count()).select_from(Expediente).where(*where, *extra)).one())

    kpis = {
        "filed_today": count(Expediente.filed_on == today),
        "filed_week": count(Expediente.filed_on >= week_start, Expediente.filed_on <= today),
        "in_progress": count(Expediente.status.in_(ACTIVE)),
        "overdue": count(Expediente.status.in_(routing.OPEN), Expediente.current_due_on < today),
        "on_time_pct": agg["on_time_pct"],
        "avg_business_days": agg["avg_business_days"],
        "total": agg["total"],
    }
    since = max(filters.date_from or date.min, today - timedelta(days=days - 1))
    daily: dict[str, dict[str, int]] = {}
    for day, channel, n in session.exec(
            select(Expediente.filed_on, Expediente.channel, func.count())
            .where(*where, Expediente.filed_on >= since, Expediente.filed_on <= today)
            .group_by(Expediente.filed_on, Expediente.channel)).all():
        daily.setdefault(day.isoformat(), {})[channel] = n
    bucket = case((Expediente.current_due_on < today, "rojo"), (Expediente.current_due_on <= amber_limit, "ambar"),
                  else_="verde")
    lights: dict[str, dict[str, int]] = {}
    for unit, color, n in session.exec(
            select(Unit.name, bucket, func.count()).join(Unit, Unit.id == Expediente.current_unit_id)
            .where(*where, Expediente.status.in_(routing.OPEN)).group_by(Unit.name, bucket)).all():
        lights.setdefault(unit, {"rojo": 0, "ambar": 0, "verde": 0})[color] = n
    backlog = sorted(((u, sum(c.values())) for u, c in lights.items()), key=lambda x: -x[1])
    heat = Counter()
    heat_since = max(filters.date_from or date.min, today - timedelta(days=90))
    for received in session.exec(select(Expediente.received_at)
                                 .where(*where, Expediente.filed_on >= heat_since)).all():
        local = received.astimezone(LIMA)
        heat[(local.weekday(), local.hour)] += 1
    overdue = [
        {"number": n, "procedure": p, "unit": u, "filer": f, "due": d.isoformat(),
         "late": cal.business_days_between(d, today)}
        for n, p, u, f, d in session.exec(
            select(Expediente.number, Procedure.name, Unit.name, Party.name, Expediente.current_due_on)
            .join(Procedure, Procedure.id == Expediente.procedure_id)
            .join(Unit, Unit.id == Expediente.current_unit_id)
            .join(Party, Party.id == Expediente.party_id)
            .where(*where, Expediente.status.in_(routing.OPEN), Expediente.current_due_on < today)
            .order_by(Expediente.current_due_on, Expediente.id).limit(10)).all()
    ]
    return {
        "kpis": kpis,
        "daily": [{"day": d, "virtual": c.get("virtual", 0), "presencial": c.get("presencial", 0)}
                  for d, c in sorted(daily.items())],
        "backlog": [{"unit": u, "open": n} for u, n in backlog],
        "lights": [{"unit": u, **c} for u, c in sorted(lights.items(), key=lambda x: -sum(x[1].values()))],
        "by_procedure": [{"name": row[0], "count": row[1]} for row in agg["by_procedure"]],
        "by_category": [{"name": row[0], "count": row[1]} for row in agg["by_category"]],
        "heatmap": [[heat.get((wd, h), 0) for h in range(24)] for wd in range(7)],
        "overdue": overdue,
    }
