"""Command dashboard figures against a small hand-built data set, and scoping."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from sgd_app import db
from sgd_app.domain import dashboards, filters, intake, summaries
from sgd_app.domain.models import Expediente, Procedure, Unit
from tests.conftest import make_pdf, principal, unit_by_code

TODAY = date(2026, 11, 30)  # Monday


def _file(e, store, code, *, filed: datetime, due: date, status="en_tramite"):
    with db.write_session(e) as s:
        case = intake.file_case(
            s,
            store,
            procedure_code=code,
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject="Pedido de prueba",
            fields={"multa": "M-1", "representante": "Ana", "programa": "P"},
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
            received_at=filed,
        ).case
    with db.write_session(e) as s:  # a hand-made state: the summaries move with it, as in the domain
        c = s.get(Expediente, case.id)
        before = summaries.facts(c)
        c.current_due_on, c.status = due, status
        s.add(c)
        summaries.apply(s, before, summaries.facts(c))
    return case.number


def test_dashboard_counts_lights_and_most_overdue(seeded, store):
    e = seeded
    mon_10am = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday 10:00 Lima
    tue_prev = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # Tuesday before, 15:00 Lima
    late = _file(e, store, "SUSP-MUL", filed=tue_prev, due=date(2026, 11, 25))  # Tesorería, red
    _file(e, store, "SUSP-MUL", filed=mon_10am, due=date(2026, 12, 1))  # Tesorería, amber
    _file(e, store, "SUSP-MUL", filed=mon_10am, due=date(2026, 12, 15))  # Tesorería, green
    _file(e, store, "CONST-AF", filed=mon_10am, due=date(2026, 11, 20))  # ROP: not DGRS's
    gerente = principal(e, "gerente")  # manager of DGRS: sees Tesorería and the other DGRS offices
    with db.session(e) as s:
        d = dashboards.dashboard(s, gerente, today=TODAY)
    k = d["kpis"]
    assert (k["total"], k["filed_today"], k["filed_week"], k["in_progress"], k["overdue"]) == (3, 2, 2, 3, 1)
    assert d["lights"] == [{"unit": "Tesorería", "rojo": 1, "ambar": 1, "verde": 1}]
    assert [o["number"] for o in d["overdue"]] == [late] and d["overdue"][0]["late"] == 3
    assert sum(map(sum, d["heatmap"])) == 3
    assert d["heatmap"][0][10] == 2 and d["heatmap"][1][15] == 1  # Monday 10:00 twice, Tuesday 15:00 once
    assert {x["day"]: x["virtual"] for x in d["daily"]} == {"2026-11-24": 1, "2026-11-30": 2}
    # An officer of ROP is not a head or manager: no dashboard; a head sees only their unit.
    assert not dashboards.may_view(principal(e, "rop"))
    jefe_log = principal(e, "jefe.logistica")
    with db.session(e) as s:
        assert dashboards.dashboard(s, jefe_log, today=TODAY)["kpis"]["total"] == 0
        assert s.exec(select(Expediente)).all()  # the cases exist, they are just out of scope


# ---------------------------------------------------------------- summaries = the cases, always
CASILLA, FIX = "http://x/casilla", "http://x/seguimiento"


def _act(e, fn, who, number, **kw):
    with db.session(e) as s:
        version = s.exec(select(Expediente).where(Expediente.number == number)).one().version
    with db.write_session(e) as s:
        return fn(s, who=who, number=number, version=version, **kw)


def _history(e, store):
    """A small history through the real domain operations: receipts, derivations, a return,
    observations fixed and expired, attention, archive, accumulation; several days and hours."""
    from sgd_app.domain import observations, routing

    rop, log, tes = principal(e, "rop"), principal(e, "logistica"), principal(e, "tesoreria")
    at = [
        datetime(2026, 11, d, h, 30, tzinfo=UTC)
        for d, h in ((2, 14), (3, 3), (10, 22), (16, 15), (20, 13), (23, 16), (25, 21), (27, 12))
    ]
    n = [
        _file(e, store, code, filed=t, due=None)
        for code, t in zip(
            ("CONST-AF", "CONST-AF", "SUSP-MUL", "CONST-AF", "CONST-AF", "SUSP-MUL", "CONST-AF", "CONST-AF"),
            at,
            strict=False,
        )
    ]
    log_unit = unit_by_code(e, "LOG").id
    _act(e, routing.receive, rop, n[0])
    _act(e, routing.derive, rop, n[0], to_unit_id=log_unit, instructions="Informe, por favor")
    _act(e, routing.receive, log, n[0])
    _act(e, routing.return_case, log, n[0], reason="No corresponde a Logística")
    _act(e, routing.receive, rop, n[0])
    _act(e, routing.attend, rop, n[0], summary="Constancia emitida")
    _act(e, routing.receive, rop, n[1])
    _act(e, observations.observe, rop, n[1], items=["Falta la copia del DNI"], casilla_url=CASILLA, fix_url=FIX)
    with db.write_session(e) as s:
        case = s.exec(select(Expediente).where(Expediente.number == n[1])).one()
        observations.fix(s, store, case=case, note="Adjunto la copia", files=[])
    _act(e, routing.archive, principal(e, "jefe.rop"), n[1], reason="Desistimiento del administrado")
    _act(e, routing.receive, tes, n[2])
    _act(e, routing.attend, tes, n[2], summary="Suspensión concedida")
    _act(e, routing.receive, rop, n[4])
    _act(e, observations.observe, rop, n[4], items=["Firma ilegible"], casilla_url=CASILLA, fix_url=FIX)
    with db.write_session(e) as s:
        observations.expire_overdue(s, casilla_url=CASILLA, today=date(2027, 1, 30))
    _act(e, routing.receive, rop, n[6])
    _act(e, routing.receive, rop, n[7])
    _act(e, routing.accumulate, principal(e, "jefe.rop"), n[6], into_number=n[7])
    _act(e, routing.receive, tes, n[5])
    return n


def _file_plain(e, store, code, at):
    with db.write_session(e) as s:
        return intake.file_case(
            s,
            store,
            procedure_code=code,
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject="Pedido",
            fields={"multa": "M-1", "representante": "Ana", "programa": "P"},
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
            received_at=at,
        ).case.number


def _sum_rows(e):
    out = {}
    with db.session(e) as s:
        for table, keys, counters in summaries.TABLES:
            rows = s.execute(table.select()).mappings().all()
            out[table.name] = sorted(
                (tuple(str(r[k]) for k in keys), tuple(r[c] for c in counters))
                for r in rows
                if any(r[c] for c in counters)
            )
    return out


def test_summaries_follow_every_change_and_match_the_cases(seeded, store):
    from sgd_app.domain import access, reports

    e = seeded
    global _file
    _orig = _file
    try:
        _file = lambda e_, st, code, filed, due: _file_plain(e_, st, code, filed)  # noqa: E731
        numbers = _history(e, store)
    finally:
        _file = _orig
    incremental = _sum_rows(e)
    assert incremental["sum_stage"], "receipts and departures must record stage times"
    assert any(k[5] == "no_presentado" for k, _ in incremental["sum_filed"])
    summaries.rebuild(e)
    assert _sum_rows(e) == incremental  # the incremental path and the full rebuild agree
    log, tes, rop = unit_by_code(e, "LOG").id, unit_by_code(e, "TES").id, unit_by_code(e, "ROP").id
    with db.session(e) as s:
        const = s.exec(select(Procedure.id).where(Procedure.code == "CONST-AF")).one()
        everyone = {u.id for u in s.exec(select(Unit)).all()}
        gerente = access.visible_unit_ids(s, principal(e, "gerente"))
        for units in (everyone, gerente, {rop}, {log, tes}, set()):
            for f in (
                filters.ReportFilters(),
                filters.ReportFilters(procedure_id=const),
                filters.ReportFilters(category="jurisdiccional"),
                filters.ReportFilters(unit_id=rop),
                filters.ReportFilters(date_from=date(2026, 11, 11), date_to=date(2026, 11, 26)),
                filters.ReportFilters(status="atendido"),
            ):
                for today in (date(2026, 11, 27), date(2026, 12, 20)):
                    fast = dashboards.compute(s, units, f, today=today)
                    slow = dashboards.compute_naive(s, units, f, today=today)
                    assert fast == slow, (units, f, today)
        for username in ("gerente", "jefe.rop", "jefe.logistica"):
            who = principal(e, username)
            for f in (
                filters.ReportFilters(),
                filters.ReportFilters(status="atendido"),
                filters.ReportFilters(status="en_tramite", category="jurisdiccional"),
                filters.ReportFilters(date_from=date(2026, 11, 3), date_to=date(2026, 12, 31)),
            ):
                assert reports.aggregates(s, who, f) == reports.aggregates_naive(s, who, f), (username, f)
        d = dashboards.compute(s, everyone, today=date(2026, 12, 20))
    k = d["kpis"]
    assert k["total"] == len(numbers) and k["attended"] == 2
    stages = {r["unit"]: r for r in d["stages"]}
    assert stages["Logística"]["recepcion"] >= 0 and "Registro de Organizaciones Políticas" in stages
    assert k["in_progress"] == 3  # n[3] registered, n[5] in progress, n[7] in progress (n[6] joined to it)


def test_dashboard_queries_read_summaries_and_use_the_indexes(seeded, store, tmp_path):
    """After ANALYZE on a few thousand generated cases, no dashboard query scans the cases or the
    route: SQLite's planner must keep to the summaries and to ix_expediente_due."""
    from sqlalchemy import event

    from sgd_app import demo_data

    e = seeded
    demo_data.generate(e, 3000, year=2026)
    with e.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with db.session(e) as s:
        everyone = {u.id for u in s.exec(select(Unit)).all()}
        event.listen(e, "before_cursor_execute", grab)
        try:
            dashboards.compute(s, everyone, filters.ReportFilters(category="administrativo"), today=date(2026, 11, 27))
        finally:
            event.remove(e, "before_cursor_execute", grab)
        plans = []
        conn = s.connection()
        for sql, params in statements:
            if "sum_" not in sql and "expediente" not in sql:
                continue
            if e.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
                plans.append((sql, " | ".join(r[-1] for r in rows)))
            else:
                rows = conn.exec_driver_sql("EXPLAIN " + sql, params).all()
                plans.append((sql, " | ".join(r[0] for r in rows)))
    assert len(plans) >= 7
    for sql, plan in plans:
        if e.dialect.name == "sqlite":
            assert "SCAN expediente" not in plan and "SCAN movement" not in plan, (sql, plan)
            if "FROM expediente" in sql and "current_due_on <" in sql:
                assert "ix_expediente_due" in plan, plan
        else:
            assert "movement" not in plan.lower(), plan
            if "FROM expediente" in sql and "current_due_on <" in sql:
                assert "Seq Scan on expediente" not in plan, plan


def test_split_range_reads_whole_months_from_month_rows_and_edges_from_day_rows():
    split = dashboards.split_range
    assert split(None, None) == [("m", None, None)]
    assert split(date(2026, 3, 1), date(2026, 5, 31)) == [("m", date(2026, 3, 1), date(2026, 5, 31))]
    assert split(date(2026, 3, 10), date(2026, 3, 20)) == [("d", date(2026, 3, 10), date(2026, 3, 20))]
    assert split(date(2026, 3, 10), date(2026, 6, 5)) == [
        ("m", date(2026, 4, 1), date(2026, 5, 31)),
        ("d", date(2026, 3, 10), date(2026, 3, 31)),
        ("d", date(2026, 6, 1), date(2026, 6, 5)),
    ]
    assert split(date(2026, 12, 2), None) == [
        ("m", date(2027, 1, 1), None),
        ("d", date(2026, 12, 2), date(2026, 12, 31)),
    ]
    assert split(None, date(2026, 2, 27)) == [
        ("m", None, date(2026, 1, 31)),
        ("d", date(2026, 2, 1), date(2026, 2, 27)),
    ]
    assert split(date(2026, 2, 10), date(2026, 3, 5)) == [("d", date(2026, 2, 10), date(2026, 3, 5))]
