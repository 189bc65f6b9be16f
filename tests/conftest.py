"""Shared fixtures: a fresh database per test (SQLite file; PostgreSQL schema too when
SGD_TEST_DATABASE_URL is set), the catalogue seeded, a file store in a temp dir."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fpdf import FPDF
from sqlalchemy import text

from sgd_app import db, schema, seed
from sgd_app.domain import auth, ratelimit
from sgd_app.domain.documents import FileStore

# The production-build server, the SMTP catcher and Chromium, shared by tests/e2e and tests/security;
# the session's own Redis server; the security suite's summary line; the OpenID provider of the SSO tests.
pytest_plugins = ["tests.e2e.harness", "tests.redis_server", "tests.security.tally", "tests.oidc_provider"]

_BROWSER_FIXTURES = {"app_server", "browser", "phone", "desktop"}


def pytest_collection_modifyitems(config, items):
    """Every test that needs the production build or Chromium is marked ``browser``: `make test`
    runs the others on two processes (pytest-xdist), then these alone, one at a time — the build
    lives in the checkout's .web (two servers must never compile at once) and, measured, the
    browser tests time out when the other tests load the same two cores. Under xdist they would
    also share one worker (xdist_group)."""
    for item in items:
        if _BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


# Same algorithm (argon2id), cheaper parameters: the suite creates many accounts.
auth._hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)

PG_URL = os.environ.get("SGD_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate limits are per test: a fresh in-memory store for each one."""
    ratelimit.configure("memory://")
    yield


@pytest.fixture(params=["memory", "redis"])
def limits_storage(request):
    """The rate-limit store of a test: memory (one worker), then Redis (several workers) under a
    prefix of its own, deleted afterwards (the session's Redis: tests/redis_server.py)."""
    if request.param == "redis":
        ratelimit.configure(request.getfixturevalue("redis_url"), key_prefix=f"sgd-test-{uuid.uuid4().hex[:12]}")
        yield "redis"
        ratelimit.reset()
    else:
        yield "memory"


def make_pdf(pages: int = 1, text_: str = "Solicitud de prueba - año 2026, señor Núñez") -> bytes:
    pdf = FPDF()
    for i in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(0, 10, f"{text_} (página {i + 1})")
    return bytes(pdf.output())


@pytest.fixture
def pdf_bytes() -> bytes:
    return make_pdf()


def _empty_engine(backend: str, tmp_path: Path):
    """An engine on an empty database and how to clean it up: a SQLite file, or a fresh schema
    of the PostgreSQL test database."""
    if backend == "sqlite":
        return db.make_engine(f"sqlite:///{tmp_path / 'test.db'}"), None
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in PG_URL else "?"
    return db.make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{name}"), (admin, name)


@pytest.fixture(params=BACKENDS)
def empty_engine(request, tmp_path):
    eng, cleanup = _empty_engine(request.param, tmp_path)
    yield eng
    eng.dispose()
    if cleanup:
        admin, name = cleanup
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(empty_engine):
    """A fresh database with the current schema, built straight from the models (fast; the
    migrations are checked against it in tests/migrations)."""
    schema.create_all(empty_engine)
    return empty_engine


@pytest.fixture
def seeded(engine, tmp_path):
    """Engine with units, procedures and demo staff (password 'clave-demo-123')."""
    os.environ["SGD_DEMO_PASSWORD"] = "clave-demo-123"
    with db.write_session(engine) as s:
        seed.seed_catalogue(s)
    with db.write_session(engine) as s:
        seed.seed_demo_staff(s, tmp_path / "creds.txt")
    desk_review(engine, False)  # online filings go straight to their unit; tests/unit/test_desk.py turns it on
    return engine


def desk_review(engine, on: bool, *codes: str) -> None:
    """Turn "Revisión en mesa de partes" on or off for the procedures ``codes`` (all when none)."""
    from sqlalchemy import update as _update
    from sqlmodel import col as _col

    from sgd_app.domain.models import Procedure

    stmt = _update(Procedure).values(desk_review=on)
    if codes:
        stmt = stmt.where(_col(Procedure.code).in_(codes))
    with db.write_session(engine) as s:
        s.execute(stmt)


@pytest.fixture
def store(tmp_path) -> FileStore:
    return FileStore(tmp_path / "files")


def run_async(coro):
    """Run a coroutine to the end on a fresh event loop in its own thread (the browser tests'
    Playwright keeps an event loop running in the main thread)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


DEMO_PW = "clave-demo-123"


def principal(engine, username: str, password: str = DEMO_PW):
    """Sign a seeded demo user in and return their Principal (units, roles, delegations)."""
    from sgd_app.domain import auth as _auth

    with db.write_session(engine) as s:
        token = _auth.login(s, username=username, password=password)
    with db.session(engine) as s:
        return _auth.resolve(s, token)


def unit_by_code(engine, code: str):
    from sqlmodel import select as _select

    from sgd_app.domain.models import Unit

    with db.session(engine) as s:
        return s.exec(_select(Unit).where(Unit.code == code)).one()
