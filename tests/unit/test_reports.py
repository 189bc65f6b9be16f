"""Reports: scope (visible units only), filters, keyset streaming of rows and the aggregates
against a small hand-built set of cases with known dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import auth, filters, intake, reports, routing, summaries
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Expediente, Unit
from sgd_app.domain.reports import ReportFilters
from tests.conftest import make_pdf, principal, unit_by_code

PW = "clave-demo-123"
ROOTS = ("SG", "DGRS", "ROP", "DNFPE", "ENEC", "ODCUS")


_who = principal


_unit = unit_by_code


def _file(engine, store, code, subject, fields=None, channel="virtual", by=None):
    with db.write_session(engine) as s:
        return intake.file_case(
            s,
            store,
            procedure_code=code,
            channel=channel,
            registered_by_id=by,
            filer=intake.FilerInput(
                doc_type="DNI",
                doc_number="45678912",
                name="Rosa Ñahui Quispe",
                kind="ciudadano",
                email="rosa@example.pe",
                phone="987654321",
            ),
            subject=subject,
            fields=fields or {},
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        ).case.number


def _act(engine, fn, who, number, **kw):
    with db.session(engine) as s:
        version = s.exec(select(Expediente.version).where(Expediente.number == number)).one()
    with db.write_session(engine) as s:
        fn(s, who=who, number=number, version=version, **kw)


def _set(engine, number, **values):
    """A hand-made state (dates in the past); the summaries move with it as in the domain."""
    with db.write_session(engine) as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).one()
        before = summaries.facts(case)
        s.execute(update(Expediente).where(Expediente.number == number).values(**values))
        summaries.apply(s, before, summaries.changed(before, values))


def _lima(*args) -> datetime:
    return datetime(*args, tzinfo=LIMA).astimezone(UTC)


@pytest.fixture
def world(seeded, store):
    """Six cases: 3 at ROP (two attended: one on the deadline day late at night, one late; one
    untouched), 2 of Tesorería (one derived on to Logística), 1 jurisdiccional at DNFPE."""
    e = seeded
    rop, tes = _who(e, "rop"), _who(e, "tesoreria")
    mesa = _who(e, "mesa")
    n = [
        _file(e, store, "CONST-AF", "Constancia uno"),
        _file(e, store, "CONST-AF", "Constancia dos"),
        _file(e, store, "CONST-AF", "Constancia tres"),
        _file(e, store, "SUSP-MUL", "Suspensión de cobranza", {"multa": "M-1"}, channel="presencial", by=mesa.user.id),
        _file(e, store, "SUSP-MUL", "Otra suspensión", {"multa": "M-2"}),
        _file(e, store, "DEN-HV", "Denuncia sobre hoja de vida", {"denunciado": "Juan Pérez"}),
    ]
    for number in n[:2]:
        _act(e, routing.receive, rop, number)
        _act(e, routing.attend, rop, number, summary="Se emitió la constancia")
    for number in n[3:5]:
        _act(e, routing.receive, tes, number)
    _act(e, routing.derive, tes, n[3], to_unit_id=_unit(e, "LOG").id, instructions="Informe")
    # Deterministic dates (Monday 2 March 2026; no holidays until Holy Thursday).
    for number in n:
        _set(e, number, received_at=_lima(2026, 3, 2, 9, 0), filed_on=date(2026, 3, 2), due_on=date(2026, 3, 5))
    # Closed at 23:30 Lima on the due day: already the 6th in UTC, still on time in Lima.
    _set(e, n[0], closed_at=_lima(2026, 3, 5, 23, 30))
    _set(e, n[1], closed_at=_lima(2026, 3, 10, 10, 0))  # late: 6 business days
    _set(e, n[5], filed_on=date(2026, 4, 15), due_on=date(2026, 4, 24), received_at=_lima(2026, 4, 15, 8, 5))
    with db.write_session(e) as s:
        units = s.exec(select(Unit).where(Unit.code.in_(ROOTS))).all()
        auth.create_user(
            s,
            username="auditor",
            full_name="Auditoría Interna",
            password=PW,
            memberships=[(u, "manager") for u in units],
        )
        auth.create_user(s, username="sinunidad", full_name="Sin Unidad", password=PW, memberships=[])
    return {
        "e": e,
        "n": n,
        "rop": rop,
        "tes": tes,
        "gerente": _who(e, "gerente"),
        "enec": _who(e, "enec"),
        "auditor": _who(e, "auditor"),
        "nobody": _who(e, "sinunidad"),
    }


def _agg(w, who, **f):
    with db.session(w["e"]) as s:
        return reports.aggregates(s, w[who], ReportFilters(**f))


def _rows(w, who, batch=2000, **f):
    with db.session(w["e"]) as s:
        return list(reports.iter_rows(s, reports.cases_query(s, w[who], ReportFilters(**f)), batch=batch))


def test_aggregates_of_an_officer_exact(world):
    agg = _agg(world, "rop")
    assert agg["total"] == 3
    assert agg["by_status"] == [["Atendido", 2], ["Registrado", 1]]
    assert agg["by_unit"] == [["Registro de Organizaciones Políticas", 3]]
    assert agg["by_procedure"] == [["Constancia del estado de afiliación", 3]]
    assert agg["by_category"] == [["Administrativo", 3]]
    assert agg["by_channel"] == [["Virtual", 3]]
    assert agg["attended"] == 2 and agg["attended_on_time"] == 1
    assert agg["on_time_pct"] == 50.0
    assert agg["avg_business_days"] == 4.5  # (3 + 6) / 2
    assert reports.kpis(agg) == [
        ("Expedientes", "3"),
        ("Atendidos", "2"),
        ("Atendidos dentro del plazo", "50,0 %"),
        ("Promedio de días hábiles para atender", "4,5"),
    ]


def test_aggregates_of_everything_and_filters(world):
    agg = _agg(world, "auditor")
    assert agg["total"] == 6
    assert agg["by_category"] == [["Administrativo", 5], ["Jurisdiccional", 1]]
    assert agg["by_channel"] == [["Virtual", 5], ["Presencial", 1]]
    assert dict(agg["by_status"]) == {"Atendido": 2, "Registrado": 2, "En trámite": 2}
    assert dict(agg["by_unit"]) == {
        "Registro de Organizaciones Políticas": 3,
        "Tesorería": 1,
        "Logística": 1,
        "Dirección Nacional de Fiscalización y Procesos Electorales": 1,
    }
    assert _agg(world, "auditor", category="jurisdiccional")["total"] == 1
    assert _agg(world, "auditor", date_from=date(2026, 4, 1))["total"] == 1
    assert _agg(world, "auditor", date_to=date(2026, 3, 31))["total"] == 5
    assert _agg(world, "auditor", status="atendido")["total"] == 2
    tes = _unit(world["e"], "TES").id
    assert _agg(world, "auditor", unit_id=tes)["total"] == 1
    with db.session(world["e"]) as s:
        proc = s.exec(select(Expediente.procedure_id).where(Expediente.number == world["n"][3])).one()
    assert _agg(world, "auditor", procedure_id=proc)["total"] == 2


def test_scope_other_unit_admin_without_units_and_manager(world):
    for who in ("enec", "nobody"):
        agg = _agg(world, who)
        assert agg["total"] == 0 and agg["attended"] == 0 and agg["on_time_pct"] is None
        assert agg["by_status"] == [] and agg["by_unit"] == []
        assert _rows(world, who) == []
    # An officer cannot reach another unit's cases by naming that unit.
    rop_unit = _unit(world["e"], "ROP").id
    assert _agg(world, "enec", unit_id=rop_unit)["total"] == 0
    assert _rows(world, "enec", unit_id=rop_unit) == []
    # The DGRS manager sees the cases of Tesorería and Logística (units below theirs), not ROP's.
    rows = _rows(world, "gerente")
    assert sorted(r.unit for r in rows) == ["Logística", "Tesorería"]
    assert _agg(world, "gerente")["total"] == 2
    assert _agg(world, "gerente", unit_id=rop_unit)["total"] == 0
    with db.session(world["e"]) as s:
        assert [name for _, name in filters.visible_units(s, world["gerente"])] == [
            "Contabilidad",
            "Dirección General de Recursos y Servicios",
            "Logística",
            "Recursos Humanos",
            "Tesorería",
        ]


def test_rows_streamed_in_batches_with_lima_times(world):
    rows = _rows(world, "auditor", batch=2)
    assert [r.number for r in rows] == world["n"]
    first = rows[0].as_text()
    assert first[:3] == [world["n"][0], "02/03/2026", "02/03/2026 09:00:00"]
    assert first[3:10] == [
        "Constancia del estado de afiliación",
        "Administrativo",
        "Virtual",
        "Atendido",
        "Registro de Organizaciones Políticas",
        "Rosa Ñahui Quispe",
        "DNI 45678912",
    ]
    assert first[11] == "05/03/2026"
    assert _rows(world, "auditor", batch=4) == rows
    with db.session(world["e"]) as s:
        q = reports.cases_query(s, world["auditor"], ReportFilters())
        assert len(list(reports.iter_rows(s, q, batch=2, limit=3))) == 3
        assert reports.count(s, world["auditor"], ReportFilters()) == 6


def test_parse_filters_and_spanish_numbers():
    f = filters.parse_filters(
        {
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
            "unit_id": "4",
            "procedure_id": "",
            "category": "jurisdiccional",
            "status": "atendido",
        }
    )
    assert f == ReportFilters(date(2026, 3, 1), date(2026, 3, 31), 4, None, "jurisdiccional", "atendido")
    assert f.as_query() == {
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
        "unit_id": "4",
        "category": "jurisdiccional",
        "status": "atendido",
    }
    for bad, field in [
        ({"date_from": "31/03/2026"}, "date_from"),
        ({"unit_id": "x"}, "unit_id"),
        ({"date_from": "2026-04-02", "date_to": "2026-04-01"}, "date_to"),
        ({"status": "borrado"}, "status"),
        ({"category": "otra"}, "category"),
        ({"procedure_id": "-1"}, "procedure_id"),
    ]:
        with pytest.raises(InvalidInput) as exc:
            filters.parse_filters(bad)
        assert exc.value.field == field
    assert reports.format_int(1234) == "1 234" and reports.format_int(1234567) == "1 234 567"
    assert reports.format_pct(87.5) == "87,5 %" and reports.format_decimal(1234.25, 2) == "1 234,25"
    assert reports.format_pct(None) == "—"
