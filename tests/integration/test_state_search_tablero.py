"""/buscar and /tablero handlers called the way a hostile client could: no session, no results;
a head's dashboard feed is scoped to their units; an officer gets no figures."""

from __future__ import annotations

from sgd_app import settings
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
