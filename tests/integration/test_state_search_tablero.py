"""/buscar and /tablero handlers called the way a hostile client could: no session, no results;
a head's dashboard feed is scoped to their units; an officer gets no figures."""

from __future__ import annotations

from reflex.istate.data import RouterData

from sgd_app import routes, settings
from sgd_app.state.buscar import BuscarState
from sgd_app.state.tablero import DashboardFeed, TableroState
from tests.integration.test_state_security import _file_case, _login, _run, _state


def test_search_without_a_session_redirects_and_finds_nothing(app_db):
    _file_case()
    for cookie in ("", "sgd_sesion=forjada"):
        st = _state(BuscarState, cookie=cookie)
        st.query = "afiliacion"
        out = _run(st.submit({"q": "afiliacion"}))
        assert st.hits == [] and st.total_label == ""
        assert "ingresar" in str(out)


def test_search_only_shows_the_users_units(app_db):
    number = _file_case().case.number  # CONST-AF: ROP
    rop = _state(BuscarState, cookie=f"{settings.SESSION_COOKIE}={_login('rop')}")
    _run(rop.submit({"q": "constancia afiliacion"}))
    assert [h["number"] for h in rop.hits] == [number]
    tes = _state(BuscarState, cookie=f"{settings.SESSION_COOKIE}={_login('tesoreria')}")
    _run(tes.submit({"q": "constancia afiliacion"}))
    assert tes.hits == [] and tes.total_label == "Sin resultados"
    _run(tes.submit({"q": number}))  # even the exact number: no jump, no hit
    assert tes.hits == []
    _run(rop.submit({"q": "ab*"}))
    assert rop.error and rop.hits == []


def test_tablero_refuses_officers_and_anonymous_clients(app_db):
    _file_case()
    anon = _state(TableroState)
    assert "ingresar" in str(_run(anon.load()))
    officer = _state(TableroState, cookie=f"{settings.SESSION_COOKIE}={_login('rop')}")
    _run(officer.load())
    assert not officer.allowed and officer.message == "El tablero de mando es para jefes de unidad y directivos."
    feed = officer.parent_state.get_substate(DashboardFeed.get_full_name().split(".")[1:])
    assert feed.kpis == [] and feed.version == 0


def _redirected_to(out) -> str:
    """The path of an rx.redirect a handler returned ("" when it returned none)."""
    args = dict((k._js_expr, getattr(v, "_var_value", None)) for k, v in getattr(out, "args", ()))
    return str(args.get("path") or "")


def _open_buscar(st, query: str = "") -> object:
    """What a page load of /buscar (optionally /buscar?q=...) does with the state it finds."""
    st.router_data = {**st.router_data, "pathname": "/buscar", "query": {"q": query} if query else {}}
    st.router = RouterData.from_router_data(st.router_data)
    return _run(st.load())


def test_a_search_that_opened_a_case_does_not_reopen_it_on_the_next_visit(app_db):
    number = _file_case().case.number
    rop = _state(BuscarState, cookie=f"{settings.SESSION_COOKIE}={_login('rop')}")
    out = _run(rop.submit({"q": number}))  # the exact number: straight to the case
    assert _redirected_to(out) == routes.expediente(number)
    out = _open_buscar(rop)  # back to /buscar (link, URL, Back): the result, not the case again
    assert _redirected_to(out) == ""
    assert [h["number"] for h in rop.hits] == [number]
    out = _run(rop.submit({"q": "constancia afiliacion"}))  # and a new search runs
    assert _redirected_to(out) == "" and [h["number"] for h in rop.hits] == [number]
    assert rop.query == "constancia afiliacion"
    assert _redirected_to(_open_buscar(rop, number)) == routes.expediente(number)  # a ?q= link opens it


def test_results_flag_urgent_and_very_urgent_cases(app_db):
    from sqlmodel import select

    from sgd_app import db
    from sgd_app.domain.models import Expediente

    numbers = [_file_case().case.number for _ in range(3)]
    with db.write_session() as s:
        for number, priority in zip(numbers, ("normal", "urgente", "muy_urgente"), strict=True):
            case = s.exec(select(Expediente).where(Expediente.number == number)).one()
            case.priority = priority
            s.add(case)
    rop = _state(BuscarState, cookie=f"{settings.SESSION_COOKIE}={_login('rop')}")
    _run(rop.submit({"q": "constancia afiliacion"}))
    flags = {h["number"]: h["priority"] for h in rop.hits}
    assert flags == {numbers[0]: "", numbers[1]: "Urgente", numbers[2]: "Muy urgente"}
