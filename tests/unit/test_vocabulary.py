"""The vocabulary of the business (domain/vocabulary.py): stored values and Spanish labels."""

from __future__ import annotations

from datetime import UTC, datetime

from sgd_app.domain import vocabulary
from sgd_app.domain.vocabulary import CaseStatus, Category, Channel, Priority, Role


def test_members_are_their_stored_strings_and_carry_a_spanish_label():
    assert CaseStatus.EN_TRAMITE == "en_tramite" and CaseStatus.EN_TRAMITE.label == "En trámite"
    assert Channel.PRESENCIAL.label == "Mesa de Partes presencial"
    assert Category("jurisdiccional").label == "Jurisdiccional"
    assert Priority.MUY_URGENTE.label == "Muy urgente"
    assert Role.CLERK.label == "Mesa de partes"


def test_every_member_has_a_label_and_labels_keep_declaration_order():
    for vocab in (CaseStatus, Channel, Category, Priority, Role):
        assert list(vocab.labels()) == [m.value for m in vocab]
        assert all(vocab.labels().values())
    # an accumulated case goes on inside another one: it is closed too
    assert set(vocabulary.CLOSED_STATUSES) == {"atendido", "archivado", "acumulado", "no_presentado"}
    assert set(vocabulary.OPEN_STATUSES) < set(vocabulary.ACTIVE_STATUSES)


def test_today_lima_is_the_date_in_lima(monkeypatch):
    class _Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 1, 3, 0, tzinfo=UTC).astimezone(tz)  # 22:00 on 30 Nov in Lima

    monkeypatch.setattr(vocabulary, "datetime", _Clock)
    assert vocabulary.today_lima().isoformat() == "2026-11-30"
