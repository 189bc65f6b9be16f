"""InteropSendState on the case page, with real sessions: ROP's official opens "Enviar a otra
entidad", a refused choice is said in Spanish and nothing is queued; a signed document goes, the
package is queued with its CUO, the trail shows the step and the list of sends its state."""

from __future__ import annotations

import json

from joserfc.jwk import ECKey
from sqlmodel import col, select

from sgd_app import db
from sgd_app.domain import auth, interop, routing
from sgd_app.domain.models import Document, Expediente
from sgd_app.state.expediente import ExpedienteState
from sgd_app.state.interop import InteropSendState
from tests.conftest import desk_review
from tests.integration.test_state_security import _file_case, _login, _run, _state

RUC_B = "20555555556"


def _page(username: str, number: str):
    cookie = f"sgd_sesion={_login(username)}"
    case_page = _state(ExpedienteState, cookie=cookie)
    root = case_page.parent_state
    root.router_data = {"headers": {"cookie": cookie}, "ip": "10.0.0.8", "pathname": f"/expedientes/{number}"}
    with db.session() as s:
        who = auth.resolve(s, cookie.split("=", 1)[1])
    case_page._show(who, number)
    box = root.get_substate(InteropSendState.get_full_name().split(".")[1:])
    box._refresh(who, number)
    return case_page, box, who


def test_rop_sends_a_signed_document_to_an_entity_from_the_case_page(app_db):
    desk_review(app_db, False)
    number = _file_case().case.number
    key = ECKey.generate_key("P-256", private=True)
    interop.add_entity(actor="admin", data=interop.EntityInput(name="Entidad B", ruc=RUC_B,
                       endpoint="https://sgd.b.gob.pe", public_jwk=json.dumps(key.as_dict(private=False))))  # fmt: skip
    case_page, box, _who = _page("rop", number)
    ExpedienteState.receive.fn(case_page)
    with db.write_session() as s:
        case = s.exec(select(Expediente).where(col(Expediente.number) == number)).one()
        doc = Document(expediente_id=case.id, kind="oficio", label="Oficio 1", filename="oficio.pdf",
                       sha256="ab" * 32, size=10, pages=1, signed=True)  # fmt: skip
        s.add(doc)
        s.flush()
        doc_id = doc.id
    _run(InteropSendState.toggle.fn(box))
    assert box.open and box.entity_options == [[RUC_B, "Entidad B"]]
    assert [o[0] for o in box.doc_options] == [str(doc_id)] and box.doc_options[0][2] == "firmado"
    _run(InteropSendState.send.fn(box, {"entidad": "", "subject": "Remite oficio", f"doc_{doc_id}": "on"}))
    assert box.error == "Elija una entidad activa del directorio." and box.open
    _run(InteropSendState.send.fn(box, {"entidad": RUC_B, "subject": "Remite oficio"}))
    assert box.error == "Elija al menos un documento firmado para enviar."
    with db.session() as s:
        assert not s.exec(select(interop.InteropSend)).all()
    _run(InteropSendState.send.fn(box, {"entidad": RUC_B, "subject": "Remite oficio", "note": "Urgente",
                                        f"doc_{doc_id}": "on"}))  # fmt: skip
    assert not box.open and box.error == "" and case_page.notice.startswith("Envío en cola con el CUO")
    assert box.sends[0]["entidad"] == "Entidad B" and box.sends[0]["estado_texto"] == "En cola de envío"
    assert any(t["title"] == "Enviado a otra entidad" for t in case_page.timeline)
    with db.session() as s:
        row = s.exec(select(interop.InteropSend)).one()
    assert row.document_ids == str(doc_id) and row.subject == "Remite oficio"


def test_another_unit_neither_sees_nor_sends(app_db):
    number = _file_case().case.number
    with db.session() as s:
        rop = auth.resolve(s, _login("rop"))
    routing.receive(who=rop, number=number, version=1)
    _, box, _ = _page("logistica", number)
    _run(InteropSendState.toggle.fn(box))
    assert not box.open and box.entity_options == [] and box.doc_options == []
