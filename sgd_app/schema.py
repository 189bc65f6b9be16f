"""The database schema in one place: the models' tables plus what their metadata cannot say (the
audit trail's append-only triggers and head row, the search index), and its evolution with Alembic
(the revisions live in sgd_app/migrations/versions/).

:func:`upgrade` is how a data dir reaches the current schema (``python -m sgd_app init`` and
``migrate``); :func:`create_all` builds the same schema straight from the models, for tests and
benchmarks (tests/migrations checks that both agree).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from sgd_app import db
from sgd_app.domain import doc_templates, models, search  # noqa: F401  (the tables are the metadata)
from sgd_app.domain.apiclients import tables as api_tables  # noqa: F401
from sgd_app.domain.interop import tables as interop_tables  # noqa: F401
from sgd_app.domain.records import tables as records_tables  # noqa: F401
from sgd_app.domain.records.triggers import FREEZE_PG, FREEZE_SQLITE
from sgd_app.domain.sso import tables as sso_tables  # noqa: F401

metadata = SQLModel.metadata
MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0003"  # the schema of release 59db773, the last one made without migrations
PG_LOCK = 715517  # one schema changer at a time (several workers or test processes may start together)

AUDIT_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'auditevent es de solo adición'); END""",
    """CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'auditevent es de solo adición'); END""",
]
AUDIT_PG = [
    """CREATE OR REPLACE FUNCTION sgd_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'auditevent es de solo adición'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent",
    """CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent
       FOR EACH ROW EXECUTE FUNCTION sgd_audit_append_only()""",
]
# The units a case has been in (CaseUnit, read by the visibility rule): every movement's units and every
# current unit, written by the database itself in the statement that records them, whoever writes it.
CASEUNIT_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS caseunit_movement AFTER INSERT ON movement BEGIN "
    "INSERT OR IGNORE INTO caseunit (unit_id, expediente_id) SELECT u, NEW.expediente_id FROM "
    "(SELECT NEW.from_unit_id AS u UNION SELECT NEW.to_unit_id) WHERE u IS NOT NULL; END",
    "CREATE TRIGGER IF NOT EXISTS caseunit_case_ai AFTER INSERT ON expediente BEGIN "
    "INSERT OR IGNORE INTO caseunit (unit_id, expediente_id) VALUES (NEW.current_unit_id, NEW.id); END",
    "CREATE TRIGGER IF NOT EXISTS caseunit_case_au AFTER UPDATE OF current_unit_id ON expediente BEGIN "
    "INSERT OR IGNORE INTO caseunit (unit_id, expediente_id) VALUES (NEW.current_unit_id, NEW.id); END",
]
CASEUNIT_PG = [
    """CREATE OR REPLACE FUNCTION sgd_caseunit_movement() RETURNS trigger AS $$
       BEGIN INSERT INTO caseunit (unit_id, expediente_id)
       SELECT DISTINCT u, NEW.expediente_id FROM (VALUES (NEW.from_unit_id), (NEW.to_unit_id)) AS v(u)
       WHERE u IS NOT NULL ON CONFLICT DO NOTHING; RETURN NULL; END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION sgd_caseunit_case() RETURNS trigger AS $$
       BEGIN INSERT INTO caseunit (unit_id, expediente_id) VALUES (NEW.current_unit_id, NEW.id)
       ON CONFLICT DO NOTHING; RETURN NULL; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS caseunit_movement ON movement",
    """CREATE TRIGGER caseunit_movement AFTER INSERT ON movement
       FOR EACH ROW EXECUTE FUNCTION sgd_caseunit_movement()""",
    "DROP TRIGGER IF EXISTS caseunit_case ON expediente",
    """CREATE TRIGGER caseunit_case AFTER INSERT OR UPDATE OF current_unit_id ON expediente
       FOR EACH ROW EXECUTE FUNCTION sgd_caseunit_case()""",
]
AUDIT_HEAD = (
    "INSERT INTO audithead (id, seq, hash) SELECT 1, 0, :h WHERE NOT EXISTS (SELECT 1 FROM audithead WHERE id = 1)"
)
# Tables made by raw DDL (the search index), not by the models: Alembic's comparison leaves them alone.
UNMODELLED = ("search_",)


class SchemaMismatch(RuntimeError):
    """The database has tables but is not a schema this release knows how to upgrade."""


# ---------------------------------------------------------------- straight from the models
def create_all(eng: Engine | None = None) -> None:
    """Create the current schema from the models (idempotent): tables, audit triggers and head row,
    the case units' triggers, the frozen files' triggers, search index."""
    eng = eng or db.engine()
    with eng.begin() as conn:
        _lock(conn)
        metadata.create_all(conn)
        sqlite = db.is_sqlite(eng)
        for sql in AUDIT_SQLITE + CASEUNIT_SQLITE + FREEZE_SQLITE if sqlite else AUDIT_PG + CASEUNIT_PG + FREEZE_PG:
            conn.execute(text(sql))
        conn.execute(text(AUDIT_HEAD), {"h": "0" * 64})
    search.ensure_schema(eng)


def drop_all(eng: Engine) -> None:
    """Tests only: remove every table of the models."""
    with eng.begin() as conn:
        if not db.is_sqlite(eng):
            conn.execute(text("DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent"))
    metadata.drop_all(eng)


# ---------------------------------------------------------------- migrations
def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for sgd_app/migrations; ``connection`` (if given) is the one it uses."""
    cfg = Config(MIGRATIONS / "alembic.ini")
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def revision(conn: Connection) -> str | None:
    """The revision the database is at (None: not under migrations)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(eng: Engine | None = None, to: str = "head") -> str:
    """Bring the database to revision ``to`` and say what was done: "created" (it was empty),
    "adopted" (made by the release before migrations: checked against the baseline, stamped, then
    upgraded), "upgraded" or "current". One transaction, one upgrader at a time."""
    eng = eng or db.engine()
    with _locked(eng) as conn:
        before = revision(conn)
        outcome = None
        if before is None and inspect(conn).has_table("expediente"):
            differences = compare_with_baseline(eng, conn)
            if differences:
                raise SchemaMismatch(
                    "La base de datos no tiene el esquema de la versión anterior; no se actualiza. "
                    "Diferencias: " + "; ".join(differences[:10])
                )
            command.stamp(alembic_config(conn), BASELINE)
            outcome = "adopted"
        elif before is None:
            outcome = "created"
        command.upgrade(alembic_config(conn), to)
        return outcome or ("current" if revision(conn) == before else "upgraded")


def make_revision(message: str, eng: Engine | None = None) -> list[str]:
    """Write a new revision from the difference between the models and the (upgraded) database;
    returns the paths written. Read it and fix it by hand before committing it."""
    eng = eng or db.engine()
    with eng.connect() as conn:
        scripts = command.revision(alembic_config(conn), message, autogenerate=True)
    scripts = scripts if isinstance(scripts, list) else [scripts]
    return [s.path for s in scripts if s is not None]


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's filter: the search index's tables and their indexes are not in the models."""
    table = obj.table.name if type_ in ("index", "column", "unique_constraint", "foreign_key_constraint") else name
    return not (reflected and compare_to is None and str(table or "").startswith(UNMODELLED))


def render_item(type_: str, obj: Any, _context: Any) -> str | bool:
    """Alembic's renderer: SQLModel's column types are written as plain SQLAlchemy ones, so that a
    revision needs no sqlmodel import (False: Alembic's default rendering)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def shape(conn: Connection) -> dict[str, Any]:
    """What a schema is made of, as comparable plain data: tables with their columns, keys and
    indexes, plus views and triggers (the alembic_version table left out)."""
    insp = inspect(conn)
    tables: dict[str, Any] = {}
    for name in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        tables[name] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)],
            "pk": insp.get_pk_constraint(name)["constrained_columns"],
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(name)),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(name)),
            "indexes": sorted(
                (i["name"] or "", tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(name)
            ),
        }
    if conn.dialect.name == "sqlite":
        extras = conn.execute(
            text("SELECT type, name FROM sqlite_master WHERE type IN ('view', 'trigger') ORDER BY type, name")
        ).all()
    else:
        extras = conn.execute(
            text(
                "SELECT 'trigger', tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace "
                "UNION ALL SELECT 'function', proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace "
                "UNION ALL SELECT 'text search configuration', cfgname FROM pg_ts_config "
                "WHERE cfgnamespace = current_schema()::regnamespace ORDER BY 1, 2"
            )
        ).all()
    return {"tables": tables, "extras": [tuple(r) for r in extras]}


def compare_with_baseline(eng: Engine, conn: Connection) -> list[str]:
    """How the database on ``conn`` differs from the baseline revision (built in a scratch database
    of the same kind); empty when it is the baseline."""
    with _scratch(eng) as scratch, scratch.begin() as sc:  # no schema lock: ``conn`` holds it
        command.upgrade(alembic_config(sc), BASELINE)
        expected = shape(sc)
    actual = shape(conn)
    out = [
        f"falta el objeto {kind} {name}" for kind, name in expected["extras"] if (kind, name) not in actual["extras"]
    ]
    out += [
        f"sobra el objeto {kind} {name}" for kind, name in actual["extras"] if (kind, name) not in expected["extras"]
    ]
    for name in sorted(set(expected["tables"]) | set(actual["tables"])):
        want, have = expected["tables"].get(name), actual["tables"].get(name)
        if want is None:
            out.append(f"sobra la tabla {name}")
        elif have is None:
            out.append(f"falta la tabla {name}")
        else:
            out += [
                f"{name}: {part} distinto ({have[part]} en vez de {want[part]})"
                for part in want
                if want[part] != have[part]
            ]
    return out


def _lock(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK})


@contextmanager
def _locked(eng: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the schema lock (SQLite: BEGIN IMMEDIATE)."""
    with db.write_bind(eng).connect() as conn, conn.begin():
        _lock(conn)
        yield conn


@contextmanager
def _scratch(eng: Engine) -> Iterator[Engine]:
    """An empty database of the same kind as ``eng``: a temporary SQLite file, or a temporary
    PostgreSQL schema in the same database."""
    if db.is_sqlite(eng):
        with tempfile.TemporaryDirectory() as tmp:
            scratch = db.make_engine(f"sqlite:///{Path(tmp) / 'baseline.db'}")
            try:
                yield scratch
            finally:
                scratch.dispose()
        return
    name = f"sgd_scratch_{uuid.uuid4().hex[:12]}"
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    url = eng.url.update_query_dict({"options": f"-csearch_path={name}"})
    scratch = db.make_engine(url.render_as_string(hide_password=False))
    try:
        yield scratch
    finally:
        scratch.dispose()
        with eng.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
