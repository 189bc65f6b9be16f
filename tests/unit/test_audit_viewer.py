"""The audit viewer: only administrators and managers; filters by case (its documents
included), user, action and dates; paged newest first by sequence number; the chain verified."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sgd_app.domain import audit_viewer, drafting
from sgd_app.domain.audit_viewer import AuditFilters
from sgd_app.domain.errors import Forbidden, InvalidInputs
from tests.unit.test_drafting import _draft, _who, world  # noqa: F401  (the fixture: a case received in LOG)


def test_only_administrators_and_managers_see_the_trail(world):  # noqa: F811
    e = world["e"]
    for username in ("logistica", "jefe.logistica", "mesa"):
        with pytest.raises(Forbidden):
            audit_viewer.events(_who(e, username), AuditFilters(), engine=e)
        with pytest.raises(Forbidden):
            audit_viewer.verify_chain(_who(e, username), engine=e)
    for username in ("admin", "gerente"):
        assert audit_viewer.events(_who(e, username), AuditFilters(), engine=e).rows


def test_filters_by_case_user_action_and_dates(world):  # noqa: F811
    w = world
    e = w["e"]
    doc_id = _draft(w)
    adm = _who(e, "admin")
    by_case = audit_viewer.events(adm, audit_viewer.parse_filters({"numero": w["number"].lower()}), engine=e).rows
    kinds = {(r.object_type, r.action) for r in by_case}
    assert ("expediente", "recibir") in kinds and ("expediente", "derivar") in kinds
    assert ("documento", "redactar") in kinds and any(r.object_id == str(doc_id) for r in by_case)
    assert [r.seq for r in by_case] == sorted((r.seq for r in by_case), reverse=True)  # newest first

    mine = audit_viewer.events(adm, AuditFilters(username="logistica"), engine=e).rows
    assert mine and all(r.user == "Luis Mamani Condori (logistica)" for r in mine)
    received = audit_viewer.events(adm, AuditFilters(action="recibir"), engine=e).rows
    assert len(received) == 2 and all(r.action == "recibir" for r in received)
    today = drafting.today()
    assert audit_viewer.events(adm, AuditFilters(date_from=today, date_to=today), engine=e).rows
    tomorrow = today + timedelta(days=1)
    assert audit_viewer.events(adm, AuditFilters(date_from=tomorrow), engine=e).rows == []

    with pytest.raises(InvalidInputs) as exc:
        audit_viewer.events(adm, AuditFilters(case_number="EXP-1900-000001", username="nadie"), engine=e)
    assert "No hay un expediente" in exc.value.errors["numero"] and "nadie" in exc.value.errors["usuario"]
    with pytest.raises(InvalidInputs) as exc:
        audit_viewer.parse_filters({"desde": "2026-05-02", "hasta": "2026-05-01"})
    assert "no puede ser anterior" in exc.value.errors["hasta"]
    with pytest.raises(InvalidInputs):
        audit_viewer.parse_filters({"desde": "02/05/2026"})


def test_pages_by_sequence_and_the_chain_is_verified(world):  # noqa: F811
    e = world["e"]
    adm = _who(e, "admin")
    everything = audit_viewer.events(adm, AuditFilters(), limit=10_000, engine=e).rows
    seen = []
    before = None
    while True:
        page = audit_viewer.events(adm, AuditFilters(), before=before, limit=7, engine=e)
        seen += [r.seq for r in page.rows]
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == [r.seq for r in everything] and len(seen) > 7
    assert [r.seq for r in audit_viewer.stream_rows(adm, AuditFilters(), batch=5, engine=e)] == seen
    report = audit_viewer.verify_chain(adm, engine=e)
    assert report.ok and report.checked == len(seen)
