"""``python -m sgd_app init`` creates or upgrades a data dir in place; twice is a no-op."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sgd_app import db, schema
from sgd_app.domain import doc_templates
from tests.migrations.conftest import HEAD, load_previous_release, table_digests, untouched_by_0004

ROOT = Path(__file__).resolve().parents[2]


API_TABLES = ("apiclient", "apirevokedtoken", "apiassertionuse", "apiidempotency")
INTEROP_TABLES = ("interopentity", "interopcounter", "interopsend", "interopreceipt")
RECORDS_TABLES = ("recordseries", "procedureseries", "doctypeseries", "documentseries", "casefile", "fileindex")
RETENTION_TABLES = ("legalhold", "recordinventory", "inventoryitem")


def _cli(eng, data_dir: Path, *args: str) -> str:
    env = {**os.environ, "SGD_DATA_DIR": str(data_dir), "SGD_DEMO_PASSWORD": "clave-demo-123"}
    env["DATABASE_URL"] = "" if db.is_sqlite(eng) else eng.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "sgd_app", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def data_dir(empty_engine, tmp_path) -> Path:
    """The data dir whose database is ``empty_engine``'s (SQLite: SGD_DATA_DIR/sgd.db)."""
    if db.is_sqlite(empty_engine):
        return Path(empty_engine.url.database).parent
    return tmp_path / "data"


def _sqlite_at_data_dir(eng, data_dir: Path):
    if db.is_sqlite(eng):
        eng.dispose()
        return db.make_engine(f"sqlite:///{data_dir / 'sgd.db'}")
    return eng


def test_init_twice_is_a_no_op(empty_engine, data_dir):
    assert "Esquema de la base de datos creado." in _cli(empty_engine, data_dir, "init")
    eng = _sqlite_at_data_dir(empty_engine, data_dir)
    before = table_digests(eng)
    assert "Esquema de la base de datos al día." in _cli(eng, data_dir, "init")
    assert table_digests(eng) == before
    with eng.connect() as conn:
        assert schema.revision(conn) == HEAD
    eng.dispose()


def test_init_upgrades_a_previous_release_data_dir(empty_engine, data_dir):
    eng = _sqlite_at_data_dir(empty_engine, data_dir)
    load_previous_release(eng, "59db773")
    before = table_digests(eng)
    out = _cli(eng, data_dir, "init")
    assert "Base de datos de la versión anterior reconocida y actualizada en su lugar." in out
    # the catalogue and demo accounts were there already; init completes the procedures once
    # (0005: requirements, fees, the "Solicitud general"), each completion in the audit trail
    after = table_digests(eng)
    assert after["doctemplate"][0] == len(doc_templates.DEFAULTS)  # 0008: the default templates, once
    assert after["savedsearch"][0] == 0  # 0009: a new, empty table
    assert after["cacheversion"][0] == 0  # 0011: created empty
    assert after["externalidentity"][0] == after["ssosession"][0] == 0  # 0012: created empty
    assert [after[t][0] for t in API_TABLES] == [0, 0, 0, 0]  # 0014: created empty
    assert [after[t][0] for t in INTEROP_TABLES] == [0, 0, 0, 0]  # 0016: created empty
    assert (data_dir / "interop" / "key.json").is_file()  # the interop key, made by init
    assert after["recordseries"][0] == 13  # 0015: the default classification scheme, seeded by init
    assert after["casefile"][0] == after["fileindex"][0] == 0  # 0015: files are opened on first use
    assert [after[t][0] for t in RETENTION_TABLES] == [0, 0, 0]  # 0017: created empty
    audited = (
        "auditevent",
        "audithead",
        "doctemplate",
        "savedsearch",
        "cacheversion",
        "externalidentity",
        "ssosession",
        *API_TABLES,
        *INTEROP_TABLES,
        *RECORDS_TABLES,
        *RETENTION_TABLES,
    )
    assert {k: v for k, v in untouched_by_0004(after).items() if k not in audited} == {
        k: v for k, v in untouched_by_0004(before).items() if k not in audited
    }
    # 7 completed, 1 created, the templates, the classification scheme (0015)
    assert after["auditevent"][0] == before["auditevent"][0] + 10
    assert table_digests(eng) == after  # a second look changes nothing
    _cli(eng, data_dir, "init")
    assert table_digests(eng) == after  # and a second init neither: no audit record on a no-op
    assert "Esquema de la base de datos al día." in _cli(eng, data_dir, "migrate")
    assert "Cadena de auditoría íntegra" in _cli(eng, data_dir, "audit", "verify")
    eng.dispose()
