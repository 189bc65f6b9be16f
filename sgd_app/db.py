"""Database engine and sessions.

SQLite (the embedded default) runs in WAL mode with foreign keys on. Write transactions take
SQLite's write lock at BEGIN (``BEGIN IMMEDIATE``) so that concurrent filings queue up instead of
failing with "database is locked" half-way. PostgreSQL is used when the URL says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from sgd_app.domain import (  # noqa: F401  (their tables too)
    digitize,
    models,
)

_IMMEDIATE = "sgd_immediate"

# Called (no arguments) after the commit of a transaction that changed what the dashboards show
# (the summaries mark the session); sgd_app.live installs its signal here.
after_commit_hooks: list = []


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    from sgd_app.domain.summaries import CHANGED

    if session.info.pop(CHANGED, False):
        for hook in list(after_commit_hooks):
            try:
                hook()
            except Exception:  # a failed signal never fails the committed change
                import logging

                logging.getLogger(__name__).exception("after-commit hook failed")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    from sgd_app.domain.summaries import CHANGED

    session.info.pop(CHANGED, None)


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
            cur.execute("PRAGMA synchronous=NORMAL")
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
    from sgd_app import settings

    return make_engine(settings.DATABASE_URL)


def is_sqlite(eng: Engine) -> bool:
    return eng.dialect.name == "sqlite"


@contextmanager
def session(eng: Engine | None = None) -> Iterator[Session]:
    """A read session (no write lock taken up front)."""
    with Session(eng or engine(), expire_on_commit=False) as s:
        yield s


@contextmanager
def write_session(eng: Engine | None = None) -> Iterator[Session]:
    """A session for one write transaction: commits at the end, rolls back on any error."""
    eng = eng or engine()
    bind = eng.execution_options(**{_IMMEDIATE: True}) if is_sqlite(eng) else eng
    with Session(bind, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


_SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'auditevent es de solo adición'); END""",
    """CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'auditevent es de solo adición'); END""",
]
_PG_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION sgd_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'auditevent es de solo adición'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent",
    """CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent
       FOR EACH ROW EXECUTE FUNCTION sgd_audit_append_only()""",
]


def create_schema(eng: Engine | None = None) -> None:
    """Create the tables (idempotent) and the append-only triggers of the audit table."""
    eng = eng or engine()
    if is_sqlite(eng):
        SQLModel.metadata.create_all(eng)
        statements = _SQLITE_TRIGGERS
    else:
        with eng.begin() as conn:
            # One schema creator at a time (several workers or test processes may start together).
            conn.execute(text("SELECT pg_advisory_xact_lock(715517)"))
            SQLModel.metadata.create_all(conn)
        statements = _PG_TRIGGERS
    with eng.begin() as conn:
        if not is_sqlite(eng):
            conn.execute(text("SELECT pg_advisory_xact_lock(715517)"))
        for sql in statements:
            conn.execute(text(sql))
        conn.execute(
            text(
                "INSERT INTO audithead (id, seq, hash) SELECT 1, 0, :h WHERE NOT EXISTS "
                "(SELECT 1 FROM audithead WHERE id = 1)"
            ),
            {"h": "0" * 64},
        )
    from sgd_app.domain import search  # its acts are bound to db's sessions: imported once db is whole

    search.ensure_schema(eng)


def drop_schema(eng: Engine) -> None:
    """Tests only: remove every table."""
    with eng.begin() as conn:
        if not is_sqlite(eng):
            conn.execute(text("DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent"))
    SQLModel.metadata.drop_all(eng)
