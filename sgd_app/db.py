"""Database engine and sessions.

SQLite (the embedded default) runs in WAL mode with foreign keys on. Write transactions take
SQLite's write lock at BEGIN (``BEGIN IMMEDIATE``) so that concurrent filings queue up instead of
failing with "database is locked" half-way. PostgreSQL is used when the URL says so.

Durability: a receipt shown means the filing is on disk. With ``synchronous=FULL`` every commit
syncs the WAL before it returns (``NORMAL`` syncs only at checkpoints: after a power cut the last
commits could roll back, a citizen holding a receipt for a case that no longer exists and its
gap-free number given to someone else). Reads never sync, so only writes pay (``make bench``:
intake_filing_ms vs intake_filing_normal_sync_ms). PostgreSQL's default (``synchronous_commit=on``,
``fsync=on``) already does the same. The stored files are fsync'd before the commit
(``documents.FileStore``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from sgd_app import settings

log = logging.getLogger(__name__)

_IMMEDIATE = "sgd_immediate"
SQLITE_SYNCHRONOUS = "FULL"  # see the module's docstring; bench/intake.py compares NORMAL

# A session whose transaction changed what the dashboards show carries this key in its ``info``
# (the summaries set it); after its commit every hook runs (no arguments): sgd_app.live installs
# its signal here.
CHANGED_KEY = "sgd_dashboard_changed"
after_commit_hooks: list[Callable[[], None]] = []


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop(CHANGED_KEY, False):
        for hook in list(after_commit_hooks):
            try:
                hook()
            except Exception:  # a failed signal never fails the committed change
                log.exception("after-commit hook failed")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(CHANGED_KEY, None)


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` (tests make their own; the app uses :func:`engine`)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        eng = create_engine(
            url,
            connect_args={"check_same_thread": False, "isolation_level": None, "timeout": 60},
            pool_size=20,
            max_overflow=20,
        )

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):
            if conn.get_execution_options().get(_IMMEDIATE):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return eng
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


_override: Engine | None = None


def use_engine(eng: Engine | None) -> None:
    """Tests: make :func:`engine` return ``eng`` (None goes back to the configured database)."""
    global _override
    _override = eng


def engine() -> Engine:
    return _override or _configured_engine()


@cache
def _configured_engine() -> Engine:
    return make_engine(settings.DATABASE_URL)


def is_sqlite(eng: Engine) -> bool:
    return eng.dialect.name == "sqlite"


def write_bind(eng: Engine) -> Engine:
    """``eng`` for write transactions: on SQLite they take the write lock at BEGIN."""
    return eng.execution_options(**{_IMMEDIATE: True}) if is_sqlite(eng) else eng


@contextmanager
def session(eng: Engine | None = None) -> Iterator[Session]:
    """A read session (no write lock taken up front)."""
    with Session(eng or engine(), expire_on_commit=False) as s:
        yield s


@contextmanager
def write_session(eng: Engine | None = None) -> Iterator[Session]:
    """A session for one write transaction: commits at the end, rolls back on any error."""
    with Session(write_bind(eng or engine()), expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def ping(eng: Engine | None = None) -> None:
    """Raise if the database does not answer (the health route)."""
    with session(eng) as s:
        s.exec(text("SELECT 1"))
