"""Search finds every case its user may open — the case page's rule (access.seen_in over the units
a case has been in), not only the cases now in the user's unit (issue 14, item 5): the registering
clerk, a unit that received and passed the case on, a copy's unit, the managers above; never an
unrelated unit. Runs on SQLite and, when SGD_TEST_DATABASE_URL is set, on PostgreSQL too."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import access, intake, routing, search
from sgd_app.domain.errors import NotFound
from sgd_app.domain.models import CaseUnit, Expediente, Membership, Movement
from sgd_app.domain.search import SearchFilters
from tests.conftest import make_pdf, principal, unit_by_code

USERS = ("mesa", "rop", "dnfpe", "tesoreria", "logistica", "enec", "gerente", "cusco")


def _file(engine, store, code, subject, *, by=None):
    with db.write_session(engine) as s:
        case = intake.file_case(
            s,
            store,
            procedure_code=code,
            channel="presencial" if by else "virtual",
            registered_by_id=by,
            filer=intake.FilerInput(
                doc_type="DNI",
                doc_number="41234567",
                name="Julia Ñique Poma",
                kind="ciudadano",
                email="j@example.pe",
                phone="987654321",
            ),
            subject=subject,
            fields={"multa": "M-2026-12"} if code == "SUSP-MUL" else {},
            files=[intake.IncomingFile("solicitud.pdf", make_pdf(), "principal")],
        ).case
        search.index_case(s, case.id, fresh=True)
        return case.number


def _act(engine, fn, who, number, **kw):
    with db.session(engine) as s:
        version = s.exec(select(Expediente.version).where(Expediente.number == number)).one()
    with db.write_session(engine) as s:
        fn(s, who=who, number=number, version=version, **kw)


def _finds(engine, who, q, filters=SearchFilters()) -> set[str]:
    with db.session(engine) as s:
        r = search.search(s, who, q, filters)
        assert r.total == len(r.hits)  # counted as found: never a count of what the user may not see
        return {h.number for h in r.hits}


def _opens(engine, who, number) -> bool:
    with db.session(engine) as s:
        try:
            access.get_case(s, who, number)
        except NotFound:
            return False
        return True


@pytest.fixture
def world(seeded, store):
    """P: paper registered by the desk clerk for ROP, received and derived by ROP to DNFPE.
    T: online, for Tesorería, received and derived to ROP with a copy to Logística."""
    e = seeded
    who = {u: principal(e, u) for u in USERS}
    p = _file(e, store, "CONST-AF", "Constancia mandarina de afiliación", by=who["mesa"].user.id)
    t = _file(e, store, "SUSP-MUL", "Suspensión frambuesa de cobranza")
    _act(e, routing.receive, who["rop"], p)
    _act(e, routing.derive, who["rop"], p, to_unit_id=unit_by_code(e, "DNFPE").id, instructions="Para informe")
    _act(e, routing.receive, who["tesoreria"], t)
    _act(
        e, routing.derive, who["tesoreria"], t, to_unit_id=unit_by_code(e, "ROP").id, copies=[unit_by_code(e, "LOG").id]
    )
    return {"engine": e, "store": store, "p": p, "t": t, **who}


def test_the_registering_clerk_finds_the_case_after_it_was_derived(world):
    e, mesa, p = world["engine"], world["mesa"], world["p"]
    assert _finds(e, mesa, "mandarina") == {p}
    assert _finds(e, mesa, "constancia mandarina afiliacion") == {p}
    with db.session(e) as s:
        assert search.search(s, mesa, p).jump_to == p  # by its number
    assert _opens(e, mesa, p)


def test_a_unit_that_received_and_derived_the_case_finds_it(world):
    e = world["engine"]
    assert _finds(e, world["rop"], "mandarina") == {world["p"]}  # now at DNFPE
    assert _finds(e, world["tesoreria"], "frambuesa") == {world["t"]}  # now at ROP
    assert _finds(e, world["dnfpe"], "mandarina") == {world["p"]}  # where it is now
    assert _finds(e, world["logistica"], "frambuesa") == {world["t"]}  # a copy
    # The unit filter is the unit that holds the case now.
    dnfpe, rop = unit_by_code(e, "DNFPE").id, unit_by_code(e, "ROP").id
    assert _finds(e, world["rop"], "mandarina", SearchFilters(unit_id=dnfpe)) == {world["p"]}
    assert _finds(e, world["rop"], "mandarina", SearchFilters(unit_id=rop)) == set()
    assert _finds(e, world["rop"], "constancia", SearchFilters(status="registrado")) == set()
    assert _finds(e, world["rop"], "constancia", SearchFilters(status="en_tramite")) == {world["p"]}


def test_an_unrelated_unit_does_not_find_nor_open_it(world):
    e = world["engine"]
    for user in ("enec", "cusco"):
        for q in ("mandarina", "frambuesa", world["p"], world["t"], "41234567"):
            with db.session(e) as s:
                r = search.search(s, world[user], q)
            assert (r.total, r.hits, r.jump_to) == (0, (), None), (user, q)
        assert not _opens(e, world[user], world["p"]) and not _opens(e, world[user], world["t"])
    assert _finds(e, world["dnfpe"], "frambuesa") == set()  # T never was at DNFPE
    assert _finds(e, world["logistica"], "mandarina") == set()


def test_a_manager_above_a_unit_the_case_passed_through_finds_it(world):
    e, gerente = world["engine"], world["gerente"]  # manager of DGRS, above Tesorería and Logística
    assert _finds(e, gerente, "frambuesa") == {world["t"]}  # now at ROP, outside DGRS
    assert _opens(e, gerente, world["t"])
    assert _finds(e, gerente, "mandarina") == set() and not _opens(e, gerente, world["p"])


def test_a_clerk_of_another_desk_finds_what_it_registered(world):
    """Paper registered at the Cusco desk: the route starts at Mesa de Partes, yet the desk that
    registered it keeps seeing it."""
    e = world["engine"]
    odcus = unit_by_code(e, "ODCUS").id
    with db.write_session(e) as s:
        s.add(Membership(user_id=world["cusco"].user.id, unit_id=odcus, role="clerk"))
    clerk = principal(e, "cusco")
    n = _file(e, world["store"], "CONST-AF", "Constancia guayaba registrada en Cusco", by=clerk.user.id)
    assert _finds(e, clerk, "guayaba") == {n} and _opens(e, clerk, n)
    assert _finds(e, world["enec"], "guayaba") == set()


def test_search_and_the_case_page_give_the_same_answer_for_everybody(world):
    """One rule: for every user and case, found by its subject <=> the case page opens."""
    e = world["engine"]
    for user in USERS:
        for number, word in ((world["p"], "mandarina"), (world["t"], "frambuesa")):
            assert (number in _finds(e, world[user], word)) == _opens(e, world[user], number), (user, number)


def test_the_case_units_are_every_unit_of_the_route(world):
    """CaseUnit holds the current unit and both ends of every movement, written by the database."""
    e = world["engine"]
    with db.session(e) as s:
        for number in (world["p"], world["t"]):
            cid = s.exec(select(Expediente.id).where(Expediente.number == number)).one()
            route = {
                u
                for m in s.exec(select(Movement).where(Movement.expediente_id == cid))
                for u in (m.from_unit_id, m.to_unit_id)
            }
            current = s.exec(select(Expediente.current_unit_id).where(Expediente.id == cid)).one()
            units = set(s.exec(select(CaseUnit.unit_id).where(CaseUnit.expediente_id == cid)).all())
            assert units == (route | {current}) - {None}


def test_the_rule_uses_the_index(world):
    """SQLite's plan for the case page's check: an index search of caseunit, never a scan."""
    e = world["engine"]
    if not db.is_sqlite(e):
        pytest.skip("SQLite's EXPLAIN QUERY PLAN")
    with db.session(e) as s:
        stmt = select(1).where(access.seen_in(1, {1, 2}))
        sql = str(stmt.compile(dialect=s.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(r[-1]) for r in s.connection().execute(text("EXPLAIN QUERY PLAN " + sql)).all())
    assert "SEARCH caseunit USING COVERING INDEX" in plan and "SCAN caseunit" not in plan, plan
