"""The models and the migrations describe the same schema."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from sgd_app import schema
from tests.conftest import _empty_engine


def _extras_sql(conn) -> list:
    """The definition of every view and trigger (SQLite) or trigger and search configuration (PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') ORDER BY name"
    else:
        sql = (
            "SELECT tgname, replace(pg_get_triggerdef(t.oid), current_schema() || '.', '') "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace ORDER BY 1"
        )
    return [tuple(r) for r in conn.execute(text(sql)).all()]


def test_upgraded_database_matches_the_models(empty_engine):
    assert schema.upgrade(empty_engine) == "created"
    with empty_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": schema.include_object, "compare_type": True})
        assert compare_metadata(ctx, schema.metadata) == []


def test_upgraded_database_equals_the_one_built_from_the_models(empty_engine, tmp_path, request):
    schema.upgrade(empty_engine)
    backend = request.node.callspec.params["empty_engine"]
    (tmp_path / "models").mkdir()
    built, cleanup = _empty_engine(backend, tmp_path / "models")
    try:
        schema.create_all(built)
        with empty_engine.connect() as a, built.connect() as b:
            assert schema.shape(a) == schema.shape(b)
            assert _extras_sql(a) == _extras_sql(b)
            head = "SELECT id, seq, hash FROM audithead"
            assert a.execute(text(head)).all() == b.execute(text(head)).all()
    finally:
        built.dispose()
        if cleanup:
            admin, name = cleanup
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            admin.dispose()


def test_downgrade_to_nothing_and_back(empty_engine):
    schema.upgrade(empty_engine)
    with empty_engine.begin() as conn:
        command.downgrade(schema.alembic_config(conn), "base")
        assert set(schema.shape(conn)["tables"]) == set()
    assert schema.upgrade(empty_engine) == "created"


def test_workers_starting_together_upgrade_once(empty_engine):
    with ThreadPoolExecutor(3) as pool:
        outcomes = sorted(pool.map(lambda _: schema.upgrade(empty_engine), range(3)))
    assert outcomes == ["created", "current", "current"]
