"""Issue 13 item 10: an opened casilla lists its owner's cases, one page at a time, each with the
status the citizen reads on /seguimiento (intake.party_cases)."""

from __future__ import annotations

from sgd_app import db
from sgd_app.domain import intake
from sgd_app.domain.models import Expediente
from tests.unit.test_intake_flows import FILER, _flow, sealed_numbers  # noqa: F401  (fixture)


def _party_id(engine, number: str) -> int:
    with db.session(engine) as s:
        from sqlmodel import select

        return s.exec(select(Expediente.party_id).where(Expediente.number == number)).one()


def test_cases_come_one_page_at_a_time_newest_first_with_the_citizen_status(seeded, store, sealed_numbers):  # noqa: F811
    numbers = [_flow(seeded, store, subject=f"Pedido número {i}").case.number for i in range(3)]
    party = _party_id(seeded, numbers[0])
    first = intake.party_cases(party, page=0, per_page=2, engine=seeded)
    assert first.name == FILER.name and first.total == 3 and first.pages == 2 and first.page == 0
    assert [r["number"] for r in first.rows] == [numbers[2], numbers[1]]
    assert {r["status"] for r in first.rows} == {"Derivado"}
    assert all(r["procedure"] and r["note"] and r["filed"] for r in first.rows)
    second = intake.party_cases(party, page=1, per_page=2, engine=seeded)
    assert [r["number"] for r in second.rows] == [numbers[0]]
    # Out-of-range pages are clamped, not empty.
    assert intake.party_cases(party, page=9, per_page=2, engine=seeded).page == 1
    assert intake.party_cases(party, page=-3, per_page=2, engine=seeded).page == 0
    # The same status as the tracking page of each case.
    view = intake.case_tracking(numbers[0], engine=seeded)
    assert second.rows[0]["status"] == view.public_status


def test_a_party_without_cases_gets_an_empty_single_page(seeded):
    found = intake.party_cases(999_999, engine=seeded)
    assert (found.name, found.total, found.pages, found.rows) == ("", 0, 1, [])
