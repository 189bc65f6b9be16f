"""Command dashboard figures against a small hand-built data set, and scoping."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import select

from sgd_app import db
from sgd_app.domain import dashboards, intake
from sgd_app.domain.models import Expediente
from tests.conftest import make_pdf, principal

TODAY = date(2026, 11, 30)  # Monday


def _file(e, store, code, *, filed: datetime, due: date, status="en_tramite"):
    with db.write_session(e) as s:
        case = intake.file_case(
            s, store, procedure_code=code,
            filer=intake.FilerInput(doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe",
                                    phone="987654321"),
            subject="Pedido de prueba", fields={"multa": "M-1", "representante": "Ana", "programa": "P"},
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")], received_at=filed).case
    with db.write_session(e) as s:
        c = s.get(Expediente, case.id)
        c.current_due_on, c.status = due, status
        s.add(c)
    return case.number


def test_dashboard_counts_lights_and_most_overdue(seeded, store):
    e = seeded
    mon_10am = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)   # Monday 10:00 Lima
    tue_prev = datetime(2026, 11, 24, 20, 0, tzinfo=timezone.utc)   # Tuesday before, 15:00 Lima
    late = _file(e, store, "SUSP-MUL", filed=tue_prev, due=date(2026, 11, 25))          # Tesorería, red
    _file(e, store, "SUSP-MUL", filed=mon_10am, due=date(2026, 12, 1))                   # Tesorería, amber
    _file(e, store, "SUSP-MUL", filed=mon_10am, due=date(2026, 12, 15))                  # Tesorería, green
    _file(e, store, "CONST-AF", filed=mon_10am, due=date(2026, 11, 20))                  # ROP: not DGRS's
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
