"""DeskState on the case page, with real sessions: the desk clerk corrects the procedure in two
steps (choice, then the Spanish confirmation), errors are said next to the field, a stale view is
refused and refreshed; a copy recipient marks the copy read from the case page and the inbox."""

from __future__ import annotations

from sqlmodel import select

from sgd_app import db
from sgd_app.domain import auth, routing
from sgd_app.domain.models import Expediente, Procedure
from sgd_app.state.bandeja import BandejaState
from sgd_app.state.desk import DeskState
from sgd_app.state.expediente import ExpedienteState
from tests.conftest import desk_review
from tests.integration.test_state_security import _file_case, _login, _run, _state, _unit_id


def _page(username: str, number: str):
    """The case page's two states of one tab (one root), loaded as the browser loads them."""
    cookie = f"sgd_sesion={_login(username)}"
    case_page = _state(ExpedienteState, cookie=cookie)
    root = case_page.parent_state
    root.router_data = {"headers": {"cookie": cookie}, "ip": "10.0.0.8", "pathname": f"/expedientes/{number}"}
    with db.session() as s:
        who = auth.resolve(s, cookie.split("=", 1)[1])
    case_page._show(who, number)
    desk = root.get_substate(DeskState.get_full_name().split(".")[1:])
    desk._refresh(who, number)
    return case_page, desk, who


def _proc_id(code: str) -> int:
    with db.session() as s:
        return s.exec(select(Procedure.id).where(Procedure.code == code)).one()


def test_the_desk_corrects_the_procedure_in_two_steps(app_db):
    desk_review(app_db, True, "CONST-AF")
    number = _file_case().case.number
    case_page, desk, _ = _page("mesa", number)
    assert case_page.h["unit"] == "Mesa de Partes" and "recibir" in case_page.actions
    assert desk.suggested_unit == str(_unit_id("ROP")) and desk.procedure_options
    ExpedienteState.receive.fn(case_page)
    assert "reclasificar" in case_page.actions

    DeskState.ask_reclassify.fn(desk, {"procedure_id": ""})
    assert desk.error == "Elija un procedimiento del catálogo." and desk.confirm_text == ""
    DeskState.ask_reclassify.fn(desk, {"procedure_id": str(_proc_id("CONST-AF"))})
    assert desk.error == "El expediente ya tiene ese procedimiento: elija otro."
    DeskState.ask_reclassify.fn(desk, {"procedure_id": str(_proc_id("DEN-HV"))})
    assert desk.error == "" and desk.confirm_text.startswith(
        "¿Corregir el procedimiento de este expediente a «Denuncias"
    )
    DeskState.cancel_reclassify.fn(desk)
    assert desk.confirm_text == "" and desk.chosen == ""
    DeskState.ask_reclassify.fn(desk, {"procedure_id": str(_proc_id("DEN-HV"))})
    _run(DeskState.confirm_reclassify.fn(desk))
    assert case_page.h["procedure"].startswith("Denuncias") and case_page.notice.startswith("Procedimiento corregido")
    assert desk.suggested_unit == str(_unit_id("DNFPE")) and desk.confirm_text == ""
    with db.session() as s:
        assert s.exec(select(Expediente).where(Expediente.number == number)).one().procedure_id == _proc_id("DEN-HV")


def test_a_stale_view_is_refused_and_refreshed(app_db):
    desk_review(app_db, True, "CONST-AF")
    number = _file_case().case.number
    case_page, desk, who = _page("mesa", number)
    ExpedienteState.receive.fn(case_page)
    DeskState.ask_reclassify.fn(desk, {"procedure_id": str(_proc_id("CERT-NOT"))})
    with db.write_session() as s:  # someone else acts on the case meanwhile
        version = s.exec(select(Expediente.version).where(Expediente.number == number)).one()
        routing.add_note(s, who=who, number=number, version=version, text="Revisado en la otra pestaña")
    _run(DeskState.confirm_reclassify.fn(desk))
    assert "Otro usuario acaba de modificar" in case_page.message
    with db.session() as s:
        assert s.exec(select(Expediente).where(Expediente.number == number)).one().procedure_id == _proc_id("CONST-AF")


def test_copy_read_from_the_case_page_and_the_inbox(app_db):
    number = _file_case().case.number
    with db.session() as s:
        rop = auth.resolve(s, _login("rop"))
    with db.write_session() as s:
        routing.receive(s, who=rop, number=number, version=1)
    with db.write_session() as s:
        routing.derive(
            s, who=rop, number=number, version=2, to_unit_id=_unit_id("LOG"), copies=[_unit_id("TES"), _unit_id("CONT")]
        )
    case_page, desk, _ = _page("tesoreria", number)
    assert desk.unread_copies == 1
    _run(DeskState.mark_copy_read.fn(desk))
    assert desk.unread_copies == 0 and case_page.notice == "Copia marcada como leída."
    assert any(t["received"].startswith("Copia leída por Miguel Flores Rojas el ") for t in case_page.timeline)
    _run(DeskState.mark_copy_read.fn(desk))  # twice: said, nothing changes
    assert desk.copy_error == "La copia ya estaba marcada como leída."

    cookie = f"sgd_sesion={_login('contabilidad')}"
    inbox = _state(BandejaState, cookie=cookie)
    with db.session() as s:
        cont = auth.resolve(s, cookie.split("=", 1)[1])
    inbox.tab = "copias"
    inbox._refresh(cont)
    assert [r["read"] for r in inbox.rows] == [""]
    desk2 = inbox.parent_state.get_substate(DeskState.get_full_name().split(".")[1:])
    _run(DeskState.mark_copy_read_in_inbox.fn(desk2, number))
    assert inbox.rows[0]["read"] != "" and inbox.notice == f"Copia del expediente {number} marcada como leída."
