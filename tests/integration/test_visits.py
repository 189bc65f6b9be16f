"""Visits to the public pages (issue 15, item 2): a page view does no database work at all; the
counts, in memory (one worker) or in Redis (several workers), reach PageVisit when the `visitas`
job flushes them, and /mirador's total includes the ones not flushed yet.

SQLite, and PostgreSQL with SGD_TEST_DATABASE_URL; memory and a real Redis (database 12)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlalchemy import event, func, select

from sgd_app import db, jobs, settings
from sgd_app.domain import mirador, visits
from sgd_app.domain.models import PageVisit
from sgd_app.state.mirador import MiradorState, VisitState
from tests.conftest import run_async

REDIS_URL = os.environ.get("SGD_TEST_VISITS_REDIS", "redis://127.0.0.1:6379/12")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["memory", "redis"])
def counter(request, app_db, monkeypatch):
    """Where the visits count: this process (one worker) or a Redis hash of the test's own."""
    visits.forget()
    key = f"sgd-test:visitas:{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(visits, "REDIS_KEY", key)
    if request.param == "redis":
        monkeypatch.setattr(settings, "REDIS_URL", REDIS_URL)
    else:
        monkeypatch.setattr(settings, "REDIS_URL", "")
    yield request.param
    r = visits._redis() if request.param == "redis" else None
    if r is not None:
        for k in r.scan_iter(f"{key}*"):
            r.delete(k)
    visits.forget()


@contextmanager
def statements(engine):
    """Every SQL statement run on ``engine`` while the block runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _state(cls):
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {}, "ip": "10.0.0.9", "pathname": "/"}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(cls.get_full_name().split(".")[1:])


def _stored(engine) -> dict[str, int]:
    with db.session(engine) as s:
        return dict(s.execute(select(PageVisit.path, func.sum(PageVisit.count)).group_by(PageVisit.path)).all())


def test_a_page_view_runs_no_sql_and_the_flush_counts_it(counter, app_db):
    st = _state(VisitState)
    with statements(app_db) as seen:
        for _ in range(3):
            VisitState.count.fn(st, "mesa-de-partes")
        VisitState.count.fn(st, "mirador")
        VisitState.count.fn(st, "/etc/passwd")  # not a public page: not counted
    assert seen == []  # no read, no write: not even a connection taken
    assert visits.pending() == 4 and _stored(app_db) == {}

    with statements(app_db) as seen:
        done = jobs.run_due(app_db, [j for j in jobs.default_jobs() if j.name == "visitas"])
    assert done == ["visitas"]
    assert _stored(app_db) == {"mesa-de-partes": 3, "mirador": 1}
    assert visits.pending() == 0
    inserts = [s for s in seen if "pagevisit" in s.lower()]
    assert inserts, "the flush writes PageVisit"

    VisitState.count.fn(st, "mesa-de-partes")  # a later flush adds to the same day's row
    assert visits.flush(app_db) == 1
    assert _stored(app_db)["mesa-de-partes"] == 4
    assert visits.flush(app_db) == 0  # nothing pending: nothing written


def test_a_failed_flush_loses_nothing(counter, app_db, tmp_path):
    visits.count("seguimiento", date(2026, 12, 1))
    visits.count("seguimiento", date(2026, 12, 2))
    no_tables = db.make_engine(f"sqlite:///{tmp_path / 'sin-tablas.db'}")
    with pytest.raises(Exception, match="pagevisit"):  # a database without the table: the flush fails
        visits.flush(no_tables)
    no_tables.dispose()
    assert visits.pending() == 2  # put back
    visits.count("seguimiento", date(2026, 12, 2))
    assert visits.flush(app_db) == 3
    with db.session(app_db) as s:
        rows = {(r.day, r.path): r.count for r in s.exec(select(PageVisit)).scalars()}
    assert rows == {(date(2026, 12, 1), "seguimiento"): 1, (date(2026, 12, 2), "seguimiento"): 2}


def test_mirador_shows_the_visits_not_flushed_yet(counter, app_db, monkeypatch):
    monkeypatch.setattr(mirador, "_cache", {})
    mirador.count_visit("inicio", n=5, engine=app_db)  # flushed earlier
    visits.count("inicio")
    visits.count("casilla")
    st = _state(MiradorState)
    run_async(MiradorState.load.fn(st))
    shown = {k["label"]: k["value"] for k in st.kpis}
    assert shown["Visitas a las páginas públicas"] == "7"


@pytest.mark.parametrize("counter", ["redis"], indirect=True)  # several workers share counts only through Redis
def test_redis_counts_of_another_worker_are_flushed_once(counter, app_db):
    code = (
        "from sgd_app.domain import visits\n"
        f"visits.REDIS_KEY = {visits.REDIS_KEY!r}\n"
        "for _ in range(4): visits.count('verificar')\n"
    )
    env = {**os.environ, "REFLEX_REDIS_URL": REDIS_URL}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    visits.count("verificar")  # this worker's
    assert visits.pending() == 5
    assert visits.flush(app_db) == 5
    assert visits.flush(app_db) == 0  # the hash was taken: a second worker's flush finds nothing
    assert _stored(app_db) == {"verificar": 5}
