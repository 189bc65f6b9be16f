"""/mirador's text alternative (issue 13 item 8): each chart's one-sentence summary and its data
table, computed by MiradorState from the domain's figures; long procedure names wrap, never cut."""

from __future__ import annotations

from sgd_app.domain.mirador import Figures
from sgd_app.state.mirador import MiradorState, _wrap


def _state() -> MiradorState:
    return MiradorState(_reflex_internal_init=True)  # a bare state, as a handler would see it


def test_summaries_and_tables_say_what_the_charts_show():
    f = Figures()
    f.virtual, f.paper = 30, 10
    f.by_month = [("ene. 2026", 10, 5), ("feb. 2026", 20, 5)]
    f.by_procedure = [("Constancia del estado de afiliación a organización política", 25), ("Queja", 15)]
    state = _state()
    state._describe(f)
    assert state.month_summary == (
        "En los últimos 2 meses el mes con más trámites fue feb. 2026, con 25 (20 virtuales y 5 presenciales)."
    )
    assert state.month_rows == [["ene. 2026", "10", "5", "15"], ["feb. 2026", "20", "5", "25"]]
    assert state.procedure_summary.startswith("El trámite más frecuente es «Constancia del estado de afiliación")
    assert state.procedure_rows[1] == ["Queja", "15"]
    assert state.channel_summary.startswith("30 de 40 trámites (75,00 %) llegaron por la Mesa de Partes Virtual")
    assert state.channel_rows == [["Virtual", "30", "75,00 %"], ["Presencial (papel)", "10", "25,00 %"]]


def test_an_empty_installation_says_so():
    state = _state()
    state._describe(Figures())
    assert state.month_summary == state.procedure_summary == "Aún no hay trámites registrados."
    assert state.month_rows == state.procedure_rows == []
    assert state.channel_rows[0] == ["Virtual", "0", "0 %"]


def test_long_procedure_names_wrap_instead_of_being_cut():
    name = "Constancia del estado de afiliación a organización política"
    wrapped = _wrap(name)
    assert "…" not in wrapped
    assert wrapped.replace("<br>", " ") == name
    assert all(len(line) <= 24 for line in wrapped.split("<br>"))
