"""The hash-chained, append-only audit trail (sgd_app/domain/audit.py).

Runs on SQLite, and on PostgreSQL too when SGD_TEST_DATABASE_URL is set (``engine`` fixture).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import exc, text
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import audit
from sgd_app.domain.audit import GENESIS, verify, verify_chain
from sgd_app.domain.models import AuditEvent, AuditHead

T0 = datetime(2026, 11, 27, 15, 0, 0, 123456, tzinfo=UTC)


def record_n(engine, n: int, *, actor: str = "user:1") -> None:
    for i in range(n):
        with db.write_session(engine) as s:
            audit.record(
                s,
                actor=actor,
                action="derivar",
                object_type="expediente",
                object_id=100 + i,
                data={"i": i + 1, "nota": "señor Núñez"},
                at=T0 + timedelta(minutes=i),
            )


def all_events(engine) -> list[AuditEvent]:
    with db.session(engine) as s:
        return list(s.exec(select(AuditEvent).order_by(AuditEvent.seq)).all())


# ---------------------------------------------------------------- pure helpers
def test_event_hash_is_sha256_of_prev_hash_and_canonical_body():
    h = audit.event_hash(
        prev_hash=GENESIS,
        seq=1,
        at=T0,
        actor="sistema",
        action="crear",
        object_type="unit",
        object_id="SG",
        data='{"a":1}',
    )
    body = '[1,"2026-11-27T15:00:00.123456Z","sistema","crear","unit","SG","{\\"a\\":1}"]'
    assert h == hashlib.sha256((GENESIS + body).encode()).hexdigest()
    # the same instant in another zone gives the same hash
    lima = T0.astimezone(timezone(timedelta(hours=-5)))
    assert (
        audit.event_hash(
            prev_hash=GENESIS,
            seq=1,
            at=lima,
            actor="sistema",
            action="crear",
            object_type="unit",
            object_id="SG",
            data='{"a":1}',
        )
        == h
    )


def test_canonical_is_sorted_compact_and_keeps_accents():
    assert audit.canonical({"b": 1, "a": "Núñez"}) == '{"a":"Núñez","b":1}'


def make_chain(n: int) -> list[AuditEvent]:
    prev, out = GENESIS, []
    for seq in range(1, n + 1):
        data = audit.canonical({"i": seq})
        at = T0 + timedelta(seconds=seq)
        h = audit.event_hash(
            prev_hash=prev, seq=seq, at=at, actor="sistema", action="x", object_type="t", object_id=str(seq), data=data
        )
        out.append(
            AuditEvent(
                seq=seq,
                at=at,
                actor="sistema",
                action="x",
                object_type="t",
                object_id=str(seq),
                data=data,
                prev_hash=prev,
                hash=h,
            )
        )
        prev = h
    return out


def test_verify_chain_in_memory_ok_and_empty():
    assert verify_chain(make_chain(6)) == audit.ChainReport(True, 6)
    assert verify_chain([]) == audit.ChainReport(True, 0)


def test_verify_chain_reports_a_removed_event():
    events = make_chain(6)
    del events[4]  # seq 5
    report = verify_chain(events)
    assert report.ok is False
    assert report.first_broken_seq == 5
    assert report.checked == 4
    assert report.reason == "falta el evento 5"


def test_verify_chain_reports_a_removed_first_event():
    report = verify_chain(make_chain(3)[1:])
    assert (report.ok, report.first_broken_seq, report.checked) == (False, 1, 0)


def test_verify_chain_reports_changed_content_and_broken_link():
    events = make_chain(5)
    events[2].actor = "user:99"  # seq 3
    report = verify_chain(events)
    assert (report.ok, report.first_broken_seq, report.checked) == (False, 3, 2)
    assert report.reason == "el contenido del evento fue modificado"

    events = make_chain(5)
    events[3].prev_hash = "f" * 64  # seq 4
    report = verify_chain(events)
    assert (report.ok, report.first_broken_seq) == (False, 4)
    assert report.reason == "el enlace con el evento anterior no coincide"

    # rewriting an event and its own hash still breaks the next link
    events = make_chain(5)
    ev = events[1]
    ev.data = '{"i":20}'
    ev.hash = audit.event_hash(
        prev_hash=ev.prev_hash,
        seq=ev.seq,
        at=ev.at,
        actor=ev.actor,
        action=ev.action,
        object_type=ev.object_type,
        object_id=ev.object_id,
        data=ev.data,
    )
    report = verify_chain(events)
    assert (report.ok, report.first_broken_seq) == (False, 3)


# ---------------------------------------------------------------- in the database
def test_recorded_events_verify(engine):
    record_n(engine, 7)
    with db.session(engine) as s:
        report = verify(s)
        head = s.get(AuditHead, 1)
    assert report == audit.ChainReport(True, 7)
    events = all_events(engine)
    assert [e.seq for e in events] == list(range(1, 8))
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert (head.seq, head.hash) == (7, events[-1].hash)
    assert events[2].object_id == "102"  # ints are stored as text
    assert events[2].data == '{"i":3,"nota":"señor Núñez"}'


def test_verify_in_small_batches(engine):
    record_n(engine, 7)
    with db.session(engine) as s:
        assert verify(s, batch=2) == audit.ChainReport(True, 7)


def test_empty_trail_verifies(engine):
    with db.session(engine) as s:
        assert verify(s) == audit.ChainReport(True, 0)


def test_several_events_in_one_transaction_and_rollback_leaves_no_trace(engine):
    with db.write_session(engine) as s:
        for i in range(3):
            audit.record(s, actor="sistema", action="crear", object_type="t", object_id=i)
    with pytest.raises(RuntimeError), db.write_session(engine) as s:
        audit.record(s, actor="sistema", action="crear", object_type="t", object_id=99)
        raise RuntimeError("falla a mitad de la transacción")
    record_n(engine, 1)
    with db.session(engine) as s:
        assert verify(s) == audit.ChainReport(True, 4)
    assert "99" not in {e.object_id for e in all_events(engine)}


def test_database_refuses_update_and_delete(engine):
    record_n(engine, 3)
    with pytest.raises(exc.DBAPIError, match="solo adición"), engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET data = '{}' WHERE seq = 2"))
    with pytest.raises(exc.DBAPIError, match="solo adición"), engine.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE seq = 3"))
    events = all_events(engine)
    assert len(events) == 3
    assert events[1].data == '{"i":2,"nota":"señor Núñez"}'


def _drop_append_only_triggers(engine) -> None:
    with engine.begin() as conn:
        if db.is_sqlite(engine):
            conn.execute(text("DROP TRIGGER auditevent_no_update"))
            conn.execute(text("DROP TRIGGER auditevent_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER auditevent_append_only ON auditevent"))


def test_one_byte_change_in_stored_data_is_found(engine):
    record_n(engine, 6)
    _drop_append_only_triggers(engine)  # an attacker with direct database access
    with engine.begin() as conn:
        original = conn.execute(text("SELECT data FROM auditevent WHERE seq = 3")).scalar_one()
        assert original == '{"i":3,"nota":"señor Núñez"}'
        tampered = original.replace('"i":3', '"i":4')
        assert len(tampered) == len(original) and sum(a != b for a, b in zip(original, tampered, strict=False)) == 1
        conn.execute(text("UPDATE auditevent SET data = :d WHERE seq = 3"), {"d": tampered})
    with db.session(engine) as s:
        report = verify(s)
    assert report.ok is False
    assert report.first_broken_seq == 3
    assert report.checked == 2
    assert report.reason == "el contenido del evento fue modificado"


def test_deleted_last_event_is_found_through_the_head(engine):
    record_n(engine, 4)
    _drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE seq = 4"))
    with db.session(engine) as s:
        report = verify(s)
    assert (report.ok, report.checked, report.first_broken_seq) == (False, 3, 4)
    assert "cabeza" in report.reason


def test_deleted_middle_event_is_found(engine):
    record_n(engine, 5)
    _drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE seq = 2"))
    with db.session(engine) as s:
        report = verify(s)
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 2, "falta el evento 2")


def test_concurrent_appends_keep_one_chain(engine):
    threads, per_thread = 20, 10

    def worker(t: int) -> None:
        for i in range(per_thread):
            with db.write_session(engine) as s:
                audit.record(
                    s,
                    actor=f"user:{t}",
                    action="derivar",
                    object_type="expediente",
                    object_id=f"{t}-{i}",
                    data={"t": t, "i": i},
                )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for f in [pool.submit(worker, t) for t in range(threads)]:
            f.result()  # re-raises any error from the thread

    total = threads * per_thread
    with db.session(engine) as s:
        report = verify(s)
        head = s.get(AuditHead, 1)
    assert report == audit.ChainReport(True, total)
    events = all_events(engine)
    seqs = [e.seq for e in events]
    assert len(seqs) == len(set(seqs)) == total
    assert seqs == list(range(1, total + 1))
    assert head.seq == total and head.hash == events[-1].hash
    assert sorted(e.object_id for e in events) == sorted(f"{t}-{i}" for t in range(threads) for i in range(per_thread))
    for t in range(threads):
        mine = [e for e in events if e.actor == f"user:{t}"]
        assert [json.loads(e.data)["i"] for e in mine] == list(range(per_thread))
