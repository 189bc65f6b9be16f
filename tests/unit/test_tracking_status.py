"""Issue 13 item 13: /seguimiento tells one truth. The status the citizen reads comes from the
same timeline the page shows (``intake.citizen_status``), with a one-line explanation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sgd_app.domain import intake
from sgd_app.domain.intake.tracking import CITIZEN_STATUS
from sgd_app.domain.vocabulary import CaseStatus
from tests.unit.test_intake_flows import _flow, sealed_numbers  # noqa: F401  (fixture)

T0 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def _tl(*titles: str) -> list[dict]:
    return [{"at": T0 + timedelta(minutes=i), "title": t, "detail": ""} for i, t in enumerate(titles)]


@pytest.mark.parametrize(
    ("status", "titles", "expected"),
    [
        (CaseStatus.REGISTRADO, ("Recibido",), "Recibido"),
        (CaseStatus.REGISTRADO, ("Recibido", "Derivado"), "Derivado"),  # the reported contradiction
        (CaseStatus.EN_TRAMITE, ("Recibido", "Derivado", "Recibido por la unidad"), "En atención"),
        (
            CaseStatus.EN_TRAMITE,
            ("Recibido", "Derivado", "Recibido por la unidad", "Copia", "Prioridad actualizada"),
            "En atención",
        ),  # a copy or a new priority does not change where the case stands
        (CaseStatus.EN_TRAMITE, ("Recibido", "Derivado", "Recibido por la unidad", "Derivado"), "Derivado"),
        (CaseStatus.OBSERVADO, ("Recibido", "Derivado", "Observado"), "Observado"),
        (CaseStatus.SUBSANADO, ("Recibido", "Derivado", "Observado", "Subsanado"), "Subsanado"),
        (CaseStatus.ATENDIDO, ("Recibido", "Derivado", "Atendido", "Documento emitido"), "Atendido"),
        (CaseStatus.ARCHIVADO, ("Recibido", "Derivado", "Atendido", "Archivado"), "Archivado"),
        (CaseStatus.NO_PRESENTADO, ("Recibido", "Observado", "No presentado"), "No presentado"),
        # The stored status settles it when no timeline step says so (e.g. an old case).
        (CaseStatus.ATENDIDO, ("Recibido", "Derivado"), "Atendido"),
    ],
)
def test_citizen_status_follows_the_timeline(status, titles, expected):
    label, note = intake.citizen_status(status, _tl(*titles))
    assert label == expected
    assert note and note.endswith(".") and len(note) < 160


def test_citizen_status_ignores_the_order_it_is_given_in():
    tl = _tl("Recibido", "Derivado", "Recibido por la unidad")
    assert intake.citizen_status(CaseStatus.EN_TRAMITE, list(reversed(tl)))[0] == "En atención"


def test_every_status_has_a_plain_explanation():
    for label, note in CITIZEN_STATUS.values():
        assert label and note
        assert "SHA" not in note and "B-T" not in note


def test_a_new_filing_reads_derivado_in_the_header_and_on_top_of_the_history(seeded, store, sealed_numbers):  # noqa: F811
    filed = _flow(seeded, store)
    view = intake.case_tracking(filed.case.number, engine=seeded)
    assert view.status == CaseStatus.REGISTRADO  # stored status (staff screens)
    latest = sorted(view.timeline, key=lambda t: t["at"])[-1]["title"]
    assert latest == "Derivado"
    assert view.public_status == "Derivado"
    assert "unidad" in view.public_status_note
