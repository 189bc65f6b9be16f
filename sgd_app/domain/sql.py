"""SQL helpers the domain shares across dialects (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session


def insert_if_absent(session: Session, table, values: dict) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike (no failed statement, so
    the surrounding transaction stays usable when a concurrent writer created the row first)."""
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.connection().execute(dialect_insert(table).values(**values).on_conflict_do_nothing())
