"""The public catalogue is cached per worker (issue 15, item 2): hydrating a public page writes
nothing, /mesa-de-partes reads nothing once the cache is warm, an administrator's change reaches
another process through the ``catalogo`` version, and a citizen's stored state holds no copy of
the procedure list. SQLite, and PostgreSQL with SGD_TEST_DATABASE_URL."""

from __future__ import annotations

import inspect
import os
import pickle
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlalchemy import event

import sgd_app.sgd_app  # noqa: F401  (registers every page and state)
from sgd_app import routes
from sgd_app.components.page import PAGES
from sgd_app.domain import admin, cache_versions, intake
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.intake import catalogue
from sgd_app.state.mesa_de_partes import MesaDePartesState
from tests.conftest import principal, run_async

ROOT = Path(__file__).resolve().parents[2]
WRITES = ("insert", "update", "delete", "begin immediate", "replace")
PUBLIC = {routes.HOME, routes.MESA_DE_PARTES, routes.SEGUIMIENTO, routes.VERIFICAR, routes.MIRADOR}
PUBLIC |= {routes.CASILLA, routes.AYUDA}


@pytest.fixture
def slow_checks(monkeypatch):
    """The version is compared only when a test says so (no clock in the assertions)."""
    monkeypatch.setattr(catalogue, "CHECK_SECONDS", 10**9)
    catalogue._forget()
    yield
    catalogue._forget()


@contextmanager
def statements(engine):
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _root(path: str):
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {}, "ip": "10.0.0.9", "pathname": path, "query": {}}
    root.router = RouterData.from_router_data(root.router_data)
    return root


def _hydrate(page) -> rx.State:
    """Run a page's on_load the way the browser's first events do; returns the root state."""
    root = _root(page.route)
    for spec in page.on_load:
        handler = getattr(spec, "handler", spec)
        state = root.get_substate(handler.state_full_name.split(".")[1:])
        args = [v._var_value if hasattr(v, "_var_value") else v for _k, v in getattr(spec, "args", ())]
        result = handler.fn(state, *args)
        if inspect.isawaitable(result):
            run_async(result)
    return root


def _public_pages():
    return [p for p in PAGES if p.route in PUBLIC]


def test_hydrating_a_public_page_writes_nothing(app_db, slow_checks):
    pages = _public_pages()
    assert {p.route for p in pages} == PUBLIC
    for page in pages:
        _hydrate(page)  # cold: caches fill
        with statements(app_db) as seen:
            _hydrate(page)
        writes = [s for s in seen if s.strip().lower().startswith(WRITES)]
        assert writes == [], (page.route, writes)
    (mesa,) = [p for p in pages if p.route == routes.MESA_DE_PARTES]
    with statements(app_db) as seen:
        root = _hydrate(mesa)
        shown = root.get_substate(MesaDePartesState.get_full_name().split(".")[1:]).procedures
    assert seen == []  # warm: no read either
    assert "Solicitud general" in [c["name"] for c in shown]


def test_a_citizen_state_holds_no_copy_of_the_catalogue(app_db, slow_checks):
    (mesa,) = [p for p in PAGES if p.route == routes.MESA_DE_PARTES]
    states = []
    for _ in range(2):
        root = _hydrate(mesa)
        st = root.get_substate(MesaDePartesState.get_full_name().split(".")[1:])
        assert len(st.procedures) >= 7
        states.append(st)
    assert states[0].procedures is states[1].procedures  # one list for every tab of the worker
    stored = states[0]._serialize()  # what the Redis state manager keeps for this tab
    assert b"Solicitud general" not in stored
    _schema, back = pickle.loads(stored)
    assert back.procedures is states[0].procedures  # recomputed from the worker's cache


def _rename_in_another_process(engine, name: str) -> None:
    """An administrator renames SOL-GEN through the admin act, in another process."""
    url = engine.url.render_as_string(hide_password=False)
    code = f"""
from sgd_app import db
from sgd_app.domain import admin, auth
from sgd_app.domain.models import Procedure
from sqlmodel import select
e = db.make_engine({url!r})
with db.write_session(e) as s:
    token = auth.login(s, username="admin", password="clave-demo-123")
with db.session(e) as s:
    who = auth.resolve(s, token)
    p = s.exec(select(Procedure).where(Procedure.code == "SOL-GEN")).one()
admin.update_procedure(actor=who, procedure_id=p.id, name={name!r}, description=p.description,
    category=p.category, unit_id=p.unit_id, deadline_days=p.deadline_days, public=p.public,
    active=p.active, fields=p.fields, required_annexes=p.required_annexes, engine=e)
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ), check=True, timeout=120)


def _names(engine) -> set[str]:
    return {p.name for p in intake.offered_procedures(engine=engine)}


def test_an_admin_change_in_another_process_reaches_this_worker(seeded, slow_checks, monkeypatch):
    before = intake.snapshot(seeded).version
    assert "Solicitud general" in _names(seeded)
    _rename_in_another_process(seeded, "Solicitud general (nuevo nombre)")
    assert "Solicitud general" in _names(seeded)  # still this worker's copy: nothing re-read yet
    monkeypatch.setattr(catalogue, "CHECK_SECONDS", 0)  # the next look compares the version
    assert "Solicitud general (nuevo nombre)" in _names(seeded)
    assert intake.snapshot(seeded).version == before + 1
    offer = intake.procedure_offer("SOL-GEN", engine=seeded)
    assert offer.name == "Solicitud general (nuevo nombre)"


def test_an_admin_change_in_this_process_is_seen_at_once(seeded, slow_checks):
    who = principal(seeded, "admin")
    old = intake.snapshot(seeded)
    proc = old.find("SOL-GEN", public_only=True)
    admin.update_procedure(
        actor=who,
        procedure_id=proc.id,
        name=proc.name,
        description=proc.description,
        category=proc.category,
        unit_id=proc.unit_id,
        deadline_days=proc.deadline_days,
        public=False,  # taken off the online list
        active=True,
        fields=proc.fields,
        required_annexes=proc.required_annexes,
        engine=seeded,
    )
    fresh = intake.snapshot(seeded)  # dropped right after the commit, no waiting for the check
    assert fresh.version == old.version + 1
    assert "SOL-GEN" not in {p.code for p in fresh.public}
    assert "SOL-GEN" in {p.code for p in fresh.active}  # still offered at the desk
    with pytest.raises(InvalidInput):
        intake.procedure_offer("SOL-GEN", engine=seeded)


def test_an_unchanged_save_and_a_rolled_back_change_keep_the_version(seeded, slow_checks):
    from sgd_app import db

    version = intake.snapshot(seeded).version
    with pytest.raises(RuntimeError), db.write_session(seeded) as s:
        cache_versions.bump(s, cache_versions.CATALOGUE)
        raise RuntimeError("rolled back")
    with db.session(seeded) as s:
        assert cache_versions.current(s, cache_versions.CATALOGUE) == version
    assert intake.snapshot(seeded).version == version
