"""A database made by the previous release upgrades in place with nothing lost."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from sgd_app import db, schema
from sgd_app.domain import audit, search
from sgd_app.domain.auth import Principal
from sgd_app.domain.models import AuditEvent, Document, Expediente, Movement, Unit, User
from tests.migrations.conftest import HEAD, table_digests

QUERIES = ["renuncia", "hoja de vida", "cobranza", "quispe"]


def _found(eng, whos, q) -> set[str]:
    """The cases that any of ``whos`` finds with ``q``."""
    with db.session(eng) as s:
        return {h.number for who in whos for h in search.search(s, who, q, page_size=1000).hits}


def _head(eng) -> str | None:
    with eng.connect() as conn:
        return schema.revision(conn)


def test_previous_release_upgrades_in_place_with_nothing_lost(previous_release):
    eng = previous_release
    with eng.connect() as conn:  # read raw: the live User model has 0004's column already
        uid = conn.execute(text("SELECT id FROM \"user\" WHERE username = 'gerente'")).scalar_one()
    manager = User(id=uid, username="gerente", full_name="Gerente")
    with db.session(eng) as s:  # a manager of every unit sees every case
        whos = [Principal(manager, 0, [(u, "manager") for u in s.exec(select(Unit)).all()])]
    before = table_digests(eng)
    found_before = {q: _found(eng, whos, q) for q in QUERIES}
    with db.session(eng) as s:
        numbers = s.exec(select(Expediente.number).order_by(Expediente.id)).all()
        subjects = s.exec(select(Expediente.number, Expediente.subject).order_by(Expediente.id)).all()
        counts = {m: len(s.exec(select(m)).all()) for m in (Expediente, Document, Movement, AuditEvent)}
    assert counts[Expediente] == 300 and counts[Document] and counts[Movement] and counts[AuditEvent]

    assert schema.upgrade(eng) == "adopted"
    assert _head(eng) == HEAD  # the baseline, 0004 (known devices, lock generation, no throttle), 0005
    after = table_digests(eng)
    assert "throttle" not in after and after.pop("knowndevice")[0] == 0
    assert after.pop("filingattempt")[0] == 0  # 0005: filing attempts start empty
    assert after.pop("doctemplate")[0] == 0  # 0008: no document templates until seed adds them
    before.pop("throttle")  # transient counters, not carried over
    with eng.connect() as conn:  # every user kept, each at lock generation 0
        assert conn.execute(text('SELECT count(*), max(lock_generation) FROM "user"')).one() == (before["user"][0], 0)
    before.pop("user"), after.pop("user")
    with eng.connect() as conn:  # 0005: every procedure kept, free and with no requirements yet
        rows = conn.execute(text("SELECT fee, requirements FROM procedure")).all()
    assert len(rows) == before.pop("procedure")[0] == after.pop("procedure")[0]
    assert {tuple(r) for r in rows} == {("Gratuito", None)}
    assert after == before  # every row of every other table, unchanged

    with db.session(eng) as s:
        assert s.exec(select(Expediente.number).order_by(Expediente.id)).all() == numbers
        assert {m: len(s.exec(select(m)).all()) for m in counts} == counts
        report = audit.verify(s)
    assert report.ok and report.checked == counts[AuditEvent]
    for q, hits in found_before.items():
        assert hits and _found(eng, whos, q) == hits
    for number, subject in subjects[::10]:  # any case, by its subject
        assert number in _found(eng, whos, subject)

    # The upgraded database keeps working: the chain grows, the trail stays append-only.
    with db.write_session(eng) as s:
        audit.record(s, actor="prueba", action="actualizar", object_type="sistema", object_id="migracion")
    with db.session(eng) as s:
        assert audit.verify(s).ok
    with pytest.raises(DBAPIError), eng.begin() as conn:
        conn.execute(text("UPDATE auditevent SET actor = 'x' WHERE seq = 1"))
    assert schema.upgrade(eng) == "current"


def test_an_unknown_schema_is_refused_untouched(previous_release):
    eng = previous_release
    with eng.begin() as conn:
        conn.execute(text("DROP INDEX ix_movement_to_action"))
    before = table_digests(eng)
    with pytest.raises(schema.SchemaMismatch, match="ix_movement_to_action"):
        schema.upgrade(eng)
    assert _head(eng) is None
    assert table_digests(eng) == before


def test_0005_filing_attempt_keys_are_unique_and_point_at_a_kept_case(previous_release):
    """0005 on a database with data: the new table references the cases already there, and one
    key can name only one case (a resend never files a second one)."""
    eng = previous_release
    assert schema.upgrade(eng) == "adopted"
    with eng.connect() as conn:
        first, second = conn.execute(text("SELECT id FROM expediente ORDER BY id LIMIT 2")).scalars().all()
    with eng.begin() as conn:
        conn.execute(
            text("INSERT INTO filingattempt (key, expediente_id, created_at) VALUES ('k' || :n, :id, :t)"),
            {"n": "1" * 20, "id": first, "t": "2026-12-01 10:00:00+00:00"},
        )
    with pytest.raises(DBAPIError), eng.begin() as conn:
        conn.execute(
            text("INSERT INTO filingattempt (key, expediente_id, created_at) VALUES ('k' || :n, :id, :t)"),
            {"n": "1" * 20, "id": second, "t": "2026-12-01 10:00:01+00:00"},
        )
    with eng.connect() as conn:
        assert conn.execute(text("SELECT expediente_id FROM filingattempt")).scalars().all() == [first]
