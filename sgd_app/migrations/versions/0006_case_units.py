"""The units each case has been in (``caseunit``): the visibility rule's table, read by the case page and
by search, so that search finds every case its user may open (issue 14, item 5).

Revision ID: 0006
Revises: 0005

Frozen operations: never import the live models here. The table is filled from what is already there
(every case's current unit, both ends of every movement, the desk units of the clerk who registered
it); from then on the database keeps it (triggers on ``movement`` and ``expediente``). SQLite's search
index carries those units as facet tokens (``v<id>``): the facets are rewritten and the FTS index
rebuilt once (its entry triggers are set aside meanwhile and put back exactly as they were).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

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
    """CREATE TRIGGER caseunit_movement AFTER INSERT ON movement
       FOR EACH ROW EXECUTE FUNCTION sgd_caseunit_movement()""",
    """CREATE TRIGGER caseunit_case AFTER INSERT OR UPDATE OF current_unit_id ON expediente
       FOR EACH ROW EXECUTE FUNCTION sgd_caseunit_case()""",
]
BACKFILL = [
    "INSERT INTO caseunit (unit_id, expediente_id) SELECT DISTINCT current_unit_id, id FROM expediente "
    "WHERE true ON CONFLICT DO NOTHING",
    "INSERT INTO caseunit (unit_id, expediente_id) SELECT DISTINCT u, e FROM ("
    "SELECT from_unit_id AS u, expediente_id AS e FROM movement UNION "
    "SELECT to_unit_id, expediente_id FROM movement) x WHERE u IS NOT NULL ON CONFLICT DO NOTHING",
    "INSERT INTO caseunit (unit_id, expediente_id) SELECT DISTINCT m.unit_id, e.id FROM expediente e "
    "JOIN membership m ON m.user_id = e.registered_by_id AND m.role = 'clerk' WHERE true "
    "ON CONFLICT DO NOTHING",
]
# SQLite's search facets: the new form (current unit, procedure, channel, then every unit of caseunit) and
# 0003's; {0} is the case id.
_FACETS_NEW = (
    "(SELECT 'u' || e.current_unit_id || ' p' || e.procedure_id || ' c' || hex(e.channel) || coalesce(("
    "SELECT group_concat(' v' || x.unit_id, '') FROM (SELECT unit_id FROM caseunit "
    "WHERE expediente_id = e.id ORDER BY unit_id) x), '') FROM expediente e WHERE e.id = {0})"
)
_FACETS_OLD = "(SELECT 'u' || e.current_unit_id || ' p' || e.procedure_id || ' c' || hex(e.channel) FROM expediente e WHERE e.id = {0})"
_SET_NEW = (
    f"UPDATE search_entry SET facets = {_FACETS_NEW} WHERE entry_id BETWEEN ({{0}} << 20) "
    f"AND (({{0}} << 20) | 1048575) AND facets IS NOT {_FACETS_NEW}"
)
SEARCH_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS search_case_facets AFTER UPDATE OF current_unit_id, procedure_id, channel "
    f"ON expediente BEGIN {_SET_NEW.format('NEW.id')}; END",
    f"CREATE TRIGGER IF NOT EXISTS search_case_units AFTER INSERT ON caseunit BEGIN {_SET_NEW.format('NEW.expediente_id')}; END",
]
_OLD_FACETS_TRIGGER = (
    "CREATE TRIGGER search_case_facets AFTER UPDATE OF current_unit_id, procedure_id, channel ON expediente "
    "BEGIN UPDATE search_entry SET facets = ('u' || NEW.current_unit_id || ' p' || NEW.procedure_id || ' c' || "
    "hex(NEW.channel)) WHERE entry_id BETWEEN (NEW.id << 20) AND ((NEW.id << 20) | 1048575) AND facets IS NOT "
    "('u' || NEW.current_unit_id || ' p' || NEW.procedure_id || ' c' || hex(NEW.channel)); END"
)
_ENTRY_TRIGGERS = ("search_entry_ai", "search_entry_bd", "search_entry_bu", "search_entry_au")


def _refacet_sqlite(bind, facets_sql: str) -> None:
    """Rewrite every entry's facets, then rebuild the FTS index from its content once (the entry
    triggers, which would rewrite it row by row, set aside and put back as they were)."""
    names = ", ".join(f"'{n}'" for n in _ENTRY_TRIGGERS)
    saved = bind.exec_driver_sql(f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})").all()
    for name in _ENTRY_TRIGGERS:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    bind.exec_driver_sql(
        f"UPDATE search_entry SET facets = coalesce({facets_sql.format('search_entry.case_id')}, facets)"
    )
    bind.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES('rebuild')")
    for (sql,) in saved:
        bind.exec_driver_sql(sql)


def upgrade() -> None:
    op.create_table(
        "caseunit",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("expediente_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["expediente_id"], ["expediente.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("unit_id", "expediente_id"),
    )
    op.create_index("ix_caseunit_case", "caseunit", ["expediente_id", "unit_id"], unique=False)
    bind = op.get_bind()
    for sql in BACKFILL:
        bind.exec_driver_sql(sql)
    if bind.dialect.name == "sqlite":
        for sql in CASEUNIT_SQLITE:
            bind.exec_driver_sql(sql)
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS search_case_facets")
        for sql in SEARCH_SQLITE:
            bind.exec_driver_sql(sql)
        _refacet_sqlite(bind, _FACETS_NEW)
    else:
        for sql in CASEUNIT_PG:
            bind.exec_driver_sql(sql)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("caseunit_movement", "caseunit_case_ai", "caseunit_case_au", "search_case_units"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS search_case_facets")
        bind.exec_driver_sql(_OLD_FACETS_TRIGGER)
        _refacet_sqlite(bind, _FACETS_OLD)
    else:
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS caseunit_movement ON movement")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS caseunit_case ON expediente")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS sgd_caseunit_movement()")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS sgd_caseunit_case()")
    op.drop_index("ix_caseunit_case", table_name="caseunit")
    op.drop_table("caseunit")
