"""/bandeja bulk actions through the state (issue 14, item 8): the selection holds numbers only and
is bounded; the background run reports progress and one line per case, and the inbox follows."""

from __future__ import annotations

from sgd_app import db, settings
from sgd_app.domain.models import Expediente
from sgd_app.state.bandeja import BandejaState
from sgd_app.state.bandeja_bulk import MAX, BulkState
from tests.integration.test_state_security import _file_case, _login, _run, _state


class _Background:
    """What a background handler receives as ``self``: the state, with ``async with self``."""

    def __init__(self, st):
        object.__setattr__(self, "_st", st)

    def __getattr__(self, name):
        return getattr(object.__getattribute__(self, "_st"), name)

    def __setattr__(self, name, value):
        setattr(object.__getattribute__(self, "_st"), name, value)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


def _pair(username: str):
    bulk = _state(BulkState, cookie=f"{settings.SESSION_COOKIE}={_login(username)}")
    bandeja = bulk.parent_state.get_substate(BandejaState.get_full_name().split(".")[1:])
    BandejaState.load.fn(bandeja)
    return bulk, bandeja


def test_select_the_page_receive_them_all_and_the_inbox_follows(app_db):
    numbers = [_file_case().case.number for _ in range(3)]
    bulk, bandeja = _pair("rop")
    assert bandeja.counts["por_recibir"] == 3
    _run(BulkState.select_page.fn(bulk))
    assert sorted(bulk.selected) == sorted(numbers)
    _run(BulkState.toggle.fn(bulk, numbers[0], False))
    assert len(bulk.selected) == 2
    _run(BulkState.select_matching.fn(bulk))  # "all 3 matching the filters": resolved at run time
    assert bulk.all_matching and bulk.selected == []
    _run(BulkState.toggle.fn(bulk, numbers[1], False))  # unticking one: the rest of the page stays
    assert not bulk.all_matching and sorted(bulk.selected) == sorted([numbers[0], numbers[2]])
    _run(BulkState.select_matching.fn(bulk))
    bulk.action = "recibir"
    _run(BulkState.run.fn(_Background(bulk), {}))
    assert sorted(r["line"] for r in bulk.results) == sorted(f"{n}: recibido" for n in numbers)
    assert bulk.progress == 100 and bulk.done == bulk.run_total == 3 and not bulk.running
    assert bulk.summary == "3 de 3 expediente(s) recibidos."
    assert bulk.selected == [] and not bulk.all_matching
    assert bandeja.counts["por_recibir"] == 0 and bandeja.counts["en_tramite"] == 3  # refreshed
    with db.session() as s:
        assert all(not c.awaiting_receipt for c in s.query(Expediente).all())


def test_another_units_officer_gets_a_refusal_per_case_and_changes_nothing(app_db):
    number = _file_case().case.number
    bulk, _ = _pair("tesoreria")
    _run(BulkState.toggle.fn(bulk, number, True))  # a forged tab: ROP's case number
    bulk.action = "recibir"
    _run(BulkState.run.fn(_Background(bulk), {}))
    assert [r["line"] for r in bulk.results] == [f"{number}: no se pudo: Expediente no encontrado o sin acceso."]
    assert bulk.summary == "0 de 1 expediente(s) recibidos; 1 no se pudo."
    with db.session() as s:
        assert s.query(Expediente).one().awaiting_receipt


def test_bounds_and_input_errors_next_to_their_field(app_db):
    _file_case()
    bulk, bandeja = _pair("rop")
    bulk.selected = [f"EXP-2026-{i:06d}" for i in range(MAX)]
    _run(BulkState.toggle.fn(bulk, "EXP-2026-999999", True))
    assert (
        len(bulk.selected) == MAX and bulk.errors["seleccion"] == f"Puede seleccionar hasta {MAX} expedientes a la vez."
    )
    bandeja.total = MAX + 1
    _run(BulkState.select_matching.fn(bulk))
    assert not bulk.all_matching and bulk.errors["seleccion"].startswith(f"Son {MAX + 1} expedientes.")
    bulk.selected = []
    bulk.action = "derivar"
    _run(BulkState.run.fn(_Background(bulk), {"to_unit": ""}))
    assert bulk.errors["seleccion"] == "Marque al menos un expediente."
    _run(BulkState.toggle.fn(bulk, bandeja.rows[0]["number"], True))
    _run(BulkState.run.fn(_Background(bulk), {"to_unit": "", "due_days": "dos"}))
    assert bulk.errors["due_days"] == "Escriba el plazo en días hábiles (número)." and bulk.results == []
    _run(BulkState.run.fn(_Background(bulk), {"to_unit": ""}))
    assert bulk.errors["to_unit"] == "Elija la unidad de destino." and bulk.results == []
    bulk.action = "archivar"
    _run(BulkState.run.fn(_Background(bulk), {"reason": ""}))
    assert bulk.errors["reason"] == "Explique el motivo del archivo."


def test_without_a_session_the_run_goes_to_the_login(app_db):
    _file_case()
    bulk = _state(BulkState, cookie="sgd_sesion=forjada")
    bulk.selected, bulk.action = ["EXP-2026-000001"], "recibir"
    out = _run(BulkState.run.fn(_Background(bulk), {}))
    assert "ingresar" in str(out) and bulk.results == []
