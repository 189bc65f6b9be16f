"""Bulk actions of the inbox (issue 14, item 8): every case goes through the single act in its own
transaction; a refusal is reported with its Spanish reason and stops or undoes nothing; "all
matching the filters" is resolved from the inbox's own rules and bounded."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import audit, intake, routing
from sgd_app.domain.errors import InvalidInput, InvalidInputs
from sgd_app.domain.models import Expediente, Movement
from tests.conftest import make_pdf, principal, unit_by_code


def _file(engine, store, code="CONST-AF", subject="Constancia de afiliación", doc="45678912", fields=None) -> str:
    return intake.file_case(
        store,
        procedure_code=code,
        filer=intake.FilerInput(
            doc_type="DNI", doc_number=doc, name="Rosa Ñahui", kind="ciudadano", email="", phone="987654321"
        ),
        subject=subject,
        fields=fields,
        files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
        channel="presencial",
        engine=engine,
    ).case.number


def _case(engine, number) -> Expediente:
    with db.session(engine) as s:
        return s.exec(select(Expediente).where(Expediente.number == number)).one()


def _run(engine, who, numbers, action, data=routing.BulkInput()):
    return list(routing.bulk(who, numbers, action, data, engine=engine))


@pytest.fixture
def w(seeded, store):
    rop_cases = [_file(seeded, store) for _ in range(3)]
    tes_case = _file(
        seeded, store, code="SUSP-MUL", subject="Suspensión de cobranza", doc="40000001", fields={"multa": "M-2026-001"}
    )
    return {
        "e": seeded,
        "rop": principal(seeded, "rop"),
        "jefe_rop": principal(seeded, "jefe.rop"),
        "cases": rop_cases,
        "tes_case": tes_case,
    }


def test_receive_a_mixed_batch_one_by_one(w):
    e, rop = w["e"], w["rop"]
    a, b, c = w["cases"]
    assert _run(e, rop, [b], "recibir")[0].ok  # b already received: the batch must say so
    before = {n: _case(e, n).version for n in (a, c)}
    results = _run(e, rop, [a, b, w["tes_case"], "EXP-1999-999999", c], "recibir")
    assert [(r.number, r.ok) for r in results] == [
        (a, True),
        (b, False),
        (w["tes_case"], False),
        ("EXP-1999-999999", False),
        (c, True),
    ]
    assert results[0].line == f"{a}: recibido"
    assert results[1].line == f"{b}: no se pudo: El expediente ya fue recibido."
    # A case of another unit is refused exactly like one that does not exist (never says it exists).
    assert results[2].message == results[3].message == routing.NOT_FOUND
    for n in (a, c):
        case = _case(e, n)
        assert not case.awaiting_receipt and case.status == "en_tramite" and case.version == before[n] + 1
    tes = _case(e, w["tes_case"])
    assert tes.awaiting_receipt and tes.status == "registrado"  # untouched
    with db.session(e) as s:
        actions = [ev.action for ev in s.exec(select(audit.AuditEvent).where(audit.AuditEvent.object_id == a)).all()]
        assert actions == ["registrar", "recibir"]  # the single act's own audit event
        assert audit.verify(s).ok


def test_derive_the_same_destination_instructions_and_priority_for_all(w):
    e, rop = w["e"], w["rop"]
    cases = w["cases"]
    _run(e, rop, cases[:2], "recibir")  # the third is still waiting: "Primero reciba"
    log = unit_by_code(e, "LOG").id
    data = routing.BulkInput(to_unit_id=log, instructions="Revisar  el  pago", priority="urgente", due_days=2)
    results = _run(e, rop, cases, "derivar", data)
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].message == "Primero reciba el expediente."
    for n in cases[:2]:
        case = _case(e, n)
        assert case.current_unit_id == log and case.awaiting_receipt and case.priority == "urgente"
        with db.session(e) as s:
            last = s.exec(
                select(Movement).where(Movement.expediente_id == case.id).order_by(Movement.id.desc())
            ).first()
            assert last.action == "derivar" and last.instructions == "Revisar el pago"
    # Deriving to the unit that holds the case is refused by derive() itself, case by case.
    _run(e, rop, [cases[2]], "recibir")
    same = _run(e, rop, [cases[2]], "derivar", routing.BulkInput(to_unit_id=unit_by_code(e, "ROP").id))
    assert not same[0].ok and "Elija otra unidad" in same[0].message


def test_archive_needs_the_head_and_a_reason(w):
    e, rop, jefe = w["e"], w["rop"], w["jefe_rop"]
    cases = w["cases"]
    _run(e, rop, cases, "recibir")
    with pytest.raises(InvalidInputs) as exc:
        routing.bulk(jefe, cases, "archivar", routing.BulkInput(reason="no"), engine=e)
    assert exc.value.errors == {"reason": "Explique el motivo del archivo."}
    refused = _run(e, rop, cases[:1], "archivar", routing.BulkInput(reason="Duplicado de otro pedido"))
    assert not refused[0].ok and "Su rol no permite" in refused[0].message
    done = _run(e, jefe, cases, "archivar", routing.BulkInput(reason="Duplicado de otro pedido"))
    assert all(r.ok and r.message == "archivado" for r in done)
    assert {_case(e, n).status for n in cases} == {"archivado"}
    again = _run(e, jefe, cases[:1], "archivar", routing.BulkInput(reason="Duplicado de otro pedido"))
    assert not again[0].ok and "archivado" in again[0].message


def test_input_checked_once_before_any_case(w):
    e, rop = w["e"], w["rop"]
    with pytest.raises(InvalidInputs) as exc:
        routing.bulk(rop, w["cases"], "derivar", routing.BulkInput(), engine=e)
    assert exc.value.errors == {"to_unit": "Elija la unidad de destino."}
    with pytest.raises(InvalidInput):
        routing.bulk(rop, w["cases"], "borrar", engine=e)
    with pytest.raises(InvalidInput, match="500 expedientes"):
        routing.bulk(rop, [f"EXP-2026-{i:06d}" for i in range(501)], "recibir", engine=e)
    assert all(_case(e, n).awaiting_receipt for n in w["cases"])  # nothing was touched


def test_all_matching_the_filters_is_resolved_from_the_inbox_rules(w):
    e, rop = w["e"], w["rop"]
    a, b, c = w["cases"]
    with db.session(e) as s:
        assert sorted(routing.matching_numbers(s, rop, tab="por_recibir")) == sorted([a, b, c])
        # The other unit's case never shows up, and a filter narrows the set.
        proc = _case(e, a).procedure_id
        only = routing.matching_numbers(s, rop, tab="por_recibir", filters=routing.InboxFilters(priority="urgente"))
        assert only == []
        same = routing.matching_numbers(s, rop, tab="por_recibir", filters=routing.InboxFilters(procedure_id=proc))
        assert sorted(same) == sorted([a, b, c])
        with pytest.raises(InvalidInput, match="pestaña"):
            routing.matching_numbers(s, rop, tab="enviados")
        with pytest.raises(InvalidInput, match="Son 3 expedientes"):
            routing.matching_numbers(s, rop, tab="por_recibir", limit=2)
    results = _run(e, rop, routing.matching_numbers(rop, tab="por_recibir", engine=e), "recibir")
    assert [r.ok for r in results] == [True, True, True]
    assert routing.matching_numbers(rop, tab="por_recibir", engine=e) == []
