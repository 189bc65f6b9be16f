"""/admin → Clasificación through its state, the way the page calls it: an administrator lists
the 13 default series, creates one (refused first with the reason next to the field), edits it
into a subseries, and sends a procedure's future cases to it — each act audited; an officer's
session changes nothing."""

from __future__ import annotations

import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import func, select

from sgd_app import db
from sgd_app.domain import auth, records
from sgd_app.domain.models import AuditEvent, Procedure
from sgd_app.state.admin_records import ClassificationState

PASSWORD = "clave-demo-123"


def _state(username: str):
    with db.write_session() as s:
        token = auth.login(s, username=username, password=PASSWORD)
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {"cookie": f"sgd_sesion={token}"}, "ip": "10.0.0.9", "pathname": "/admin"}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(ClassificationState.get_full_name().split(".")[1:])


def _events() -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(AuditEvent)).one()


def _series(code: str):
    with db.session() as s:
        return s.exec(select(records.RecordSeries).where(records.RecordSeries.code == code)).first()


def test_an_admin_keeps_the_scheme_and_the_mappings(app_db):
    st = _state("admin")
    ClassificationState.load.fn(st)
    assert len(st.rows) == 13 and {"SG-01", "ROP-02", "SG-06"} <= {r["code"] for r in st.rows}
    assert any(p["code"] == "CONST-AF" and p["series"] == "ROP-02" for p in st.procedures)

    ClassificationState.new_series.fn(st)
    form = {
        "code": "x",
        "name": "Padrones electorales",
        "office_years": "150",
        "central_years": "5",
        "disposition": "conservacion_permanente",
        "access": "publico",
        "unit_id": "",
        "parent_id": "",
    }
    ClassificationState.save_series.fn(st, form)
    assert "código" in st.errors["code"] and "años" in st.errors["office_years"] and _series("X") is None
    ClassificationState.save_series.fn(st, {**form, "code": "rop-03", "office_years": "3", "active": "on"})
    made = _series("ROP-03")
    assert made is not None and made.office_years == 3 and not st.form_open

    ClassificationState.edit_series.fn(st, str(made.id))
    assert st.editing["code"] == "ROP-03"
    parent = _series("ROP-01")
    ClassificationState.save_series.fn(
        st,
        {
            **form,
            "code": "ROP-01.01",
            "office_years": "4",
            "parent_id": str(parent.id),
            "disposition": "seleccion",
            "active": "on",
        },
    )
    edited = _series("ROP-01.01")
    assert edited.id == made.id and edited.parent_id == parent.id and edited.disposition == "seleccion"
    assert any(r["code"] == "ROP-01.01" and r["parent"] == "ROP-01" for r in st.rows)

    with db.session() as s:
        proc = s.exec(select(Procedure).where(Procedure.code == "CONST-AF")).one()
    ClassificationState.map_procedure.fn(st, {"procedure_id": str(proc.id), "series": str(made.id)})
    ClassificationState.map_doc_type.fn(st, {"doc_type": "informe", "series": str(made.id)})
    assert any(p["code"] == "CONST-AF" and p["series"] == "ROP-01.01" for p in st.procedures)
    assert any(d["doc_type"] == "informe" and d["series"] == "ROP-01.01" for d in st.doc_types)
    with db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()][-4:]
    assert actions == ["crear_serie", "editar_serie", "asignar_serie", "asignar_serie"]


def test_an_officer_changes_nothing(app_db):
    before = _events()
    st = _state("rop")
    ClassificationState.load.fn(st)
    ClassificationState.save_series.fn(
        st,
        {
            "code": "HOSTIL-1",
            "name": "Serie hostil",
            "office_years": "1",
            "central_years": "1",
            "disposition": "eliminacion",
            "access": "publico",
        },
    )
    ClassificationState.map_doc_type.fn(st, {"doc_type": "informe", "series": "1"})
    assert _series("HOSTIL-1") is None and st.rows == [] and _events() == before + 1  # only the login
