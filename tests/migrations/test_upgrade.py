"""A database made by the previous release upgrades in place with nothing lost."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from sgd_app import db, schema
from sgd_app.domain import access, audit, records, search
from sgd_app.domain.auth import Principal
from sgd_app.domain.models import AuditEvent, CaseUnit, Document, Expediente, Movement, Unit, User
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
    assert _head(eng) == HEAD  # the baseline, 0004 (known devices, lock generation, no throttle), 0005 … 0009
    after = table_digests(eng)
    assert "throttle" not in after and after.pop("knowndevice")[0] == 0
    assert after.pop("filingattempt")[0] == 0  # 0005: filing attempts start empty
    assert after.pop("caseunit")[0] >= counts[Expediente]  # 0006: every case in its units (see below)
    for name in [n for n in after if n.startswith("search_")]:  # 0006: SQLite's facets gain the units,
        assert name != "search_entry" or after[name][0] == before[name][0]  # the FTS index is rebuilt
        after.pop(name), before.pop(name)
    assert after.pop("doctemplate")[0] == 0  # 0008: no document templates until seed adds them
    assert after.pop("savedsearch")[0] == 0  # 0009: nobody has saved a search yet
    assert after.pop("cacheversion")[0] == 0  # 0011: no cached data changed yet
    assert after.pop("externalidentity")[0] == after.pop("ssosession")[0] == 0  # 0012: nobody linked yet
    for table in ("apiclient", "apirevokedtoken", "apiassertionuse", "apiidempotency"):
        assert after.pop(table)[0] == 0  # 0014: no API client registered yet
    for table in ("interopentity", "interopcounter", "interopsend", "interopreceipt"):
        assert after.pop(table)[0] == 0  # 0016: no entity in the directory yet
    for table in ("recordseries", "procedureseries", "doctypeseries", "documentseries", "casefile", "fileindex"):
        assert after.pop(table)[0] == 0  # 0015: the scheme comes with init's seed; files open on first use
    for table in ("legalhold", "recordinventory", "inventoryitem"):
        assert after.pop(table)[0] == 0  # 0017: no hold, no inventory yet
    before.pop("throttle")  # transient counters, not carried over
    with eng.connect() as conn:  # every user kept, each at lock generation 0
        assert conn.execute(text('SELECT count(*), max(lock_generation) FROM "user"')).one() == (before["user"][0], 0)
    before.pop("user"), after.pop("user")
    with eng.connect() as conn:  # 0005: every procedure kept, free and with no requirements yet
        rows = conn.execute(text("SELECT fee, requirements, desk_review FROM procedure")).all()
    assert len(rows) == before.pop("procedure")[0] == after.pop("procedure")[0]
    # 0007: desk review on for every procedure already in the catalogue
    assert {tuple(r) for r in rows} == {("Gratuito", None, True)}
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


def test_0006_a_case_is_found_by_every_unit_it_passed_through(previous_release):
    """0006 on a database with data: the units a case has been in are backfilled, so a unit that held
    a case and passed it on finds it (by subject and by number) and opens it; one that never held it
    does not; and the index keeps following new movements."""
    eng = previous_release
    assert schema.upgrade(eng) == "adopted"
    with db.session(eng) as s:
        passed = s.exec(
            select(Expediente, Movement.from_unit_id)
            .join(Movement, col(Movement.expediente_id) == col(Expediente.id))
            .where(col(Movement.from_unit_id) != col(Expediente.current_unit_id), col(Movement.action) == "derivar")
            .order_by(col(Expediente.id))
        ).first()
        assert passed is not None
        case, unit_id = passed
        unit = s.get(Unit, unit_id)
        route = {
            u
            for m in s.exec(select(Movement).where(Movement.expediente_id == case.id))
            for u in (m.from_unit_id, m.to_unit_id)
        }
        outsider = s.exec(select(Unit).where(col(Unit.id).not_in(route | {case.current_unit_id}))).first()
        units = set(s.exec(select(CaseUnit.unit_id).where(CaseUnit.expediente_id == case.id)).all())
    assert units >= (route | {case.current_unit_id}) - {None}
    officer = Principal(User(id=10_000, username="x", full_name="X"), 0, [(unit, "officer")])
    stranger = Principal(User(id=10_001, username="y", full_name="Y"), 0, [(outsider, "officer")])
    assert case.number in _found(eng, [officer], case.subject)
    assert case.number not in _found(eng, [stranger], case.subject)
    with db.session(eng) as s:
        assert search.search(s, officer, case.number).jump_to == case.number
        assert access.can_view(s, officer, case) and not access.can_view(s, stranger, case)
    # A new movement after the upgrade: the database adds its units (the triggers are in place).
    with db.write_session(eng) as s:
        s.add(
            Movement(expediente_id=case.id, action="copia", from_unit_id=case.current_unit_id, to_unit_id=outsider.id)
        )
    assert case.number in _found(eng, [stranger], case.subject)


def test_0015_from_0014_with_data_classifies_and_freezes_old_cases(previous_release):
    """A database at 0014 holding cases moves to 0015: nothing lost, an old case gets its file on
    first use, and once archived its documents are frozen by the new triggers."""
    eng = previous_release
    schema.upgrade(eng, to="0014")
    with db.session(eng) as s:
        before = len(s.exec(select(Document)).all())
        case = s.get(Expediente, s.exec(select(Document.expediente_id).order_by(Document.id)).first())
    schema.upgrade(eng, to="0015")
    assert _head(eng) == "0015"
    with eng.begin() as conn:  # raw SQL: the live CaseFile model has 0017's columns already
        assert conn.execute(text("SELECT count(*) FROM document")).scalar_one() == before
        conn.execute(text("UPDATE document SET label = label WHERE expediente_id = :c"), {"c": case.id})  # open
        conn.execute(
            text(
                "INSERT INTO casefile (expediente_id, frozen, index_version, updated_at) "
                "VALUES (:c, true, 1, '2026-12-04 10:00:00+00:00')"
            ),
            {"c": case.id},
        )
    with pytest.raises(DBAPIError, match="expediente cerrado"), eng.begin() as conn:
        conn.execute(text("UPDATE document SET label = 'x' WHERE expediente_id = :c"), {"c": case.id})
    schema.upgrade(eng)  # at the head, another old case gets its file on first use, open
    with db.write_session(eng) as s:
        other = s.exec(select(Expediente).where(Expediente.id != case.id).order_by(Expediente.id)).first()
        assert not records.case_file(s, other).frozen


def test_0017_from_0016_with_data_every_file_stays_in_the_office_and_holds_and_inventories_work(previous_release):
    """0017 from the previous head (0016) on a database with cases and open and frozen files: every
    file is in the office's custody (stage 'gestion'), the three new tables are empty, nothing else
    changes, the freeze triggers still hold, and a hold and an inventory can point at old cases."""
    eng = previous_release
    assert schema.upgrade(eng, to="0016") == "adopted"
    with eng.begin() as conn:  # two old files, one of them frozen (raw: the live model has 0017's columns)
        cases = conn.execute(text("SELECT id FROM expediente ORDER BY id LIMIT 2")).scalars().all()
        for n, case_id in enumerate(cases):
            conn.execute(
                text(
                    "INSERT INTO casefile (expediente_id, series_id, frozen, closed_at, index_version, updated_at) "
                    "VALUES (:c, NULL, :f, :t, :v, :t)"
                ),
                {"c": case_id, "f": bool(n), "t": "2020-06-15 10:00:00+00:00", "v": n},
            )
        user_id = conn.execute(text('SELECT id FROM "user" ORDER BY id LIMIT 1')).scalar_one()
    with eng.connect() as conn:
        assert "legalhold" not in set(conn.dialect.get_table_names(conn))
    before = table_digests(eng)
    assert schema.upgrade(eng) == "upgraded"
    assert _head(eng) == HEAD
    after = table_digests(eng)
    for table in ("legalhold", "recordinventory", "inventoryitem"):
        assert after.pop(table)[0] == 0
    assert after.pop("casefile")[0] == before.pop("casefile")[0] == 2
    assert after == before
    with db.session(eng) as s:
        files = s.exec(select(records.CaseFile).order_by(records.CaseFile.expediente_id)).all()
        assert [(f.stage, f.frozen, f.transferred_at, f.destroyed_at) for f in files] == [
            ("gestion", False, None, None),
            ("gestion", True, None, None),
        ]
    with pytest.raises(DBAPIError, match="expediente cerrado"), eng.begin() as conn:  # the freeze still holds
        conn.execute(text("UPDATE document SET label = 'x' WHERE expediente_id = :c"), {"c": cases[1]})
    with db.write_session(eng) as s:
        s.add(records.LegalHold(expediente_id=cases[1], reason="Proceso judicial", set_by_id=user_id))
        inv = records.RecordInventory(
            kind="transferencia", number="IT-2026-0001", data_json="{}", prepared_by_id=user_id
        )
        s.add(inv)
        s.flush()
        s.add(records.InventoryItem(inventory_id=inv.id, expediente_id=cases[1]))
    with pytest.raises(DBAPIError), eng.begin() as conn:  # an inventory number is used once
        conn.execute(
            text(
                "INSERT INTO recordinventory (kind, number, status, data_json, pdf_sha256, verify_code, "
                "prepared_by_id, prepared_at) VALUES ('transferencia', 'IT-2026-0001', 'preparado', '{}', '', '', "
                ":u, '2026-12-04 10:00:00+00:00')"
            ),
            {"u": user_id},
        )


def test_0016_from_0015_the_directory_and_outbox_tables_come_empty_and_keep_every_case(previous_release):
    """0016 from the previous head (0015) on a database with data: the four tables are new and
    empty, nothing else changes, and an outbox row can point at a case already there (one CUO once)."""
    eng = previous_release
    assert schema.upgrade(eng, to="0014") == "adopted"
    schema.upgrade(eng, to="0015")
    assert _head(eng) == "0015"
    with eng.connect() as conn:
        assert "interopsend" not in set(conn.dialect.get_table_names(conn))
    before = table_digests(eng)
    assert schema.upgrade(eng, to="0016") == "upgraded"
    assert _head(eng) == "0016"
    after = table_digests(eng)
    for table in ("interopentity", "interopcounter", "interopsend", "interopreceipt"):
        assert after.pop(table)[0] == 0
    assert after == before
    schema.upgrade(eng)
    with eng.connect() as conn:
        case_id = conn.execute(text("SELECT id FROM expediente ORDER BY id LIMIT 1")).scalar_one()
    row = {"t": "2026-12-04 10:00:00+00:00", "case": case_id}
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO interopentity (name, ruc, category, endpoint, public_jwk, client_id, "
                          "our_client_id, active, created_at, updated_at) VALUES ('Entidad B', '20555555556', '', "
                          "'https://b.gob.pe', '{}', 'sgd-b', 'sgd-a', true, :t, :t)"), row)  # fmt: skip
        entity = conn.execute(text("SELECT id FROM interopentity")).scalar_one()
        insert = text("INSERT INTO interopsend (cuo, expediente_id, entity_id, subject, note, document_ids, manifest, "
                      "status, attempts, last_error, answer, answer_code, receiver_number, created_at) VALUES "
                      "('20131378972-2026-00000001', :case, :e, 'Asunto', '', '1', 'jws', 'en_cola', 0, '', '', '', "
                      "'', :t)")  # fmt: skip
        conn.execute(insert, {**row, "e": entity})
    with pytest.raises(DBAPIError), eng.begin() as conn:  # a CUO is sent once
        conn.execute(insert, {**row, "e": entity})
    with db.session(eng) as s:
        assert s.exec(select(Expediente.number).order_by(Expediente.id)).all()
