"""Acumulación: the actor's right is checked before the target number is looked up, so a caller
who may not accumulate cannot learn which case numbers exist (same refusal either way), and
nothing changes."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from sgd_app import db
from sgd_app.domain import routing
from sgd_app.domain.errors import DomainError, Forbidden
from sgd_app.domain.models import Movement
from tests.conftest import principal, unit_by_code
from tests.unit.test_routing import _act, _case, _file


@pytest.fixture
def log_cases(seeded, store):
    """Two open cases held (received) by Logística; Tesorería got a copy of the first."""
    e = seeded
    rop, log = principal(e, "rop"), principal(e, "logistica")
    first, second = _file(e, store).number, _file(e, store).number
    for n in (first, second):
        copies = [unit_by_code(e, "TES").id] if n == first else []
        _act(e, routing.receive, rop, n)
        _act(e, routing.derive, rop, n, to_unit_id=unit_by_code(e, "LOG").id, copies=copies)
        _act(e, routing.receive, log, n)
    return e, first, second


def _refusal(engine, who, number, into_number) -> DomainError:
    with pytest.raises(DomainError) as info:
        _act(engine, routing.accumulate, who, number, into_number=into_number)
    return info.value


def _snapshot(engine, number):
    case = _case(engine, number)
    with db.session(engine) as s:
        moves = s.exec(select(func.count()).select_from(Movement).where(Movement.expediente_id == case.id)).one()
    return case.version, case.status, case.accumulated_into_id, moves


@pytest.mark.parametrize("username", ["logistica", "tesoreria", "enec"])
def test_same_refusal_for_an_existing_and_a_missing_target(log_cases, username):
    """An officer of the unit (no head role), an officer of another unit who holds a copy, and one
    who cannot see the case at all: each gets one answer whatever the target number."""
    e, first, second = log_cases
    who = principal(e, username)
    before = {n: _snapshot(e, n) for n in (first, second)}
    existing = _refusal(e, who, first, second)
    missing = _refusal(e, who, first, "2026-999999")
    malformed = _refusal(e, who, first, "no-existe")
    assert type(existing) is type(missing) is type(malformed)
    assert existing.message == missing.message == malformed.message
    assert existing.status_code == missing.status_code
    if username != "enec":  # enec cannot see the source case: NotFound, before any target
        assert isinstance(existing, Forbidden)
    assert {n: _snapshot(e, n) for n in (first, second)} == before


def test_the_head_still_accumulates_and_learns_about_bad_targets(log_cases):
    e, first, second = log_cases
    jefe = principal(e, "jefe.logistica")
    missing = _refusal(e, jefe, first, "2026-999999")
    assert getattr(missing, "field", None) == "into_number" and "No encontramos" in missing.message
    _act(e, routing.accumulate, jefe, first, into_number=second)
    case = _case(e, first)
    assert case.status == "acumulado" and case.accumulated_into_id == _case(e, second).id
