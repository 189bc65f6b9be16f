"""Alembic environment: the app's database (or the connection sgd_app.schema passes in), the
models' metadata for autogenerate, batch mode on SQLite."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from sgd_app import db, schema

config = context.config
if config.config_file_name and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=schema.metadata,
        include_object=schema.include_object,
        render_item=schema.render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    raise SystemExit("Las migraciones se aplican sobre la base de datos (sin modo --sql).")
if connection is not None:
    _run(connection)
else:
    with db.write_bind(db.engine()).connect() as conn, conn.begin():
        _run(conn)
