"""Saved searches (issue 14, item 11): a staff member keeps a search under a name and reruns it;
they are personal (nobody else lists, opens or deletes them), a rerun finds only what the person
may see now, bad names and searches are refused with a Spanish reason, a name already used
replaces the search, and a person keeps at most MAX_PER_USER. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import search
from sgd_app.domain.errors import InvalidInput, NotFound
from sgd_app.domain.search import SavedSearch, SearchFilters
from sgd_app.domain.search.saved import MAX_PER_USER
from tests.conftest import principal, unit_by_code
from tests.unit.test_search_access import _file


def test_save_list_rerun_and_delete_a_search(seeded, store):
    mine = _file(seeded, store, "SUSP-MUL", "Suspensión de cobranza de la multa electoral")  # for Tesorería
    rop = principal(seeded, "tesoreria")
    kept = search.save_search(
        rop, name="  Multas   en trámite ", text="multa", filters={"status": "registrado", "bogus": "x"}, engine=seeded
    )
    assert kept.name == "Multas en trámite"  # spaces folded
    assert kept.filters == {"status": "registrado"}  # unknown keys dropped
    listed = search.saved_searches(rop, engine=seeded)
    assert [(s.name, s.query) for s in listed] == [("Multas en trámite", "multa")]

    again = search.saved_search(rop, listed[0].id, engine=seeded)
    with db.session(seeded) as s:
        found = search.search(s, rop, again.query, search.parse_filters(again.filters))
    assert mine in {h.number for h in found.hits}

    # The same name replaces the search (the person is correcting it): still one.
    search.save_search(rop, name="Multas en trámite", text="cobranza", filters={}, engine=seeded)
    listed = search.saved_searches(rop, engine=seeded)
    assert [(s.name, s.query, s.filters) for s in listed] == [("Multas en trámite", "cobranza", {})]

    assert search.delete_saved_search(rop, listed[0].id, engine=seeded) == "Multas en trámite"
    assert search.saved_searches(rop, engine=seeded) == []


def test_saved_searches_are_personal(seeded):
    rop, tesoreria = principal(seeded, "rop"), principal(seeded, "tesoreria")
    kept = search.save_search(rop, name="Mías", text="multa", filters={}, engine=seeded)
    assert search.saved_searches(tesoreria, engine=seeded) == []
    with pytest.raises(NotFound):
        search.saved_search(tesoreria, kept.id, engine=seeded)
    with pytest.raises(NotFound):
        search.delete_saved_search(tesoreria, kept.id, engine=seeded)
    assert [s.name for s in search.saved_searches(rop, engine=seeded)] == ["Mías"]  # untouched
    # Two people may use the same name.
    search.save_search(tesoreria, name="Mías", text="pago", filters={}, engine=seeded)
    assert [s.query for s in search.saved_searches(tesoreria, engine=seeded)] == ["pago"]


def test_a_rerun_finds_only_what_the_person_may_see_now(seeded, store):
    """A saved search stores words and filters, never results or a scope: a unit filter naming a
    unit the person was never in finds nothing of that unit."""
    number = _file(seeded, store, "SUSP-MUL", "Multa por no votar")  # at Tesorería
    rop = principal(seeded, "rop")
    tesoreria_unit = str(unit_by_code(seeded, "TES").id)
    for filters in ({}, {"unit_id": tesoreria_unit}):
        kept = search.save_search(rop, name="Multas", text="multa", filters=filters, engine=seeded)
        with db.session(seeded) as s:
            hits = search.search(s, rop, kept.query, search.parse_filters(kept.filters)).hits
        assert number not in {h.number for h in hits}
    with db.session(seeded) as s:
        assert number in {h.number for h in search.search(s, principal(seeded, "tesoreria"), "multa").hits}


@pytest.mark.parametrize(
    ("name", "text", "filters", "field", "says"),
    [
        ("", "multa", {}, "name", "Escriba un nombre"),
        ("x" * 61, "multa", {}, "name", "como máximo 60"),
        ("Vacía", "   ", {}, "q", ""),
        ("Fecha", "multa", {"date_from": "2026-13-40"}, "date_from", ""),
        ("Estado", "multa", {"status": "inventado"}, "status", "estado"),
    ],
)
def test_bad_saves_are_refused_with_a_reason_and_nothing_is_written(seeded, name, text, filters, field, says):
    rop = principal(seeded, "rop")
    with pytest.raises(InvalidInput) as err:
        search.save_search(rop, name=name, text=text, filters=filters, engine=seeded)
    assert err.value.message and says in err.value.message
    assert err.value.field == field
    with db.session(seeded) as s:
        assert s.exec(select(SavedSearch)).all() == []


def test_at_most_max_per_user(seeded):
    rop = principal(seeded, "rop")
    for i in range(MAX_PER_USER):
        search.save_search(rop, name=f"Búsqueda {i}", text="multa", filters={}, engine=seeded)
    with pytest.raises(InvalidInput, match="elimine alguna"):
        search.save_search(rop, name="Una más", text="multa", filters={}, engine=seeded)
    # Replacing one by its name is still allowed at the limit.
    search.save_search(rop, name="Búsqueda 3", text="pago", filters={}, engine=seeded)
    assert len(search.saved_searches(rop, engine=seeded)) == MAX_PER_USER


def test_filters_are_kept_as_a_search_would_read_them(seeded):
    rop = principal(seeded, "rop")
    kept = search.save_search(
        rop, name="Noviembre", text="multa", filters={"date_from": "2026-11-01", "priority": "urgente"}, engine=seeded
    )
    assert search.parse_filters(kept.filters) == SearchFilters(
        date_from=search.parse_filters({"date_from": "2026-11-01"}).date_from, priority="urgente"
    )
