"""/mirador's text alternative (issue 13 item 8): each chart's one-sentence summary and its data
table, computed by MiradorState from the domain's figures; long procedure names wrap, never cut."""

from __future__ import annotations

from sgd_app.domain.mirador import Figures
from sgd_app.state.mirador import TOP, MiradorState, month_bars, procedure_bars


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


def test_the_charts_are_scaled_to_the_largest_value_and_keep_every_name_whole():
    name = "Constancia del estado de afiliación a organización política"
    bars = procedure_bars([(name, 40), ("Queja", 10)])
    assert bars == [
        {"label": name, "value": "40", "width": "100.0%"},  # the whole name: HTML wraps it, nothing is cut
        {"label": "Queja", "value": "10", "width": "25.0%"},
    ]
    months = month_bars([("ene. 2026", 30, 10), ("feb. 2026", 0, 20)])
    assert [m["label"] for m in months] == ["ene.", "feb."]
    assert (months[0]["virtual"], months[0]["paper"]) == ("75.0%", "25.0%")  # the busiest month fills the box
    assert (months[1]["virtual"], months[1]["paper"]) == ("0.0%", "50.0%")
    assert months[1]["title"] == "feb. 2026: 0 virtuales y 20 presenciales"


def test_beyond_the_top_procedures_the_rest_is_one_bar_and_only_twelve_months_are_drawn():
    many = [(f"Trámite {i}", 100 - i) for i in range(TOP + 3)]
    bars = procedure_bars(many)
    assert len(bars) == TOP + 1
    assert bars[-1]["label"] == "Otros trámites"
    assert bars[-1]["value"] == str(sum(n for _p, n in many[TOP:]))
    months = month_bars([(f"m{i} 2025", i, 0) for i in range(1, 19)])
    assert len(months) == 12 and months[0]["label"] == "m7" and months[-1]["virtual"] == "100.0%"
    assert procedure_bars([]) == [] and month_bars([]) == []


def test_the_state_fills_the_drawings_from_the_figures():
    f = Figures()
    f.virtual, f.paper = 3, 1
    f.by_month = [("ene. 2026", 3, 1)]
    f.by_procedure = [("Queja", 4)]
    state = _state()
    state._describe(f)
    assert state.virtual_share == "75.0%"
    assert state.months[0]["virtual"] == "75.0%"
    assert state.procedures == [{"label": "Queja", "value": "4", "width": "100.0%"}]
