"""A data dir made by a previous release: its SQLite file, or its PostgreSQL dump loaded into a
fresh schema (fixtures/ is rebuilt by make_fixtures.sh)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from tests.conftest import PG_URL

FIXTURES = Path(__file__).with_name("fixtures")
RELEASES = ["59db773"]  # every release adds its data dir here (make_fixtures.sh <commit>)
DUMP_SCHEMA = "sgd_prev_release"


def load_previous_release(eng: Engine, release: str) -> None:
    """Fill the empty database of ``eng`` with the data dir of ``release``."""
    if eng.dialect.name == "sqlite":
        with gzip.open(FIXTURES / f"{release}-sqlite.db.gz") as src, open(eng.url.database, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return
    if not shutil.which("psql"):
        pytest.skip("psql is needed to load the PostgreSQL dump")
    with eng.connect() as conn:
        name = conn.execute(text("SELECT current_schema()")).scalar()
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}"'))  # the dump creates it
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public"))
    sql = gzip.decompress((FIXTURES / f"{release}-postgresql.sql.gz").read_bytes()).decode()
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", PG_URL],
        input=sql.replace(DUMP_SCHEMA, name),
        text=True,
        check=True,
        capture_output=True,
    )


def table_digests(eng: Engine) -> dict[str, tuple[int, str]]:
    """Rows and a digest of their content, per table (every column, in key order)."""
    out = {}
    with eng.connect() as conn:
        insp = inspect(conn)
        for name in insp.get_table_names():
            if name == "alembic_version":
                continue
            cols = [c["name"] for c in insp.get_columns(name)]
            order = insp.get_pk_constraint(name)["constrained_columns"] or cols
            q = lambda c: '"' + c + '"'  # noqa: E731
            rows = conn.execute(
                text(f"SELECT {', '.join(map(q, cols))} FROM {q(name)} ORDER BY {', '.join(map(q, order))}")
            ).all()
            out[name] = (len(rows), hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest())
    return out


@pytest.fixture(params=RELEASES)
def previous_release(request, empty_engine) -> Engine:
    load_previous_release(empty_engine, request.param)
    return empty_engine


HEAD = "0017"  # the newest revision
# 0004: dropped, created, one column added; 0005: created (filing attempts), two columns added;
# 0006: created (case units), SQLite's search facets rewritten and its FTS index rebuilt;
# 0007: one column added (procedure.desk_review); 0008: created (document templates), audit indexes;
# 0011: created (cacheversion); 0012: created (externalidentity, ssosession)
# 0014: created (apiclient, apirevokedtoken, apiassertionuse, apiidempotency)
# 0015: created (recordseries, procedureseries, doctypeseries, documentseries, casefile, fileindex), freeze triggers
# 0016: created (interopentity, interopcounter, interopsend, interopreceipt)
# 0017: created (legalhold, recordinventory, inventoryitem), casefile gains stage, transferred_at, destroyed_at
CHANGED_BY_0004 = ("throttle", "knowndevice", "user", "filingattempt", "procedure", "caseunit")


def untouched_by_0004(digests: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """The digests of the tables the revisions after the baseline leave as they were."""
    return {k: v for k, v in digests.items() if k not in CHANGED_BY_0004 and not k.startswith("search_")}
